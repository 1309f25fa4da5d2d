/**
 * The keeper handover the rehearsal plays: the operator's keeper is killed half-way through the bots' time and a
 * third party's keeper (its own key and endpoint client, started at that moment) carries on. The chain's rebalances
 * (latency.ts) are split at the kill: before it they are the operator keeper's figures, after it the takeover's.
 */
import type { Provider } from "ethers";
import type { ChainRebalance } from "./latency";
import { percentile } from "./report";

type Num = number | null;

/** Latency figures of a set of rebalances, read on the chain. */
export interface LatencyFigures {
  latencyBlocks: { p50: Num; p95: Num; max: Num };
  latencySeconds: { p50: Num; p95: Num };
  latencyBlocksByTrigger: Record<"time" | "band", { count: number; p50: Num; p95: Num; max: Num }>;
}

export interface Takeover {
  /** The block at which the operator's keeper was killed (null: it was not, e.g. the deployment failed). */
  operatorKilledAtBlock: Num;
  /** Rebalances mined after the kill, and how many of them the third party's keeper sent. */
  rebalancesAfter: number;
  byThirdParty: number;
  /** The latency of the rebalances mined after the kill, from the block each fell due. */
  latencyBlocks: { p50: Num; p95: Num; max: Num };
  latencySeconds: { p50: Num; p95: Num };
  /** What the third party's keeper logged it earned in rewards (USDC). */
  rewardsUsdc: number;
}

/** p50 / p95 / max of the rebalances' latencies in blocks and seconds, all together and per trigger. */
export function latencyFigures(rebalances: ChainRebalance[]): LatencyFigures {
  const blocks = (of: ChainRebalance[]) => of.flatMap((r) => (r.blocks === null ? [] : [r.blocks]));
  const seconds = rebalances.flatMap((r) => (r.seconds === null ? [] : [r.seconds]));
  const all = blocks(rebalances);
  const byTrigger = (trigger: "time" | "band") => {
    const of = blocks(rebalances.filter((r) => r.trigger === trigger));
    return { count: of.length, p50: percentile(of, 50), p95: percentile(of, 95), max: percentile(of, 100) };
  };
  return {
    latencyBlocks: { p50: percentile(all, 50), p95: percentile(all, 95), max: percentile(all, 100) },
    latencySeconds: { p50: percentile(seconds, 50), p95: percentile(seconds, 95) },
    latencyBlocksByTrigger: { time: byTrigger("time"), band: byTrigger("band") },
  };
}

/** The rebalances mined at or before `killedAt` (all of them when there was no kill) and those after. */
export function splitAtKill(
  rebalances: ChainRebalance[],
  killedAt: number | null,
): { before: ChainRebalance[]; after: ChainRebalance[] } {
  if (killedAt === null) return { before: rebalances, after: [] };
  return {
    before: rebalances.filter((r) => r.block <= killedAt),
    after: rebalances.filter((r) => r.block > killedAt),
  };
}

/** The takeover's figures: `after` (rebalances mined after the kill), who sent them, and the rewards logged. */
export async function takeoverFigures(
  provider: Provider,
  after: ChainRebalance[],
  killedAt: number | null,
  thirdParty: string,
  rewardsLogged: unknown[],
): Promise<Takeover> {
  const senders = await Promise.all(after.map(async (r) => (await provider.getTransaction(r.hash))?.from ?? ""));
  const { latencyBlocks, latencySeconds } = latencyFigures(after);
  return {
    operatorKilledAtBlock: killedAt,
    rebalancesAfter: after.length,
    byThirdParty: senders.filter((from) => from.toLowerCase() === thirdParty.toLowerCase()).length,
    latencyBlocks,
    latencySeconds,
    rewardsUsdc: rewardsLogged.reduce<number>((sum, r) => sum + (Number(r) || 0), 0),
  };
}
