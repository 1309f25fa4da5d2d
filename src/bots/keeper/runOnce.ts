import { formatUnits } from "ethers";
import { beginPass } from "../kit/passes";
import { USDC_DECIMALS } from "../../text/units";
import { REBALANCE_ACTIONS } from "../../chain/enums";
import { LENS_PAGE_SIZE, readTokenList } from "../../reads/lens";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError, unlessPriceRevert } from "../../chain/reverts";
import { retrying, type Retry } from "../../tx/context";
import { reportFields } from "./earnings";
import { logFailure, resolvePending, triggerName } from "./outcomes";
import { payingTokens, type PassBlock } from "./profit";
import { rebalanceAlone, rebalanceBatch } from "./rebalance";
import { startLearning, takeTurns } from "./turns";
import { pendingTransactions, type DueToken, type KeeperContext, type PassReport } from "./types";
import { txContext } from "../kit/context";

/** One token as a pass reads it: the factory's keeper status; through the lens, its symbol and NAV as well. */
interface TokenRead {
  token: string;
  action: bigint;
  leverage: bigint; // signed WAD
  equity: bigint; // stablecoin units
  retired: boolean;
  symbol?: string;
  navPerShare?: bigint; // stablecoin units per whole token
  nextRebalance?: bigint; // unix seconds
}

/** Tokens per `keeperStatuses` call (the lens pages by LENS_PAGE_SIZE). */
const STATUS_PAGE = 100n;

/**
 * One pass of the keeper: reads every token's status in a few calls (with a lens, `LeveragedTokenLens.tokens` by
 * pages of a hundred, which also gives the symbols and NAVs; without one, the factory's `keeperStatuses` by pages,
 * then one NAV read per token for the metrics), then rebalances the tokens that are due. One due token (or no
 * batcher): one transaction per token, one at a time (see `rebalanceAlone`). Several due tokens and a batcher: one
 * BatchRebalancer transaction per `maxBatch` tokens (see `rebalanceBatch`). A token's (or a batch's) failure is logged and the pass goes on with the next. RPC
 * faults are retried with bounded backoff; if the statuses cannot be read at all, the pass throws. In profit mode
 * only the due tokens whose keeper reward pays for the gas are sent (see `payingTokens`); the others wait. Every mined
 * receipt's rewards and gas, and each rebalance's latency since due, are logged and counted (see `earnings.ts`).
 */
export async function runOnce(context: KeeperContext): Promise<PassReport> {
  const { logger, metrics, config, state } = context;
  state.pass = { blockTimes: new Map(), afterwards: [] };
  const before = { ...state.earnings };
  // The balance check and the statuses go out together (one JSON-RPC batch).
  const retry = retrying(txContext(context));
  const [, { statuses, block: read }] = await Promise.all([
    beginPass(txContext(context), context),
    readTokens(context, retry),
  ]);
  const unknown = statuses.filter((s) => !state.symbols.has(s.token));
  // Through the lens the symbols come with the statuses; else concurrent calls go out as one JSON-RPC batch.
  const symbols = unknown.every((s) => s.symbol !== undefined)
    ? unknown.map((s) => s.symbol as string)
    : await retry("symbol", () => Promise.all(unknown.map((s) => context.connectToken(s.token).symbol())));
  unknown.forEach(({ token: address, retired }, i) => {
    state.symbols.set(address, symbols[i]);
    logger.info({ token: symbols[i], address, ...(retired ? { retired } : {}) }, "watching token");
  });
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
    waiting: [],
    earned: { rewards: 0n, gasWei: 0n, gasUsd: 0n },
  };
  const due: DueToken[] = [];
  const newlyDue: TokenRead[] = [];
  for (const status of statuses) {
    // A retired token (wiped out, a successor listed) never has anything due again.
    if (status.retired) {
      forgetDue(context, status.token);
      continue;
    }
    const symbol = state.symbols.get(status.token) ?? status.token;
    try {
      if (state.pending.has(status.token)) {
        const resolved = await resolvePending(context, status.token, symbol);
        // Resolved: its outcome is logged; the status read before it was mined is stale.
        if (!resolved) report.pending.push(symbol);
        continue;
      }
      if (Number(status.action) === 0) {
        forgetDue(context, status.token);
        continue;
      }
      if (!state.dueSince.has(status.token)) newlyDue.push(status);
      report.due.push(symbol);
      due.push({ address: status.token, symbol, trigger: triggerName(status.action), round: status.nextRebalance });
    } catch (error) {
      report.failed.push(symbol);
      logFailure(context, [symbol], error);
    }
  }

  let sending = due;
  if (due.length > 0) {
    const block = read ?? (await latestBlock(context, retry).catch((error: unknown) => error as Error));
    if (block instanceof Error) {
      // Without the block, profit mode cannot price the reward; operator mode sends all the same.
      if (config.mode === "profit") {
        const outcome = logFailure(
          context,
          due.map((t) => t.symbol),
          block,
        );
        for (const token of due) report[outcome].push(token.symbol);
        sending = [];
      }
    } else {
      await markDue(context, newlyDue, block, retry);
      if (config.mode === "profit") {
        // Who else keeps the tokens is read with the rewards (one JSON-RPC batch).
        const learning = startLearning(context, block);
        sending = await takeTurns(context, await payingTokens(context, due, block, report), block, report, learning);
      }
    }
  }
  const groups =
    context.batcher && sending.length > 1 ? chunks(sending, config.maxBatch) : sending.map((token) => [token]);
  for (const group of groups) {
    if (context.stopping?.()) break;
    const outcomes =
      group.length === 1 ? [await rebalanceAlone(context, group[0])] : await rebalanceBatch(context, group);
    group.forEach((token, i) => report[outcomes[i]].push(token.symbol));
  }
  metrics?.pendingTransactions.set(pendingTransactions(state));
  if (config.mode === "profit") metrics?.waiting.set(report.waiting.length);
  metrics?.lastTick.set(Date.now() / 1000);
  report.earned = {
    rewards: state.earnings.rewards - before.rewards,
    gasWei: state.earnings.gasWei - before.gasWei,
    gasUsd: state.earnings.gasUsd - before.gasUsd,
  };
  logger.debug(reportFields(report, context.ethPrice !== undefined), "pass done");
  // A read that failed is asked again by a later pass.
  for (const read of state.pass.afterwards) void read().catch(() => undefined);
  return report;
}

