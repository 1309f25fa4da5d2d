/**
 * The rehearsal's report: `out/rehearsal/<network>/report.json` and a table on the terminal. A figure that could not
 * be measured is `null`, with its reason in `unmeasured` (printed under the table), never a made-up number.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Check } from "./checks";
import type { Takeover } from "./takeover";

type Num = number | null;

export interface RehearsalReport {
  network: string;
  chainId: number;
  minutes: number;
  seed: number;
  faucetEth: string;
  deploy: {
    ok: boolean;
    resumedAfterKill: boolean;
    transactions: number;
    gas: number;
    ethSpent: string;
    dryRunEth: string | null;
    dryRunGas: number | null;
    parts: string[];
  };
  keeper: {
    rebalances: number;
    /** Read on the chain (latency.ts), both triggers together: from the block the rebalance fell due to its block. */
    latencyBlocks: { p50: Num; p95: Num; max: Num };
    latencySeconds: { p50: Num; p95: Num };
    /**
     * What the keeper's own `rebalanced` log lines say: a time trigger counted from the interval's end, which is
     * before the operator's settings change that made the token due.
     */
    loggedByKeeper: { latencyBlocks: { p50: Num; p95: Num; max: Num }; latencySeconds: { p50: Num; p95: Num } };
    /**
     * The latency in blocks of the rebalances of each trigger, read on the chain (latency.ts): a time trigger from the
     * block in which the token fell due, a band breach from the block of the feed update that put it out of band.
     */
    latencyBlocksByTrigger: Record<"time" | "band", { count: number; p50: Num; p95: Num; max: Num }>;
    replaced: number;
    failed: number;
    /** The operator's keeper killed half-way, a third party's keeper started: the rebalances after the kill. */
    takeover: Takeover;
  };
  /**
   * `premiumAfterUpdate`: |premium| (a fraction) of each token's pool after each feed update, read at the block of the
   * arbitrageur's answer, before the market's next update, or after its fair chance (premiums.ts; `samplesByKind`).
   * `blocksToAnswer`: blocks from an update to the arbitrage that answered it.
   */
  arbitrage: {
    updates: number;
    arbitraged: number;
    premiumAfterUpdate: { p50: Num; p95: Num };
    /** The same, of the samples read at least a block after the update (the arbitrageur had a block to answer in). */
    premiumWithABlock: { samples: number; p50: Num; p95: Num };
    samples: number;
    blocksToAnswer: { count: number; p50: Num; p95: Num };
    samplesByKind: { acted: number; cut: number; waited: number };
  };
  /** `reverted`: sent, and reverted once mined (said in one line); `failed`: anything else that was not one line. */
  holders: { tasks: number; refused: number; reverted: number; failed: number };
  rpc: {
    requests: number;
    rateLimited: number;
    logsRangeRefused: number;
    errorsInjected: number;
    connectionsDropped: number;
  };
  chain: { blocks: number; spikes: number; dropped: number };
  /** From the wallet's connection to every token listed; from a click on a token to its history shown. */
  app: { tokenListMs: Num; tokenPageMs: Num };
  errors: { seen: number; unrecovered: number };
  /** Why a figure is null or what was done in its stead, one line each. */
  notes: string[];
  /** What must hold (checks.ts), each against the figures above. */
  checks: Check[];
}

/** The nearest-rank percentile of `values` (null when there are none). */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const show = (value: unknown): string => (value === null ? "-" : String(value));

