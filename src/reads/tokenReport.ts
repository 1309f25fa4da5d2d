import type { Interface, TransactionReceipt } from "ethers";
import { poolPrice, premium, type Pool } from "../dex/pool";
import {
  formatAmount,
  formatLeverage,
  formatPercent,
  formatToken,
  formatUsdc,
  formatBps as bps,
  formatRatePerYear as annual,
  relativeTime,
} from "../text/format";
import type { ExchangeAccount } from "./exchangeAccount";
import { capHeadroomText, isValued, navText, NO_CAP, type TokenState } from "./tokenState";

/* A token's state in words, as `lt:list` (a row a token) and `lt:info` (a line a figure) print it. */

/** A token's status: retired, wiped out, paused, or blank when active. */
const status = (s: TokenState, retired: boolean) =>
  retired
    ? "retired"
    : s.wipedOut
      ? "wiped out"
      : s.priceStatus !== "fresh"
        ? `${s.priceStatus} price`
        : s.paused
          ? "paused"
          : "";

/** `lt:list`'s columns, one row a token (`listRow`). */
export const LIST_HEADER = [
  "token",
  "NAV",
  "pool",
  "premium",
  "leverage",
  "target",
  "band",
  "rebalance",
  "supply",
  "equity",
  "cap headroom",
  "fees mint/redeem/year",
  "",
];

/** A token's row of `lt:list`: NAV, pool price and premium, leverage, band, next rebalance, supply, fees. */
export function listRow(s: TokenState, retired: boolean, pool: Pool | undefined, now: bigint): string[] {
  const price = pool && poolPrice(pool);
  return [
    s.symbol,
    navText(s),
    price === undefined ? "-" : formatUsdc(price, 4),
    price === undefined || !isValued(s) || s.navPerShare === 0n ? "-" : formatPercent(premium(price, s.navPerShare)),
    formatLeverage(s.leverage),
    formatLeverage(s.targetLeverage),
    `${formatAmount(s.bandLower, 18, 2)}-${formatAmount(s.bandUpper, 18, 2)}x`,
    s.wipedOut ? "wiped out" : s.action === "none" ? relativeTime(s.nextRebalance, now) : `${s.action} due`,
    formatToken(s.totalSupply, 4),
    formatUsdc(s.equity),
    capHeadroomText(s),
    `${bps(s.mintFeeBps)} / ${bps(s.redeemFeeBps)} / ${annual(s.managementFeePerYear)}`,
    status(s, retired),
  ];
}

/** The pool prices between which no arbitrage pays (src/bots/arbitrage/plan.ts, `noArbitrageBand`). */
export type ArbitrageBand = { lower: bigint; upper: bigint };

/**
 * `lt:info`'s lines: the token, its exchange account, and its pool; `band` reads where arbitrage holds the pool's
 * price (asked only of a live token with a priced pool).
 */
