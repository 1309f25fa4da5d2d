/**
 * What must hold in a rehearsal (docs/REHEARSAL.md, "What must hold"), each check against its report's figures: the
 * deployment within the faucet, resumed after its kill and within 10% of its dry run; the keeper's latency by trigger;
 * no keeper transaction failed; every holder task succeeded or refused before sending; the app's token list within 3 s;
 * nothing left for a user to fix. A check whose figure was not measured fails, with "-" for its figure; a latency with
 * no rebalance of its trigger in the run (no band breach in a calm market) is not applicable (`ok` null).
 */
import type { RehearsalReport } from "./report";

export interface Check {
  name: string;
  target: string;
  measured: string;
  /** null: not applicable in this run (nothing of the kind happened). */
  ok: boolean | null;
}

/** The most a time-triggered rebalance may wait (blocks, p95), and a band breach's. */
export const TIME_P95_BLOCKS = 1;
export const BAND_P95_BLOCKS = 2;
/** The most the deployment's ETH may differ from its dry run's estimate (fraction). */
export const DRY_RUN_TOLERANCE = 0.1;
/** The most the app may take to list every token (ms). */
export const TOKEN_LIST_MS = 3_000;

const atMost = (name: string, value: number | null, max: number, unit: string): Check => ({
  name,
  target: `<= ${max}${unit}`,
  measured: value === null ? "-" : `${value}${unit}`,
  ok: value !== null && value <= max,
});

const latency = (name: string, of: { count: number; p95: number | null }, max: number): Check =>
  of.count === 0
    ? { name, target: `<= ${max} blocks`, measured: "none in the run", ok: null }
    : { ...atMost(name, of.p95, max, " blocks"), measured: `${of.p95} blocks (${of.count} rebalances)` };

/** The checks of `report` (the report without them). */
export function rehearsalChecks(report: Omit<RehearsalReport, "checks">): Check[] {
  const { deploy, keeper, holders, app, errors } = report;
  const spent = Number(deploy.ethSpent);
  const dry = deploy.dryRunEth === null ? null : Number(deploy.dryRunEth);
  const off = dry !== null && dry > 0 ? Math.abs(spent / dry - 1) : null;
  const { time, band } = keeper.latencyBlocksByTrigger;
  return [
    {
      name: "deployment within the faucet",
      target: `ok, <= ${report.faucetEth} ETH`,
      measured: deploy.ok ? `${deploy.ethSpent} ETH` : "failed",
      ok: deploy.ok && spent <= Number(report.faucetEth),
    },
    {
      name: "deployment resumed after its kill",
      target: "yes",
      measured: deploy.resumedAfterKill ? "yes" : "no",
      ok: deploy.resumedAfterKill,
    },
    {
      name: "dry run's ETH against the spent",
      target: `within ${DRY_RUN_TOLERANCE * 100}%`,
      measured: off === null ? "-" : `${(off * 100).toFixed(1)}% off`,
      ok: off !== null && off <= DRY_RUN_TOLERANCE,
    },
    latency("keeper: time trigger latency p95", time, TIME_P95_BLOCKS),
    latency("keeper: band breach latency p95", band, BAND_P95_BLOCKS),
    atMost("keeper: transactions failed", keeper.failed, 0, ""),
    atMost("holder tasks failed or reverted once mined", holders.failed + holders.reverted, 0, ""),
    atMost("app: every token listed", app.tokenListMs, TOKEN_LIST_MS, " ms"),
    atMost("errors a user must fix", errors.unrecovered, 0, ""),
  ];
}