/** A token no longer due: its due event is over. */
function forgetDue({ state }: KeeperContext, token: string): void {
  state.dueSince.delete(token);
  state.turns.payingSince.delete(token);
}

/** The latest block (a pass without the lens, which gives the block it read, when something is due). */
async function latestBlock(context: KeeperContext, retry: Retry): Promise<PassBlock> {
  const block = await retry("getBlock", () => context.provider.getBlock("latest"));
  if (!block) throw new Error("the node has no latest block");
  return { number: block.number, timestamp: block.timestamp };
}

/**
 * Remembers since when each token newly seen due has been due (for the latency of its rebalance): this pass's
 * block, and its `nextRebalanceTime` when that has passed (read here without the lens, one JSON-RPC batch).
 */
async function markDue(context: KeeperContext, tokens: TokenRead[], block: PassBlock, retry: Retry): Promise<void> {
  if (tokens.length === 0) return;
  let next: (bigint | undefined)[] = tokens.map((t) => t.nextRebalance);
  if (next.some((n) => n === undefined)) {
    next = await retry("nextRebalanceTime", () =>
      Promise.all(tokens.map((t) => context.connectToken(t.token).nextRebalanceTime())),
    ).catch(() => next);
  }
  tokens.forEach((t, i) => {
    const at = next[i] === undefined ? block.timestamp : Math.min(Number(next[i]), block.timestamp);
    context.state.dueSince.set(t.token, { block: block.number, timestamp: block.timestamp, dueAt: at });
  });
}

/** `items` in consecutive groups of at most `size`. */
function chunks<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/**
 * Every token's status. With a lens: its pages (two requests for 200 tokens); should the lens call fail (a lens that
 * is not one, a token whose views revert), the pass logs it and reads the factory's statuses instead.
 */
async function readTokens(context: KeeperContext, retry: Retry): Promise<{ statuses: TokenRead[]; block?: PassBlock }> {
  const { factory, lens, provider, logger } = context;
  if (lens) {
    try {
      const list = await retry("lens tokens", () =>
        readTokenList({ factory: factory.target as string, lens }, provider, { pageSize: LENS_PAGE_SIZE }),
      );
      const statuses = list.tokens.map((t) => ({
        token: t.address,
        action: BigInt(REBALANCE_ACTIONS.indexOf(t.action)),
        leverage: t.leverage,
        equity: t.equity,
        retired: t.retired,
        symbol: t.symbol,
        navPerShare: t.navPerShare,
        nextRebalance: t.nextRebalance,
      }));
      return { statuses, block: { number: Number(list.blockNumber), timestamp: Number(list.timestamp) } };
    } catch (error) {
      logger.warn(
        { lens, error: describeError(error, CONTRACT_INTERFACES) },
        "could not read the tokens through the lens; reading the factory's statuses",
      );
    }
  }
  const statuses: TokenRead[] = [];
  for (let offset = 0n; ; offset += STATUS_PAGE) {
    const page = await retry("keeperStatuses", () => factory.keeperStatuses(offset, STATUS_PAGE));
    statuses.push(
      ...page.map(({ token, action, leverage, equity, retired }) => ({ token, action, leverage, equity, retired })),
    );
    if (BigInt(page.length) < STATUS_PAGE) break;
  }
  return { statuses };
}

async function recordTokenMetrics(context: KeeperContext, statuses: TokenRead[], retry: Retry) {
  const { metrics, state } = context;
  if (!metrics) return;
  for (const s of statuses) {
    const token = state.symbols.get(s.token) ?? s.token;
    metrics.leverage.set({ token }, Number(formatUnits(s.leverage, 18)));
    metrics.equity.set({ token }, Number(formatUnits(s.equity, USDC_DECIMALS)));
    metrics.rebalanceDue.set({ token }, Number(s.action));
  }
  try {
    // Through the lens the NAVs came with the statuses; else one read per token (one JSON-RPC batch per hundred).
    const navs = statuses.every((s) => s.navPerShare !== undefined)
      ? statuses.map((s) => s.navPerShare as bigint)
      : await retry("navPerShare", () =>
          Promise.all(statuses.map((s) => unlessPriceRevert(context.connectToken(s.token).navPerShare(), 0n))),
        );
    statuses.forEach((s, i) =>
      metrics.nav.set({ token: state.symbols.get(s.token) ?? s.token }, Number(formatUnits(navs[i], USDC_DECIMALS))),
    );
  } catch (error) {
    context.logger.warn({ error: describeError(error, CONTRACT_INTERFACES) }, "could not read NAVs for metrics");
  }
}
