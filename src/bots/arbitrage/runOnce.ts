import { formatUnits } from "ethers";
import { USDC_DECIMALS } from "../../text/units";
import { beginPass } from "../kit/passes";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { findPair, poolPrice, premium, readPool, type Pool } from "../../dex/pool";
import { decodeRevert, describeError, isPriceRevert } from "../../chain/reverts";
import { isRpcFault } from "../../rpc/faults";
import { checkSent } from "../../tx/send";
import { type Retry } from "../../tx/context";
import { arbitrage, recordMined } from "./execute";
import { planArbitrage, previewsAt, type Plan } from "./plan";
import { type ArbitrageContext, type Opportunity, type Outcome, type PassReport } from "./types";
import { txContext } from "../kit/context";

/** The most arbitrages (or plans made again after the chain moved under one) of one pool in one pass. */
const MAX_ROUNDS_PER_POOL = 3;

/** Outcomes after which the pool is read again at the new head and looked at again in the same pass. */
const AGAIN: readonly (Outcome | undefined)[] = ["arbitraged", "moved"];

/** One token with a pool, as the pass reads it. */
interface Listed {
  token: string;
  symbol: string;
  pair: string;
  pool: Pool;
  nav: bigint;
  /** The block all of the above were read at. */
  block: number;
  paused: boolean;
  wipedOut: boolean;
  /** Retired by the factory (after a wipe-out): left alone. */
  retired: boolean;
  /** What a mint may still deposit under the token's equity cap (stablecoin units). */
  capHeadroom: bigint;
  /** Why the token cannot be priced now (its views refuse a stale or invalid price), in one line; else undefined. */
  priceError?: string;
}

/**
 * One pass of the arbitrageur: reads every listed token's pool and NAV, and for each pool out of line with NAV
 * (see `planArbitrage`: the closed-form best size against the constant-product pool, then the exact profit),
 * simulates the FlashArbitrage call, and sends it when its profit covers its gas and the minimum profit (see
 * `arbitrage`). One transaction at a time, pool by pool; a pool's failure is logged and the pass goes on. A wiped-out
 * or retired token is left alone; a paused one, or one at its equity cap, is only arbitraged by buying from the pool
 * and redeeming (redeeming is never paused nor capped), and a mint is sized within the cap's headroom. RPC faults are retried with bounded backoff; if the tokens cannot be read at all, the pass throws.
 */
export async function runOnce(context: ArbitrageContext): Promise<PassReport> {
  const { logger, metrics, state } = context;
  const retry = await beginPass(txContext(context), context);
  const listed = await readPools(context, retry);
  const head = () => retry("getBlockNumber", () => context.provider.getBlockNumber());

  const report: PassReport = {
    pools: listed.length,
    opportunities: [],
    arbitraged: [],
    belowMinProfit: [],
    lostRace: [],
    moved: [],
    simulated: [],
    skipped: [],
    failed: [],
    pending: [],
    profit: 0n,
    gasCost: 0n,
  };
  for (const first of listed) {
    let entry = first;
    // An arbitrage whose mint or redeem rebalanced the token first (above its band) changes the token's rates, and a
    // price update between the plan and the send moves NAV: the same pool is read at the new head and looked at
    // again, a few times at most (the next pass would come a poll interval later, the gap open meanwhile).
    for (let round = 1; round <= MAX_ROUNDS_PER_POOL && !context.stopping?.(); round++) {
      const outcome = await arbitragePool(context, entry, report).catch((error: unknown) => {
        const kind = isRpcFault(error) ? "rpc" : "pool";
        metrics?.errors.inc({ kind });
        logger.error({ token: entry.symbol, kind, error: describeError(error, CONTRACT_INTERFACES) }, "pool failed");
        return "failed" as const;
      });
      if (outcome) report[outcome].push(entry.symbol);
      if (!AGAIN.includes(outcome) || round === MAX_ROUNDS_PER_POOL) break;
      const block = await head();
      entry = await retry("pool", () => readEntry(context, entry.token, entry.pair, entry.symbol, block));
    }
  }
  metrics?.pendingTransactions.set(state.pending.size);
  metrics?.lastTick.set(Date.now() / 1000);
  logger.debug(
    {
      ...report,
      profit: formatUnits(report.profit, USDC_DECIMALS),
      gasCost: formatUnits(report.gasCost, USDC_DECIMALS),
    },
    "pass done",
  );
  return report;
}

