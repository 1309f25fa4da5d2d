import { formatUnits } from "ethers";
import { offeredMaxFee } from "../../tx/send";
import { isSuperseded } from "../../tx/submit";
import { retrying } from "../../tx/context";
import { gasInUsd, passEthPrice, usd } from "./earnings";
import { logFailure, lostRace } from "./outcomes";
import { NOT_DUE, type DueToken, type KeeperContext, type Outcome, type PassReport } from "./types";
import { txContext } from "../kit/context";

/** A block as a pass read it. */
export interface PassBlock {
  number: number;
  /** Unix seconds. */
  timestamp: number;
}

/** What profit mode weighs for one token (USDC units; gas in gas units, fee in wei per gas). */
export interface Quote {
  /** `rebalanceRewardAt(latest block's time + blockTime)`. */
  reward: bigint;
  estimate: bigint;
  fee: bigint;
  /** estimate x fee x ETH price, rounded up. */
  gasCost: bigint;
  /** gasCost x profitMargin (rounded up) + minProfit: the least reward worth sending for. */
  needed: bigint;
}

/**
 * The least reward worth a transaction: the gas cost at the fee the transaction would be sent with times the margin,
 * plus the minimum profit.
 */
export function neededReward(
  gasCost: bigint,
  { profitMargin, minProfit }: { profitMargin: number; minProfit: bigint },
) {
  const permille = BigInt(Math.round(profitMargin * 1000));
  return (gasCost * permille + 999n) / 1000n + minProfit;
}

/** Whether a reward pays: more than nothing, and at least the needed amount. */
export const pays = (quote: Pick<Quote, "reward" | "needed">) => quote.reward > 0n && quote.reward >= quote.needed;

/**
 * Profit mode: of the due tokens, those whose keeper reward pays for their rebalance. Each one's reward is asked for
 * the next block, `rebalanceRewardAt(latest block's time + blockTime)`, and weighed against its gas: it is sent when
 * that reward is positive and covers `gas estimate x maxFeePerGas (as sent, capped) x ETH price x margin + minProfit`.
 * Sending it simulates it on the pending block first, and asks again right before the transaction goes out: a
 * rebalance another keeper has sent makes it a lost race, and nothing is sent. The others are put in the report:
 * `waiting` (the reward is growing: a later pass sends it), `lostRace` (the estimate found it done) or `failed`.
 * Returns the tokens to send, in order, each with its quote.
 */
export async function payingTokens(
  context: KeeperContext,
  due: DueToken[],
  block: PassBlock,
  report: PassReport,
): Promise<DueToken[]> {
  const { config, provider, signer } = context;
  const retry = retrying(txContext(context));
  const from = signer ? await signer.getAddress() : undefined;
  const at = block.timestamp + config.blockTime;
  // The ETH price, the fees and each token's reward and estimate are asked at once (one JSON-RPC batch).
  // A failure to price the gas is kept as its Error, so that the tokens' reads still end before the pass reports it.
  const pricing = Promise.all([passEthPrice(context), retry("getFeeData", () => provider.getFeeData())])
    .then(([ethPrice, fees]) => {
      if (ethPrice === undefined) throw new Error("no ETH price to price the gas with");
      return { ethPrice, fee: offeredMaxFee(fees, config) };
    })
    .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  const [priced, reads] = await Promise.all([
    pricing,
    Promise.all(due.map((token) => readQuote(context, token, at, from))),
  ]);
  if (priced instanceof Error) {
    const outcome = logFailure(
      context,
      due.map((t) => t.symbol),
      priced,
    );
    for (const token of due) report[outcome].push(token.symbol);
    return [];
  }
  const paying: DueToken[] = [];
  reads.forEach((read, i) => {
    const decision = typeof read === "string" ? read : decide(context, due[i], read, priced, at);
    if (typeof decision === "string") report[decision].push(due[i].symbol);
    else paying.push({ ...due[i], quote: decision });
  });
  return paying;
}

/**
 * One token's reward at `at` and the gas estimate of its rebalance; else its outcome (logged). The gas estimate is
 * taken once per token and kept (a rebalance's gas hardly changes from one due event to the next; the transaction is
 * estimated again when sent); a token never estimated borrows the largest estimate known for another, while its own
 * is asked at the end of the pass. So a pass whose tokens fall due together does not wait for their estimates (an
 * `eth_estimateGas` is several executions), and a token that waits costs one request a pass (its reward).
 */
async function readQuote(
  context: KeeperContext,
  token: DueToken,
  at: number,
  from?: string,
): Promise<{ reward: bigint; estimate: bigint } | Outcome> {
  const { state } = context;
  try {
    const contract = context.connectToken(token.address);
    const retry = retrying(txContext(context));
    const known = state.estimates.get(token.address);
    const estimating = () =>
      retry("estimateGas", () => contract.rebalance.estimateGas({ from })).then((estimate) => {
        state.estimates.set(token.address, estimate);
        return estimate;
      });
    const borrowed = known === undefined ? largestEstimate(state.estimates) : undefined;
    // Its own estimate for the next pass, asked once this pass is done (see `runOnce`).
    if (known === undefined && borrowed !== undefined) state.pass.afterwards.push(estimating);
    const [reward, estimate] = await Promise.all([
      retry("rebalanceRewardAt", () => contract.rebalanceRewardAt(at)),
      known ?? borrowed ?? estimating(),
    ]);
    return { reward, estimate };
  } catch (error) {
    if (isSuperseded(error, [NOT_DUE])) return lostRace(context, { token: token.symbol, trigger: token.trigger });
    return logFailure(context, [token.symbol], error);
  }
}

/** The largest of the estimates known, if any. */
function largestEstimate(estimates: Map<string, bigint>): bigint | undefined {
  let largest: bigint | undefined;
  for (const estimate of estimates.values()) if (largest === undefined || estimate > largest) largest = estimate;
  return largest;
}

/**
 * One token's quote when its reward pays; else `waiting` (logged at debug). A token that pays is simulated when it is
 * sent (see `rebalance.ts`).
 */
function decide(
  context: KeeperContext,
  token: DueToken,
  { reward, estimate }: { reward: bigint; estimate: bigint },
  { ethPrice, fee }: { ethPrice: bigint; fee: bigint },
  at: number,
): Quote | Outcome {
  const { logger, config } = context;
  const gasCost = gasInUsd(estimate * fee, ethPrice);
  const quote: Quote = { reward, estimate, fee, gasCost, needed: neededReward(gasCost, config) };
  const fields = {
    token: token.symbol,
    trigger: token.trigger,
    reward: usd(reward),
    gasCost: usd(gasCost),
    needed: usd(quote.needed),
    gas: estimate.toString(),
    maxFeeGwei: formatUnits(fee, 9),
    at,
  };
  if (!pays(quote)) {
    logger.debug(fields, "waiting: the reward does not cover the gas yet");
    return "waiting";
  }
  logger.debug(fields, "the reward covers the gas");
  return quote;
}
