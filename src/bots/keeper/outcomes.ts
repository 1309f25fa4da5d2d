import { formatUnits, type TransactionReceipt } from "ethers";
import { USDC_DECIMALS } from "../../text/units";
import { BatchRebalancer__factory, CONTRACT_INTERFACES } from "../../chain/contracts";
import { rebalanceActionName } from "../../chain/enums";
import { describeError } from "../../chain/reverts";
import { isRpcFault } from "../../rpc/faults";
import { checkSent } from "../../tx/send";
import { countReceipt, earningsFields, latency, usd, type ReceiptEarnings } from "./earnings";
import { type KeeperContext, type Outcome } from "./types";
import { txContext } from "../kit/context";

const BATCH_INTERFACE = BatchRebalancer__factory.createInterface();
/** A rebalance action (0 none, 1 time, 2 drift) as the logs name it: NONE, TIME, DRIFT. */
export const triggerName = (action: bigint | number) => rebalanceActionName(action).toUpperCase();

/** Bit i of a BatchRebalancer `done` bitmap. */
export const isSet = (bitmap: bigint, i: number) => ((bitmap >> BigInt(i)) & 1n) === 1n;

/** Another keeper rebalanced the token first: logged at info and counted, never an error. */
export function lostRace(
  { logger, metrics }: KeeperContext,
  fields: Record<string, unknown>,
  message = "already rebalanced by another keeper",
): Outcome {
  metrics?.rebalances.inc({ outcome: "lost_race" });
  logger.info(fields, message);
  return "lostRace";
}

/** How many blocks before ours a rival's rebalance is looked for (a transaction may wait a few blocks). */
const RACE_LOOKBACK_BLOCKS = 20;

/**
 * A token our mined transaction did not rebalance (it reverted, or the batch skipped it), and why, read at the block
 * that mined it: another keeper's rebalance in that block or shortly before is a lost race; nothing due at that block
 * without one means the token was no longer due (its leverage back within the band); still due is a failure, with
 * the revert's reason for a single-token transaction (replayed at that block), which the next pass retries.
 */
async function notRebalanced(
  context: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
  messages: { lost: string; failed: string },
  replay = false,
): Promise<Outcome> {
  const { provider } = context;
  const token = context.connectToken(address);
  const hash = receipt.hash;
  const block = receipt.blockNumber;
  const rivals = await provider.getLogs({
    address,
    topics: [token.interface.getEvent("Rebalanced").topicHash],
    fromBlock: Math.max(0, block - RACE_LOOKBACK_BLOCKS),
    toBlock: block,
  });
  const rival = rivals.filter((log) => log.transactionHash !== hash).pop();
  if (rival) return lostRace(context, { token: symbol, hash, rivalHash: rival.transactionHash }, messages.lost);
  if (Number(await token.rebalanceAction({ blockTag: block })) === 0) {
    return lostRace(
      context,
      { token: symbol, hash, block },
      "no longer due when our transaction was mined (its leverage back within the band); it reverted",
    );
  }
  context.metrics?.errors.inc({ kind: "reverted" });
  const reason = replay ? await replayedRevert(context, receipt) : undefined;
  context.logger.error({ token: symbol, hash, ...(reason ? { reason } : {}) }, messages.failed);
  return "failed";
}

/**
 * Why a mined transaction reverted, in one line: its call again on the state at its block's end (a named error), or,
 * when that passes but fails within the transaction's own gas limit, its gas; undefined when neither says.
 */
async function replayedRevert({ provider }: KeeperContext, receipt: TransactionReceipt): Promise<string | undefined> {
  const tx = await provider.getTransaction(receipt.hash);
  if (!tx) return undefined;
  const call = { to: tx.to, from: tx.from, data: tx.data, value: tx.value, blockTag: receipt.blockNumber };
  try {
    await provider.call(call);
  } catch (error) {
    return describeError(error, CONTRACT_INTERFACES).split("\n")[0];
  }
  try {
    await provider.call({ ...call, gasLimit: tx.gasLimit });
    return undefined;
  } catch {
    return `it ran out of gas (its limit ${tx.gasLimit})`;
  }
}

/** Logs a token's (or a batch's) unexpected failure, after which the pass goes on. */
export function logFailure({ metrics, logger }: KeeperContext, symbols: string[], error: unknown): Outcome {
  const kind = isRpcFault(error) ? "rpc" : "token";
  metrics?.errors.inc({ kind });
  logger.error(
    {
      ...(symbols.length === 1 ? { token: symbols[0] } : { tokens: symbols }),
      kind,
      error: describeError(error, CONTRACT_INTERFACES),
    },
    symbols.length === 1 ? "token failed" : "batch failed",
  );
  return "failed";
}