/** One pool: a pending arbitrage is resolved first; else the premium is recorded and a gap arbitraged. */
async function arbitragePool(
  context: ArbitrageContext,
  entry: Listed,
  report: PassReport,
): Promise<Outcome | undefined> {
  const { state, metrics, logger } = context;
  const pending = state.pending.get(entry.token);
  const price = poolPrice(entry.pool);
  const gap = price === undefined || entry.nav === 0n ? undefined : premium(price, entry.nav);
  const opportunity = {
    token: entry.token,
    symbol: entry.symbol,
    pair: entry.pair,
    block: entry.block,
    pool: entry.pool,
    nav: entry.nav,
    premium: gap ?? 0n,
    mintOpen: !entry.paused && !entry.wipedOut && entry.capHeadroom > 0n,
    // The TradeRouter's rule for the cap: the whole amount within the headroom.
    maxCollateralIn: entry.capHeadroom,
  };
  if (pending) {
    const checked = await checkSent(txContext(context), pending.sent);
    if (checked.state === "pending") return "pending";
    state.pending.delete(entry.token);
    if (checked.state === "gone") {
      logger.warn({ token: entry.symbol, nonce: pending.sent.nonce }, "pending arbitrage was dropped; forgetting it");
      return undefined;
    }
    return recordMined(context, pending.opportunity, checked.receipt, report);
  }
  if (price !== undefined && gap !== undefined) {
    metrics?.poolPrice.set({ token: entry.symbol }, Number(formatUnits(price, USDC_DECIMALS)));
    metrics?.premium.set({ token: entry.symbol }, Number(formatUnits(gap, 18)));
  }
  metrics?.nav.set({ token: entry.symbol }, Number(formatUnits(entry.nav, USDC_DECIMALS)));
  if (entry.wipedOut || entry.retired) return undefined;
  if (entry.priceError !== undefined) {
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn({ token: entry.symbol, error: entry.priceError }, "cannot price the token now");
    return "skipped";
  }
  if (gap === undefined) return undefined;
  let plan: Plan | undefined;
  try {
    plan = await planArbitrage(previewsAt(context.connectToken(entry.token), entry.block), entry.pool, opportunity);
  } catch (error) {
    // The token refuses its previews now (a stale or invalid price): nothing to do until it has a price again.
    const refusal = decodeRevert(error, CONTRACT_INTERFACES);
    if (!refusal) throw error;
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn(
      { token: entry.symbol, error: describeError(error, CONTRACT_INTERFACES) },
      "cannot price the token now",
    );
    return "skipped";
  }
  metrics?.expectedProfit.set({ token: entry.symbol }, plan ? Number(formatUnits(plan.profit, USDC_DECIMALS)) : 0);
  if (!plan) return undefined;
  report.opportunities.push(entry.symbol);
  logger.info(
    {
      token: entry.symbol,
      block: entry.block,
      premium: formatUnits(gap, 18),
      direction: plan.direction,
      amount: plan.amount.toString(),
      profitBeforeGas: formatUnits(plan.profit, USDC_DECIMALS),
    },
    "pool out of line with NAV",
  );
  return arbitrage(context, { ...opportunity, plan } satisfies Opportunity, report);
}

/**
 * Every listed token with a non-empty pool: the factory's list (new tokens are picked up each pass), each token's
 * pair (asked of the Uniswap factory until it has one), then the reserves, NAV, pause, wipe-out, retirement and cap
 * headroom of all of them at one block, the head's (concurrent calls go out as JSON-RPC batches; read at "latest",
 * calls answered a block apart would mix two states: a pool read before a price update against NAV after it).
 */
async function readPools(context: ArbitrageContext, retry: Retry): Promise<Listed[]> {
  const { state, factory, arbitrage: flash, logger } = context;
  state.stablecoin ??= await retry("stablecoin", () => flash.stablecoin());
  const stablecoin = state.stablecoin;
  const tokens = await retry("allTokens", () => factory.allTokens());
  const unknown = tokens.filter((a) => !state.symbols.has(a));
  if (unknown.length > 0) {
    const symbols = await retry("symbol", () => Promise.all(unknown.map((a) => context.connectToken(a).symbol())));
    unknown.forEach((address, i) => state.symbols.set(address, symbols[i]));
  }
  const unpaired = tokens.filter((a) => !state.pairs.has(a));
  const pairs = await retry("getPair", () =>
    Promise.all(unpaired.map((a) => findPair(context.provider, context.dexFactory, a, stablecoin))),
  );
  unpaired.forEach((address, i) => {
    const pair = pairs[i];
    if (pair === undefined) return;
    state.pairs.set(address, pair);
    logger.info({ token: state.symbols.get(address), pair }, "watching pool");
  });

  const withPool = tokens.filter((a) => state.pairs.has(a));
  const block = await retry("getBlockNumber", () => context.provider.getBlockNumber());
  const read = await retry("pools", () =>
    Promise.all(
      withPool.map((a) => readEntry(context, a, state.pairs.get(a) as string, state.symbols.get(a) ?? a, block)),
    ),
  );
  return read.filter((entry) => entry.pool.tokenReserve > 0n && entry.pool.stableReserve > 0n);
}

/** One token's pool, NAV, pause, wipe-out, retirement and cap headroom, read at `block`. */
async function readEntry(
  context: ArbitrageContext,
  address: string,
  pair: string,
  symbol: string,
  block: number,
): Promise<Listed> {
  const token = context.connectToken(address);
  // At a stale or invalid price the token's NAV and headroom revert (as a mint or redeem would): the pool is skipped.
  const priced = (read: Promise<bigint>): Promise<{ value?: bigint; error?: string }> =>
    read.then(
      (value) => ({ value }),
      (error: unknown) => {
        if (!isPriceRevert(error)) throw error;
        return { error: describeError(error, CONTRACT_INTERFACES) };
      },
    );
  const at = { blockTag: block };
  const [pool, nav, paused, wipedOut, retired, capHeadroom] = await Promise.all([
    readPool(context.provider, pair, address, context.state.stablecoin as string, block),
    priced(token.navPerShare(at)),
    token.paused(at),
    token.wipedOut(at),
    context.factory.isRetired(address, at),
    priced(token.capHeadroom(at)),
  ]);
  return {
    token: address,
    symbol,
    pair,
    pool,
    nav: nav.value ?? 0n,
    block,
    paused,
    wipedOut,
    retired,
    capHeadroom: capHeadroom.value ?? 0n,
    priceError: nav.error ?? capHeadroom.error,
  };
}
