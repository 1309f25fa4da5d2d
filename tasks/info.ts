import { task } from "hardhat/config";
import { poolPrice } from "../src/dex/pool";
import { formatAmount, formatLeverage, formatToken, formatUsdc, relativeTime, table } from "../src/format";
import { NO_CAP, readTokenState, type TokenState } from "../src/tokenState";
import { withContext } from "./context";

const bps = (value: bigint) => `${formatAmount(value, 2, 2)}%`;
/** The equity cap's headroom in USDC, or "no cap". */
const headroom = (s: TokenState) => (s.equityCap === NO_CAP ? "no cap" : formatUsdc(s.capHeadroom));
/** A token's status: retired, wiped out, paused, or blank when active. */
const status = (s: TokenState, retired: boolean) =>
  retired ? "retired" : s.wipedOut ? "wiped out" : s.paused ? "paused" : "";
const annual = (wad: bigint) => `${formatAmount(wad, 16, 2)}%`;

task("lt:list", "Lists every token: NAV, leverage, band, next rebalance, supply, fees and pool price").setAction(
  withContext<Record<string, never>>(async (_args, { hre, signer, system, resolveToken }) => {
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
    const rows: string[][] = [];
    for (const address of await system.factory.allTokens()) {
      const token = await resolveToken(address);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(address)]);
      const pool = system.book.dex?.pools[s.symbol];
      const price = pool ? await poolPrice(signer, pool, address) : undefined;
      rows.push([
        s.symbol,
        formatUsdc(s.navPerShare, 4),
        price === undefined ? "-" : formatUsdc(price, 4),
        formatLeverage(s.leverage),
        formatLeverage(s.targetLeverage),
        `${formatAmount(s.bandLower, 18, 2)}-${formatAmount(s.bandUpper, 18, 2)}x`,
        s.wipedOut ? "wiped out" : s.action === "none" ? relativeTime(s.nextRebalance, now) : `${s.action} due`,
        formatToken(s.totalSupply, 4),
        formatUsdc(s.equity),
        headroom(s),
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
    withContext<{ token: string }>(async (args, { hre, system, resolveToken }) => {
      const token = await resolveToken(args.token);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(token)]);
      const { exchange } = system;
      const [margin, entry, pnl, funding, value, maintenance, state, snapshot] = await Promise.all([
        exchange.margin(s.address, s.marketId),
        exchange.entryPrice(s.address, s.marketId),
        exchange.unrealizedPnl(s.address, s.marketId),
        exchange.fundingOwed(s.address, s.marketId),
        exchange.accountValue(s.address, s.marketId),
        exchange.marginRequirement(s.address, s.marketId),
        exchange.market(s.marketId),
        exchange.accountSnapshot(s.address, s.marketId),
      ]);
      const mark = `mark ${formatAmount(snapshot.price, 18, 2)} USD${snapshot.priceIsFresh ? "" : " (stale or invalid)"}`;
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
      const lines: [string, string][] = [
        ["token", `${s.symbol} (${s.name}) at ${s.address}`],
        ["market", `${state.symbol} (id ${s.marketId}), ${mark}`],
        ["NAV per token", `${formatUsdc(s.navPerShare, 6)} USDC`],
        ["equity", `${formatUsdc(s.equity, 6)} USDC`],
        ["supply", `${formatToken(s.totalSupply)} (+${formatToken(s.pendingFeeShares)} pending fee shares)`],
        ["leverage", `${formatLeverage(s.leverage)} (target ${formatLeverage(s.targetLeverage)})`],
        ["band", `${formatAmount(s.bandLower, 18, 4)}x .. ${formatAmount(s.bandUpper, 18, 4)}x`],
        ["rebalance", `${s.action} due now; next by time ${relativeTime(s.nextRebalance, now)}`],
        [
          "position",
          `${formatAmount(s.positionSize, 18, 8)} ${state.symbol}, notional ${formatAmount(s.positionNotional, 18, 2)} USD`,
        ],
        [
          "fees",
          `mint ${bps(s.mintFeeBps)}, redeem ${bps(s.redeemFeeBps)}, management ${annual(s.managementFeePerYear)} a year to ${s.feeRecipient}`,
        ],
        [
          "equity cap",
          s.equityCap === NO_CAP ? "none" : `${formatUsdc(s.equityCap)} USDC (headroom ${headroom(s)} USDC)`,
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
        ["exchange margin", `${formatUsdc(margin, 6)} USDC`],
        ["entry price", `${formatAmount(entry, 18, 2)} USD`],
        ["unrealized PnL", `${formatAmount(pnl, 18, 6)} USD`],
        ["funding owed", `${formatAmount(funding, 18, 6)} USD`],
        ["account value", `${formatUsdc(value, 6)} USDC (maintenance margin ${formatUsdc(maintenance, 6)})`],
      ];
      const width = Math.max(...lines.map(([k]) => k.length));
      for (const [key, text] of lines) console.log(`${key.padEnd(width)}  ${text}`);
    }),
  );
