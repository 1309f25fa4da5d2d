import { task } from "hardhat/config";
import { noArbitrageBand } from "../src/bots/arbitrage/plan";
import { findPool, poolPrice, premium, type Pool } from "../src/dex/pool";
import {
  formatAmount,
  formatLeverage,
  formatPercent,
  formatToken,
  formatUsdc,
  formatBps as bps,
  formatRatePerYear as annual,
  relativeTime,
  table,
} from "../src/text/format";
import { readExchangeAccount } from "../src/reads/exchangeAccount";
import { capHeadroomText, isValued, navText, NO_CAP, readTokenState, type TokenState } from "../src/reads/tokenState";
import { withContext, type TaskContext } from "./context";

/** A token's pool against the stablecoin, from the deployment's Uniswap V2 factory; undefined without one. */
async function tokenPool({ signer, system }: TaskContext, token: string): Promise<Pool | undefined> {
  const dex = system.book.dex;
  return dex ? findPool(signer, dex.factory, token, system.book.stablecoin) : undefined;
}

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
task(
  "lt:list",
  "Lists every token: NAV, pool price and premium, leverage, band, next rebalance, supply, fees",
).setAction(
  withContext<Record<string, never>>(async (_args, ctx) => {
    const { hre, system, resolveToken } = ctx;
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
    const rows: string[][] = [];
    for (const address of await system.factory.allTokens()) {
      const token = await resolveToken(address);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(address)]);
      const pool = await tokenPool(ctx, address);
      const price = pool && poolPrice(pool);
      rows.push([
        s.symbol,
        navText(s),
        price === undefined ? "-" : formatUsdc(price, 4),
        price === undefined || !isValued(s) || s.navPerShare === 0n
          ? "-"
          : formatPercent(premium(price, s.navPerShare)),
        formatLeverage(s.leverage),
        formatLeverage(s.targetLeverage),
        `${formatAmount(s.bandLower, 18, 2)}-${formatAmount(s.bandUpper, 18, 2)}x`,
        s.wipedOut ? "wiped out" : s.action === "none" ? relativeTime(s.nextRebalance, now) : `${s.action} due`,
        formatToken(s.totalSupply, 4),
        formatUsdc(s.equity),
        capHeadroomText(s),
        `${bps(s.mintFeeBps)} / ${bps(s.redeemFeeBps)} / ${annual(s.managementFeePerYear)}`,
        status(s, retired),
      ]);
    }
    console.log(
      table(
        [
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
        ],
        rows,
      ),
    );
  }),
);

task("lt:info", "Shows the full state of one token and of its exchange account")
  .addParam("token", "symbol (BTC3L) or address")
  .setAction(
    withContext<{ token: string }>(async (args, ctx) => {
      const { hre, system, resolveToken } = ctx;
      const token = await resolveToken(args.token);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(token)]);
      const poolLines = await describePool(token, s, await tokenPool(ctx, s.address));
      const { exchange } = system;
      const account = await readExchangeAccount(exchange, s.address, s.marketId);
      const stale =
        account.priceStatus === "fresh" ? "" : ` (${account.priceStatus}: mints, redeems and rebalances wait)`;
      const mark = `mark ${formatAmount(account.markPrice, 18, 2)} USD${stale}`;
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
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
          s.equityCap === NO_CAP
            ? "none"
            : `${formatUsdc(s.equityCap)} USDC (headroom ${formatUsdc(s.capHeadroom)} USDC)`,
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
        ...poolLines,
      ];
      const width = Math.max(...lines.map(([k]) => k.length));
      for (const [key, text] of lines) console.log(`${key.padEnd(width)}  ${text}`);
    }),
  );

/** lt:info's pool lines: price, premium, reserves, and the band arbitrage holds the price in. */
async function describePool(
  token: Awaited<ReturnType<TaskContext["resolveToken"]>>,
  s: Awaited<ReturnType<typeof readTokenState>>,
  pool: Pool | undefined,
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
  const band = s.wipedOut ? undefined : await noArbitrageBand(token, s.navPerShare, s.equity).catch(() => undefined);
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