/** The outcome of a mined single-token rebalance; its gas (and its reward) count either way. */
export async function logReceipt(
  context: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
): Promise<Outcome> {
  const earned = await countReceipt(context, receipt);
  if (receipt.status !== 1) {
    return notRebalanced(
      context,
      address,
      symbol,
      receipt,
      { lost: "another keeper rebalanced first; our transaction reverted", failed: "rebalance transaction reverted" },
      true,
    );
  }
  return logRebalanced(context, address, symbol, receipt, earned, {
    gasUsed: receipt.gasUsed.toString(),
    ...earningsFields(earned),
  });
}

/**
 * The outcome of `only` (by default every token) of a mined batch transaction of `tokens`: bit i of the
 * `BatchRebalanced` event's `done` says whether `tokens[i]` was rebalanced (a reverted transaction did none).
 */
export async function logBatchReceipt(
  context: KeeperContext,
  receipt: TransactionReceipt,
  tokens: string[],
  only: string[] = tokens,
): Promise<Outcome[]> {
  const { logger, state } = context;
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === receipt.to?.toLowerCase())
    .map((log) => BATCH_INTERFACE.parseLog(log))
    .find((parsed) => parsed?.name === "BatchRebalanced");
  const done: bigint = receipt.status === 1 && event ? event.args.done : 0n;
  const symbols = tokens.map((address) => state.symbols.get(address) ?? address);
  const earned = await countReceipt(context, receipt);
  if (only.length === tokens.length && receipt.status !== 1) {
    logger.error(
      { tokens: symbols, hash: receipt.hash, ...earningsFields(earned, true) },
      "batch rebalance transaction reverted",
    );
  } else if (only.length === tokens.length) {
    logger.info(
      {
        tokens: symbols,
        rebalanced: event ? Number(event.args.rebalanced) : 0,
        hash: receipt.hash,
        block: receipt.blockNumber,
        gasUsed: receipt.gasUsed.toString(),
        ...earningsFields(earned, true),
      },
      "batch rebalanced",
    );
  }
  const outcomes: Outcome[] = [];
  for (const address of only) {
    const i = tokens.indexOf(address);
    outcomes.push(
      isSet(done, i)
        ? await logRebalanced(context, address, symbols[i], receipt, earned, { batch: true })
        : await notRebalanced(context, address, symbols[i], receipt, {
            lost: "already rebalanced by another keeper",
            failed: "the batch did not rebalance the token; still due",
          }),
    );
  }
  return outcomes;
}

/**
 * Logs a mined rebalance of one token from its `Rebalanced` event (none: the token was wiped out), with the reward it
 * paid us and how long it waited since due.
 */
async function logRebalanced(
  context: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
  earned: ReceiptEarnings,
  extra: Record<string, unknown>,
): Promise<Outcome> {
  const { logger, metrics, connectToken } = context;
  const waited = await latency(context, address, receipt);
  const token = connectToken(address);
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => token.interface.parseLog(log))
    .find((parsed) => parsed?.name === "Rebalanced");
  metrics?.rebalances.inc({ outcome: "rebalanced" });
  metrics?.lastRebalance.set({ token: symbol }, Date.now() / 1000);
  if (event) metrics?.leverage.set({ token: symbol }, Number(formatUnits(event.args.leverageAfter, 18)));
  logger.info(
    {
      token: symbol,
      hash: receipt.hash,
      block: receipt.blockNumber,
      reward: usd(earned.rewards.get(address.toLowerCase()) ?? 0n),
      ...extra,
      ...waited,
      ...(event
        ? {
            trigger: triggerName(event.args.trigger),
            leverageBefore: formatUnits(event.args.leverageBefore, 18),
            leverageAfter: formatUnits(event.args.leverageAfter, 18),
            sizeDelta: formatUnits(event.args.sizeDelta, 18),
            price: formatUnits(event.args.price, 18),
            equity: formatUnits(event.args.equity, USDC_DECIMALS),
          }
        : { event: "none (wiped out)" }),
    },
    "rebalanced",
  );
  return "rebalanced";
}

/**
 * A rebalance left pending by an earlier pass: mined (its outcome is logged), dropped or superseded (forgotten), or
 * still pending (false).
 */
export async function resolvePending(context: KeeperContext, address: string, symbol: string): Promise<boolean> {
  const { state, logger } = context;
  const pending = state.pending.get(address);
  if (!pending) return true;
  const now = await checkSent(txContext(context), pending.sent);
  if (now.state === "pending") return false;
  state.pending.delete(address);
  if (now.state === "gone") {
    logger.warn(
      { token: symbol, nonce: pending.sent.nonce },
      "pending rebalance was dropped or superseded; forgetting it",
    );
  } else if (pending.batch) {
    await logBatchReceipt(context, now.receipt, pending.batch, [address]);
  } else {
    await logReceipt(context, address, symbol, now.receipt);
  }
  return true;
}
