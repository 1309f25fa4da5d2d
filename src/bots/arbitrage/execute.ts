import { formatUnits, type TransactionReceipt } from "ethers";
import { USDC_DECIMALS } from "../../text/units";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { readPool, poolPrice, premium } from "../../dex/pool";
import { describeError, unlessPriceRevert } from "../../chain/reverts";
import { highestFee } from "../../tx/send";
import { isSuperseded, submit } from "../../tx/submit";
import { retrying, type Retry } from "../../tx/context";
import { changeSince, NAV_MOVE_TO_REPLAN, whyGone } from "./gone";
import { UNPROFITABLE, type ArbitrageContext, type Opportunity, type Outcome, type PassReport } from "./types";
import { txContext } from "../kit/context";

export type { Opportunity } from "./types";

/** The metric's outcome label for each way a plan stops paying (`whyGone`). */
const GONE_METRIC = { lostRace: "lost_race", moved: "moved" } as const;

/** A dry run has no signer: its simulations pay the profit to this placeholder. */
const DRY_RUN_RECEIVER = "0x000000000000000000000000000000000000dEaD";

const usd = (units: bigint) => formatUnits(units, USDC_DECIMALS);
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * One opportunity: simulates the planned arbitrage (its profit now), prices its gas at the highest fee the
 * transaction can reach (the first fee raised by every replacement, capped) in stablecoin, and sends it only when
 * the profit covers that gas and the minimum profit; that sum is also the contract's `minProfit`, so a mined
 * arbitrage has paid for its gas. The mined profit is checked against the gas actually paid.
 */
export async function arbitrage(context: ArbitrageContext, op: Opportunity, report: PassReport): Promise<Outcome> {
  const { config, logger, metrics, signer } = context;
  const retry = retrying(txContext(context));
  const from = signer ? await signer.getAddress() : undefined;
  const receiver = context.receiver ?? from ?? DRY_RUN_RECEIVER;
  const call = context.arbitrage[op.plan.direction];
  const what = { token: op.symbol, direction: op.plan.direction };
  const args = (minProfit: bigint) => [op.token, op.plan.amount, minProfit, receiver] as const;

  let profit: bigint;
  let estimate: bigint;
  try {
    // Side by side: each round trip through a public RPC is a tenth of a Base block or more.
    [profit, estimate] = await Promise.all([
      retry("simulate", () => call.staticCall(...args(0n), { from })),
      retry("estimateGas", () => call.estimateGas(...args(0n), { from })),
    ]);
  } catch (error) {
    if (isSuperseded(error, [UNPROFITABLE])) return gone(context, op, what);
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn({ ...what, error: describeError(error, CONTRACT_INTERFACES) }, "simulation reverted, skipping");
    return "skipped";
  }
  if (profit !== op.plan.profit) {
    // A price update or a trade since the plan's block: the plan's size no longer closes the gap (sent as it is, it
    // left half the gap open); planned again at the head at once.
    const change = await changeSince(context, op);
    if (change.traded || Math.abs(change.navMove) > NAV_MOVE_TO_REPLAN) {
      metrics?.arbitrages.inc({ outcome: GONE_METRIC.moved });
      const cause = change.traded ? "the pool was traded" : "NAV moved (a price update)";
      const fields = { ...what, ...change.fields, planned: usd(op.plan.profit), simulated: usd(profit) };
      logger.info(fields, `the chain moved after block ${op.block} (${cause}): planning again at the head`);
      return "moved";
    }
    // Above the band the mint or redeem rebalances first, which its preview leaves out: the simulation is the truth.
    logger.debug({ ...what, planned: usd(op.plan.profit), simulated: usd(profit) }, "simulation differs from the plan");
  }
  const gasCost = await gasCostAtWorst(context, retry, estimate);
  const minProfit = gasCost + config.minProfit;
  const fields = { ...what, amount: op.plan.amount.toString(), profit: usd(profit), gasCost: usd(gasCost) };
  if (profit < minProfit) {
    metrics?.arbitrages.inc({ outcome: "below_min_profit" });
    logger.info({ ...fields, minProfit: usd(config.minProfit) }, "profit does not cover gas and the minimum profit");
    return "belowMinProfit";
  }
  if (config.dryRun || !signer) {
    logger.info(fields, "dry run: would arbitrage");
    return "simulated";
  }

  const { to, data } = await call.populateTransaction(...args(minProfit));
  const result = await submit(txContext(context), {
    to,
    data,
    estimateGas: () => call.estimateGas(...args(minProfit), { from }),
    supersededBy: [UNPROFITABLE],
    label: "arbitrage",
    what,
    onSent: (sent) => context.state.pending.set(op.token, { sent, opportunity: op }),
  });
  if (result.kind === "superseded") return gone(context, op, what);
  if (result.kind === "failed") return "failed";
  if (result.kind === "pending") return "pending";
  context.state.pending.delete(op.token);
  return recordMined(context, op, result.receipt, report, profit);
}