/** The report as rows for the terminal. */
export function reportTable(report: RehearsalReport): string {
  const { deploy, keeper, arbitrage, holders, rpc, chain, app, errors } = report;
  const rows: [string, string][] = [
    ["network", `${report.network} (chain ${report.chainId}), ${report.minutes} min, seed ${report.seed}`],
    ["faucet", `${report.faucetEth} ETH`],
    [
      "deploy",
      `${deploy.ok ? "ok" : "FAILED"}, resumed after kill: ${deploy.resumedAfterKill ? "yes" : "no"}, parts: ${deploy.parts.join(" then ")}`,
    ],
    [
      "deploy spent",
      `${deploy.transactions} transactions, ${deploy.gas.toLocaleString("en-US")} gas, ${deploy.ethSpent} ETH`,
    ],
    [
      "dry run said",
      `${deploy.dryRunGas === null ? "-" : deploy.dryRunGas.toLocaleString("en-US")} gas, ${show(deploy.dryRunEth)} ETH`,
    ],
    [
      "keeper",
      `${keeper.rebalances} rebalances, latency (chain) blocks p50 ${show(keeper.latencyBlocks.p50)} p95 ${show(keeper.latencyBlocks.p95)} max ${show(keeper.latencyBlocks.max)}, seconds p50 ${show(keeper.latencySeconds.p50)} p95 ${show(keeper.latencySeconds.p95)}; keeper's log p95 ${show(keeper.loggedByKeeper.latencyBlocks.p95)} blocks; ${keeper.replaced} replaced, ${keeper.failed} failed`,
    ],
    [
      "keeper by trigger",
      (["time", "band"] as const)
        .map((t) => {
          const l = keeper.latencyBlocksByTrigger[t];
          return `${t}: ${l.count}, blocks p95 ${show(l.p95)} max ${show(l.max)}`;
        })
        .join("; "),
    ],
    [
      "keeper takeover",
      keeper.takeover.operatorKilledAtBlock === null
        ? "-"
        : `operator's keeper killed at block ${keeper.takeover.operatorKilledAtBlock}; ${keeper.takeover.byThirdParty} of ${keeper.takeover.rebalancesAfter} rebalances after it by the third party, latency blocks p50 ${show(keeper.takeover.latencyBlocks.p50)} p95 ${show(keeper.takeover.latencyBlocks.p95)} max ${show(keeper.takeover.latencyBlocks.max)}, seconds p95 ${show(keeper.takeover.latencySeconds.p95)}; rewards ${keeper.takeover.rewardsUsdc} USDC`,
    ],
    [
      "arbitrage",
      `${arbitrage.updates} feed updates, ${arbitrage.arbitraged} arbitrages, |premium| after p50 ${show(arbitrage.premiumAfterUpdate.p50)} p95 ${show(arbitrage.premiumAfterUpdate.p95)}, read a block or more after it (${arbitrage.premiumWithABlock.samples}) p50 ${show(arbitrage.premiumWithABlock.p50)} p95 ${show(arbitrage.premiumWithABlock.p95)}, answered in blocks p50 ${show(arbitrage.blocksToAnswer.p50)} p95 ${show(arbitrage.blocksToAnswer.p95)}`,
    ],
    [
      "holders",
      `${holders.tasks} tasks, ${holders.refused} refused in one line, ${holders.reverted} reverted once mined, ${holders.failed} failed`,
    ],
    [
      "rpc",
      `${rpc.requests} requests, ${rpc.rateLimited} rate-limited, ${rpc.logsRangeRefused} logs refused, ${rpc.errorsInjected} 5xx, ${rpc.connectionsDropped} dropped`,
    ],
    ["chain", `${chain.blocks} blocks, ${chain.spikes} base-fee spikes, ${chain.dropped} transactions dropped`],
    ["app", `token list in ${show(app.tokenListMs)} ms, token page's history in ${show(app.tokenPageMs)} ms`],
    ["errors", `${errors.seen} seen, ${errors.unrecovered} unrecovered`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const c of report.checks) {
    const verdict = c.ok === null ? "n/a " : c.ok ? "ok  " : "FAIL";
    lines.push(`check: ${verdict} ${c.name}: ${c.measured} (target ${c.target})`);
  }
  return lines.join("\n");
}

/** Writes `report.json` into `dir` (the run's directory, e.g. out/rehearsal/<network>); returns its path. */
export function writeReport(dir: string, report: RehearsalReport): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "report.json");
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