export async function infoLines(
  s: TokenState,
  retired: boolean,
  account: ExchangeAccount,
  pool: Pool | undefined,
  band: () => Promise<ArbitrageBand | undefined>,
  now: bigint,
): Promise<string[]> {
  const stale = account.priceStatus === "fresh" ? "" : ` (${account.priceStatus}: mints, redeems and rebalances wait)`;
  const mark = `mark ${formatAmount(account.markPrice, 18, 2)} USD${stale}`;
  const lines: [string, string][] = [
    ["token", `${s.symbol} (${s.name}) at ${s.address}`],
    ["market", `${account.marketSymbol} (id ${s.marketId}), ${mark}`],
    ["NAV per token", isValued(s) ? `${formatUsdc(s.navPerShare, 6)} USDC` : navText(s)],
    ["equity", `${formatUsdc(s.equity, 6)} USDC`],
    ["supply", `${formatToken(s.totalSupply)} (+${formatToken(s.pendingFeeShares)} pending fee shares)`],
    ["leverage", `${formatLeverage(s.leverage)} (target ${formatLeverage(s.targetLeverage)})`],
    ["band", `${formatAmount(s.bandLower, 18, 4)}x .. ${formatAmount(s.bandUpper, 18, 4)}x`],
    ["rebalance", `${s.action} due now; next by time ${relativeTime(s.nextRebalance, now)}`],
    [
      "position",
      `${formatAmount(s.positionSize, 18, 8)} ${account.marketSymbol}, notional ${formatAmount(s.positionNotional, 18, 2)} USD`,
    ],
    [
      "fees",
      `mint ${bps(s.mintFeeBps)}, redeem ${bps(s.redeemFeeBps)}, management ${annual(s.managementFeePerYear)} a year to ${s.feeRecipient}`,
    ],
    [
      "keeper reward",
      s.rewardCap === 0n
        ? "none"
        : `up to ${formatUsdc(s.rewardCap)} USDC a due rebalance (after ${s.rewardRampTime} s), at most ${bps(s.rewardMaxPerYearBps)} of equity a year, out of equity`,
    ],
    [
      "equity cap",
      s.equityCap === NO_CAP ? "none" : `${formatUsdc(s.equityCap)} USDC (headroom ${formatUsdc(s.capHeadroom)} USDC)`,
    ],
    [
      "status",
      retired
        ? "retired (wiped out; redeem only)"
        : s.wipedOut
          ? "wiped out (terminal)"
          : s.paused
            ? "minting paused"
            : "active",
    ],
    ["exchange margin", `${formatUsdc(account.margin, 6)} USDC`],
    ["entry price", `${formatAmount(account.entryPrice, 18, 2)} USD`],
    ["unrealized PnL", `${formatAmount(account.unrealizedPnl, 18, 6)} USD`],
    ["funding owed", `${formatAmount(account.fundingOwed, 18, 6)} USD`],
    [
      "account value",
      `${formatUsdc(account.accountValue, 6)} USDC (maintenance margin ${formatUsdc(account.maintenanceMargin, 6)})`,
    ],
    ...(await poolLines(s, pool, band)),
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([key, text]) => `${key.padEnd(width)}  ${text}`);
}

/** `lt:info`'s pool lines: price, premium, reserves, and the band arbitrage holds the price in. */
async function poolLines(
  s: TokenState,
  pool: Pool | undefined,
  readBand: () => Promise<ArbitrageBand | undefined>,
): Promise<[string, string][]> {
  const price = pool && poolPrice(pool);
  if (!pool || price === undefined) return [["pool", "none (lt:pool:add-liquidity creates one)"]];
  const lines: [string, string][] = [
    [
      "pool",
      `${formatUsdc(price, 6)} USDC per ${s.symbol}, ${formatPercent(premium(price, s.navPerShare))} to NAV; ` +
        `reserves ${formatToken(pool.tokenReserve, 4)} ${s.symbol} / ${formatUsdc(pool.stableReserve)} USDC (${pool.pair})`,
    ],
  ];
  const band = s.wipedOut ? undefined : await readBand().catch(() => undefined);
  if (band) {
    lines.push([
      "arbitrage band",
      `${formatUsdc(band.lower, 4)} .. ${formatUsdc(band.upper, 4)} USDC ` +
        `(${formatPercent(premium(band.lower, s.navPerShare))} .. ${formatPercent(premium(band.upper, s.navPerShare))}): ` +
        "outside it, buying from the pool and redeeming (below) or minting and selling to it (above) pays",
    ]);
  }
  return lines;
}

/** What a mined rebalance did, from its events (decoded with the token's `iface`): the leverage moved, or wiped out. */
export function rebalanceLines(receipt: TransactionReceipt, iface: Interface): string[] {
  const lines: string[] = [];
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return iface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === "Rebalanced") {
      lines.push(
        `leverage ${formatLeverage(parsed.args.leverageBefore)} -> ${formatLeverage(parsed.args.leverageAfter)}`,
      );
    }
    if (parsed?.name === "WipedOut") lines.push("equity had reached 0: the token is wiped out");
  }
  return lines;
}