/** The arbitrage's gas in stablecoin units at the highest fee its transaction can pay (rounded up). */
async function gasCostAtWorst(context: ArbitrageContext, retry: Retry, estimate: bigint): Promise<bigint> {
  const { provider, config } = context;
  const [fees, nativePrice] = await Promise.all([
    retry("getFeeData", () => provider.getFeeData()),
    context.nativePrice(),
  ]);
  const cap = config.maxFeePerGas;
  const offered = fees.maxFeePerGas ?? fees.gasPrice ?? cap;
  const fee = highestFee(offered < cap ? offered : cap, config);
  return ceilDiv(estimate * fee * nativePrice, 10n ** 18n);
}

/**
 * The plan stopped paying before anything was sent (the simulation or the estimate refused): what changed since the
 * plan's block (see `whyGone`), logged at info and counted, never an error; a plan wrong on an unchanged chain is
 * skipped with a warning.
 */
async function gone(context: ArbitrageContext, op: Opportunity, what: Record<string, unknown>): Promise<Outcome> {
  const { logger, metrics } = context;
  const why = await whyGone(context, op);
  if (!why.outcome) {
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn({ ...what, ...why.fields }, `${why.message}: skipping`);
    return "skipped";
  }
  metrics?.arbitrages.inc({ outcome: GONE_METRIC[why.outcome] });
  logger.info({ ...what, ...why.fields }, why.message);
  return why.outcome;
}

/**
 * A mined arbitrage: its `Arbitraged` event's profit (with the plan's and the simulation's, which it equals on an
 * unchanged chain) against the gas the receipt paid (in stablecoin), the pool's premium after, the block it was
 * planned at. A reverted one is explained by what changed between the plan's block and the block that mined it
 * (`whyGone`: the pool traded by someone else, or NAV moved by a price update), else failed; its gas counts either way.
 */
export async function recordMined(
  context: ArbitrageContext,
  op: Opportunity,
  receipt: TransactionReceipt,
  report: PassReport,
  simulated?: bigint,
): Promise<Outcome> {
  const { logger, metrics } = context;
  const gasCost = ceilDiv(receipt.gasUsed * receipt.gasPrice * (await context.nativePrice()), 10n ** 18n);
  report.gasCost += gasCost;
  metrics?.gasSpent.inc(Number(usd(gasCost)));
  const what = { token: op.symbol, direction: op.plan.direction, hash: receipt.hash, block: receipt.blockNumber };
  if (receipt.status !== 1) {
    const why = await whyGone(context, op, receipt.blockNumber);
    if (why.outcome) {
      metrics?.arbitrages.inc({ outcome: GONE_METRIC[why.outcome] });
      logger.info({ ...what, ...why.fields }, `our arbitrage reverted once mined; ${why.message}`);
      return why.outcome;
    }
    metrics?.errors.inc({ kind: "reverted" });
    metrics?.arbitrages.inc({ outcome: "reverted" });
    logger.error({ ...what, ...why.fields }, "arbitrage transaction reverted");
    return "failed";
  }
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === receipt.to?.toLowerCase())
    .map((log) => context.arbitrage.interface.parseLog(log))
    .find((parsed) => parsed?.name === "Arbitraged");
  const profit: bigint = event ? event.args.profit : 0n;
  report.profit += profit;
  metrics?.profit.inc(Number(usd(profit)));
  metrics?.arbitrages.inc({ outcome: "arbitraged" });
  const token = context.connectToken(op.token);
  const [pool, nav] = await Promise.all([
    readPool(context.provider, op.pair, op.token, context.state.stablecoin as string),
    unlessPriceRevert(token.navPerShare(), 0n),
  ]);
  const price = poolPrice(pool);
  const after = price === undefined || nav === 0n ? undefined : premium(price, nav);
  const fields = {
    ...what,
    amount: op.plan.amount.toString(),
    shares: formatUnits(event ? event.args.shares : 0n, 18),
    collateral: usd(event ? event.args.collateral : 0n),
    profit: usd(profit),
    planned: usd(op.plan.profit),
    simulated: simulated === undefined ? null : usd(simulated),
    gasUsed: receipt.gasUsed.toString(),
    gasCost: usd(gasCost),
    net: usd(profit - gasCost),
    planBlock: op.block,
    premiumBefore: formatUnits(op.premium, 18),
    premiumAfter: after === undefined ? null : formatUnits(after, 18),
  };
  if (profit < gasCost) {
    metrics?.losses.inc();
    logger.error(fields, "arbitrage lost money: its profit did not cover its gas");
  } else {
    logger.info(fields, "arbitraged");
  }
  return "arbitraged";
}
