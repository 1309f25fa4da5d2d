import { formatEther, formatUnits, type TransactionReceipt } from "ethers";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError } from "../../chain/reverts";
import { USDC_DECIMALS } from "../../text/units";
import { retrying } from "../../tx/context";
import { EXCHANGE_INTERFACE, MARGIN_TRANSFERRED_TOPIC, type KeeperContext, type PassReport } from "./types";
import { txContext } from "../kit/context";

/**
 * What the keeper's mined transactions earned and cost, from their receipts: the keeper rewards (the exchange's
 * `MarginTransferred` events from a token to the signer), the gas (gas used x effective gas price, in ETH and, with an
 * ETH price, in USDC), and how long each rebalance waited from due to mined.
 */

export const usd = (units: bigint) => formatUnits(units, USDC_DECIMALS);
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Wei of gas in USDC units at `ethPrice` (USDC units per ETH), rounded up. */
export const gasInUsd = (wei: bigint, ethPrice: bigint) => ceilDiv(wei * ethPrice, 10n ** 18n);

/** A receipt's rewards and gas. */
export interface ReceiptEarnings {
  /** Reward paid to the signer, by token address (lower case), USDC units. */
  rewards: Map<string, bigint>;
  total: bigint;
  gasWei: bigint;
  /** Undefined without an ETH price. */
  gasUsd?: bigint;
}

/**
 * The ETH price (USDC units per ETH) for this pass: read once a pass, when first needed; undefined without a source
 * or when it cannot be read (logged).
 */
export function passEthPrice(context: KeeperContext): Promise<bigint | undefined> {
  const { state, ethPrice, logger } = context;
  if (!ethPrice) return Promise.resolve(undefined);
  state.pass.ethPrice ??= retrying(txContext(context))("ethPrice", ethPrice).catch((error: unknown) => {
    logger.warn({ error: describeError(error, CONTRACT_INTERFACES) }, "could not read the ETH price");
    return undefined;
  });
  return state.pass.ethPrice;
}

/**
 * The rewards and gas of one of our mined receipts, added to the keeper's totals and metrics the first time the
 * receipt is seen (a pending batch is resolved token by token, from the same receipt).
 */
export async function countReceipt(context: KeeperContext, receipt: TransactionReceipt): Promise<ReceiptEarnings> {
  const { state, metrics, signer } = context;
  const keeper = signer ? (await signer.getAddress()).toLowerCase() : undefined;
  const rewards = new Map<string, bigint>();
  let total = 0n;
  for (const log of receipt.logs) {
    if (log.topics[0] !== MARGIN_TRANSFERRED_TOPIC) continue;
    const parsed = EXCHANGE_INTERFACE.parseLog(log);
    if (!parsed || (parsed.args.to as string).toLowerCase() !== keeper) continue;
    const from = (parsed.args.from as string).toLowerCase();
    const amount = parsed.args.amount as bigint;
    rewards.set(from, (rewards.get(from) ?? 0n) + amount);
    total += amount;
  }
  const gasWei = receipt.gasUsed * receipt.gasPrice;
  const ethPrice = await passEthPrice(context);
  const gasUsd = ethPrice === undefined ? undefined : gasInUsd(gasWei, ethPrice);
  if (!state.counted.has(receipt.hash)) {
    state.counted.add(receipt.hash);
    state.earnings.rewards += total;
    state.earnings.gasWei += gasWei;
    state.earnings.gasUsd += gasUsd ?? 0n;
    metrics?.rewards.inc(Number(usd(total)));
    metrics?.gasSpentEth.inc(Number(formatEther(gasWei)));
    if (gasUsd !== undefined) metrics?.gasSpentUsd.inc(Number(usd(gasUsd)));
    metrics?.net.set(Number(usd(state.earnings.rewards - state.earnings.gasUsd)));
  }
  return { rewards, total, gasWei, gasUsd };
}

/** The log fields of a receipt's earnings: its rewards (`rewards` for a batch, else `reward`), its gas in ETH and USDC, and the net. */
export function earningsFields(earned: ReceiptEarnings, batch = false): Record<string, string | null> {
  return {
    [batch ? "rewards" : "reward"]: usd(earned.total),
    gasCostEth: formatEther(earned.gasWei),
    gasCostUsd: earned.gasUsd === undefined ? null : usd(earned.gasUsd),
    net: earned.gasUsd === undefined ? null : usd(earned.total - earned.gasUsd),
  };
}

/** The log fields of a pass report: its lists, and what it earned (the gas in USDC: null without an ETH price). */
export function reportFields(report: PassReport, withPrice: boolean): Record<string, unknown> {
  const { earned, ...lists } = report;
  return {
    ...lists,
    rewards: usd(earned.rewards),
    gasCostEth: formatEther(earned.gasWei),
    gasCostUsd: withPrice ? usd(earned.gasUsd) : null,
    net: withPrice ? usd(earned.rewards - earned.gasUsd) : null,
  };
}

/** A block's time (unix seconds), read once a pass. */
export async function blockTime(context: KeeperContext, block: number): Promise<number | undefined> {
  const times = context.state.pass.blockTimes;
  const known = times.get(block);
  if (known !== undefined) return known;
  try {
    const header = await retrying(txContext(context))("getBlock", () => context.provider.getBlock(block));
    if (!header) return undefined;
    times.set(block, header.timestamp);
    return header.timestamp;
  } catch {
    return undefined;
  }
}

/** How far back `latency` looks for the block in which a time trigger fell due. */
const DUE_BLOCK_LOOKBACK = 32;

/**
 * The block in which a token fell due: the pass's block, or for a time trigger that passed before it (`dueAt` earlier
 * than the pass's block) the first block stamped at or after `dueAt`, found by stepping back (a pass runs every poll
 * interval, so the block it read may be a block or more after the one where the token fell due).
 */
async function dueBlock(context: KeeperContext, due: { block: number; dueAt: number }): Promise<number> {
  let first = due.block;
  for (let n = due.block - 1; n >= 0 && due.block - n <= DUE_BLOCK_LOOKBACK; n--) {
    const time = await blockTime(context, n);
    if (time === undefined || time < due.dueAt) break;
    first = n;
  }
  return first;
}

/**
 * How long a token's mined rebalance waited: from when it fell due (the time trigger's `nextRebalanceTime`, or the
 * first pass that saw it due) to the block that mined it, in seconds and in blocks (from the block in which it fell
 * due, `dueBlock`); observed in the metrics, and forgotten (the token is no longer due). Undefined when this keeper
 * never saw it due.
 */
export async function latency(
  context: KeeperContext,
  address: string,
  receipt: TransactionReceipt,
): Promise<{ latencySeconds: number; latencyBlocks: number } | undefined> {
  const { state, metrics } = context;
  const due = state.dueSince.get(address);
  if (!due) return undefined;
  state.dueSince.delete(address);
  const mined = await blockTime(context, receipt.blockNumber);
  if (mined === undefined) return undefined;
  const latencySeconds = Math.max(0, mined - due.dueAt);
  const latencyBlocks = Math.max(0, receipt.blockNumber - (await dueBlock(context, due)));
  metrics?.latencySeconds.observe(latencySeconds);
  metrics?.latencyBlocks.observe(latencyBlocks);
  return { latencySeconds, latencyBlocks };
}
