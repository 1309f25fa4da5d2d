import { formatUnits } from "ethers";
import type { LeveragedTokenFactory } from "../../typechain-types";
import { checkSignerBalance } from "../bot/process";
import { USDC_DECIMALS } from "../units";
import { CONTRACT_INTERFACES } from "../contracts";
import { describeError } from "../errors";
import { retrying, syncNonce, type Retry } from "../tx";
import { logFailure, resolvePending, triggerName } from "./outcomes";
import { rebalanceAlone, rebalanceBatch } from "./rebalance";
import { pendingTransactions, txContext, type DueToken, type KeeperContext, type PassReport } from "./types";

export { newKeeperState, pendingTransactions } from "./types";
export type { KeeperContext, KeeperState, PassConfig, PassReport, PendingRebalance } from "./types";

type Statuses = Awaited<ReturnType<LeveragedTokenFactory["keeperStatuses"]>>;

const STATUS_PAGE = 100n;

/**
 * One pass of the keeper: reads every token's status in a few calls (the factory's `keeperStatuses`, by pages),
 * then rebalances the tokens that are due. One due token (or no batcher): one transaction per token, one at a
 * time (see `rebalanceAlone`). Several due tokens and a batcher: one BatchRebalancer transaction per `maxBatch`
 * tokens (see `rebalanceBatch`). A token's (or a batch's) failure is logged and the pass goes on with the next. RPC
 * faults are retried with bounded backoff; if the statuses cannot be read at all, the pass throws.
 */
export async function runOnce(context: KeeperContext): Promise<PassReport> {
  const { factory, logger, metrics, config, state } = context;
  const retry = retrying(txContext(context));

  syncNonce(txContext(context), state.pending.size);
  await checkSignerBalance(
    context,
    config.minBalance,
    retry,
    metrics && {
      balance: metrics.signerBalance,
      low: metrics.signerBalanceLow,
    },
  );

  const statuses: Statuses = [];
  for (let offset = 0n; ; offset += STATUS_PAGE) {
    const page = await retry("keeperStatuses", () => factory.keeperStatuses(offset, STATUS_PAGE));
    statuses.push(...page);
    if (BigInt(page.length) < STATUS_PAGE) break;
  }

  const unknown = statuses.map((s) => s.token).filter((a) => !state.symbols.has(a));
  if (unknown.length > 0) {
    // Concurrent calls go out as one JSON-RPC batch.
    const symbols = await retry("symbol", () => Promise.all(unknown.map((a) => context.connectToken(a).symbol())));
    unknown.forEach((address, i) => {
      state.symbols.set(address, symbols[i]);
      const retired = statuses.find((s) => s.token === address)?.retired === true;
      logger.info({ token: symbols[i], address, ...(retired ? { retired } : {}) }, "watching token");
    });
  }
  if (metrics) await recordTokenMetrics(context, statuses, retry);

  const report: PassReport = {
    tokens: statuses.length,
    due: [],
    rebalanced: [],
    lostRace: [],
    simulated: [],
    skipped: [],
    failed: [],
    pending: [],
  };
  const due: DueToken[] = [];
  for (const status of statuses) {
    // A retired token (wiped out, a successor listed) never has anything due again.
    if (status.retired) continue;
    const symbol = state.symbols.get(status.token) ?? status.token;
    try {
      if (state.pending.has(status.token)) {
        const resolved = await resolvePending(context, status.token, symbol);
        // Resolved: its outcome is logged; the status read before it was mined is stale.
        if (!resolved) report.pending.push(symbol);
        continue;
      }
      if (Number(status.action) === 0) continue;
      report.due.push(symbol);
      due.push({ address: status.token, symbol, trigger: triggerName(status.action) });
    } catch (error) {
      report.failed.push(symbol);
      logFailure(context, [symbol], error);
    }
  }

  const groups = context.batcher && due.length > 1 ? chunks(due, config.maxBatch) : due.map((token) => [token]);
  for (const group of groups) {
    if (context.stopping?.()) break;
    const outcomes =
      group.length === 1 ? [await rebalanceAlone(context, group[0])] : await rebalanceBatch(context, group);
    group.forEach((token, i) => report[outcomes[i]].push(token.symbol));
  }
  metrics?.pendingTransactions.set(pendingTransactions(state));
  metrics?.lastTick.set(Date.now() / 1000);
  logger.debug({ ...report }, "pass done");
  return report;
}

/** `items` in consecutive groups of at most `size`. */
function chunks<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

async function recordTokenMetrics(context: KeeperContext, statuses: Statuses, retry: Retry) {
  const { metrics, state } = context;
  if (!metrics) return;
  for (const s of statuses) {
    const token = state.symbols.get(s.token) ?? s.token;
    metrics.leverage.set({ token }, Number(formatUnits(s.leverage, 18)));
    metrics.equity.set({ token }, Number(formatUnits(s.equity, USDC_DECIMALS)));
    metrics.rebalanceDue.set({ token }, Number(s.action));
  }
  try {
    const navs = await retry("navPerShare", () =>
      Promise.all(statuses.map((s) => context.connectToken(s.token).navPerShare())),
    );
    statuses.forEach((s, i) =>
      metrics.nav.set({ token: state.symbols.get(s.token) ?? s.token }, Number(formatUnits(navs[i], USDC_DECIMALS))),
    );
  } catch (error) {
    context.logger.warn({ error: describeError(error, CONTRACT_INTERFACES) }, "could not read NAVs for metrics");
  }
}
