import { formatUnits, getAddress } from "ethers";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "../text/units";
import { formatToken, formatUsdc, table } from "../text/format";

/*
 * A holder's portfolio as the indexer's /portfolio/:account gives it, and the forms people take away: JSON in human
 * units (`lt:portfolio --json`) and a CSV of every transaction. Free of Node, for the app too.
 */

type Raw = Record<string, string | number | boolean | null>;

export interface PortfolioPosition {
  token: string;
  symbol: string;
  shares: bigint;
  nav: bigint;
  navBlock: number;
  value: bigint;
  costBasis: bigint;
  realizedPnl: bigint;
  unrealizedPnl: bigint;
  usdcPaid: bigint;
  usdcReceived: bigint;
  /** Mint and redeem fees of the holder's own transactions. */
  feesPaid: bigint;
  /** The holder's share of the management fee: the fee shares' value spread over the shares held at each accrual. */
  dilution: bigint;
  trades: number;
}

export interface PortfolioActivity {
  timestamp: number;
  block: number;
  txHash: string;
  symbol: string;
  token: string;
  action: string;
  shares: bigint;
  usdc: bigint;
  nav: bigint;
  fee: bigint;
}

export interface Portfolio {
  account: string;
  positions: PortfolioPosition[];
  activity: PortfolioActivity[];
}

const big = (v: unknown) => BigInt(String(v ?? "0"));

export function parsePortfolio(body: { account: string; positions: Raw[]; activity: Raw[] }): Portfolio {
  return {
    account: getAddress(body.account),
    positions: body.positions.map((p) => ({
      token: getAddress(String(p.token)),
      symbol: String(p.symbol),
      shares: big(p.shares),
      nav: big(p.nav),
      navBlock: Number(p.navBlock),
      value: big(p.value),
      costBasis: big(p.costBasis),
      realizedPnl: big(p.realizedPnl),
      unrealizedPnl: big(p.unrealizedPnl),
      usdcPaid: big(p.usdcPaid),
      usdcReceived: big(p.usdcReceived),
      feesPaid: big(p.feesPaid),
      dilution: big(p.dilution),
      trades: Number(p.trades),
    })),
    activity: body.activity.map((a) => ({
      timestamp: Number(a.timestamp),
      block: Number(a.block),
      txHash: String(a.txHash),
      symbol: String(a.symbol),
      token: getAddress(String(a.token)),
      action: String(a.action),
      shares: big(a.shares),
      usdc: big(a.usdc),
      nav: big(a.nav),
      fee: big(a.fee),
    })),
  };
}

/**
 * Every fee a position paid: its mint and redeem fees and its share of the management fee (the dilution, which is
 * inside the NAV already: shown, never subtracted again). Funding and the exchange's taker fees are the token's, in
 * its NAV, and not apportioned to holders.
 */
export const feesPaidOf = (p: Pick<PortfolioPosition, "feesPaid" | "dilution">) => p.feesPaid + p.dilution;

export interface PortfolioTotals {
  value: bigint;
  costBasis: bigint;
  realizedPnl: bigint;
  unrealizedPnl: bigint;
  /** Every fee paid (`feesPaidOf`), the management fee included. */
  feesPaid: bigint;
  /** Of which the management fee's dilution. */
  managementFee: bigint;
}

export function portfolioTotals(positions: PortfolioPosition[]): PortfolioTotals {
  const sum = (f: (p: PortfolioPosition) => bigint) => positions.reduce((s, p) => s + f(p), 0n);
  return {
    value: sum((p) => p.value),
    costBasis: sum((p) => p.costBasis),
    realizedPnl: sum((p) => p.realizedPnl),
    unrealizedPnl: sum((p) => p.unrealizedPnl),
    feesPaid: sum(feesPaidOf),
    managementFee: sum((p) => p.dilution),
  };
}

const usdc = (v: bigint) => formatUnits(v, USDC_DECIMALS);
const shares = (v: bigint) => formatUnits(v, TOKEN_DECIMALS);

/** `lt:portfolio`'s table: who (from `indexer`), a row a position, and the totals. */
export function portfolioReport(portfolio: Portfolio, indexer: string): string {
  const totals = portfolioTotals(portfolio.positions);
  const rows = portfolio.positions.map((p) => [
    p.symbol,
    formatToken(p.shares),
    formatUsdc(p.nav, 4),
    formatUsdc(p.value),
    formatUsdc(p.costBasis),
    formatUsdc(p.realizedPnl),
    formatUsdc(p.unrealizedPnl),
    formatUsdc(feesPaidOf(p)),
    formatUsdc(p.dilution),
    String(p.navBlock),
  ]);
  const header = [
    "token",
    "shares",
    "NAV",
    "value",
    "cost basis",
    "realized PnL",
    "unrealized PnL",
    "fees paid",
    "of which management fee",
    "NAV block",
  ];
  return [
    `${portfolio.account} (indexer ${indexer})`,
    table(header, rows),
    `total: value ${formatUsdc(totals.value)} USDC, cost ${formatUsdc(totals.costBasis)}, realized ${formatUsdc(totals.realizedPnl)}, unrealized ${formatUsdc(totals.unrealizedPnl)}, fees ${formatUsdc(totals.feesPaid)} (of which management fee ${formatUsdc(totals.managementFee)})`,
  ].join("\n");
}

/** `lt:portfolio --json`: every amount a decimal string in human units. */
export function portfolioJson(portfolio: Portfolio) {
  const totals = portfolioTotals(portfolio.positions);
  return {
    account: portfolio.account,
    positions: portfolio.positions.map((p) => ({
      symbol: p.symbol,
      shares: shares(p.shares),
      costBasisUsdc: usdc(p.costBasis),
      realizedPnlUsdc: usdc(p.realizedPnl),
      unrealizedPnlUsdc: usdc(p.unrealizedPnl),
      feesPaidUsdc: usdc(feesPaidOf(p)),
      managementFeeUsdc: usdc(p.dilution),
    })),
    totals: {
      valueUsdc: usdc(totals.value),
      costBasisUsdc: usdc(totals.costBasis),
      realizedPnlUsdc: usdc(totals.realizedPnl),
      unrealizedPnlUsdc: usdc(totals.unrealizedPnl),
      feesPaidUsdc: usdc(totals.feesPaid),
      managementFeeUsdc: usdc(totals.managementFee),
    },
  };
}

export const CSV_HEADER = ["date", "token", "action", "shares", "USDC", "NAV", "fee", "tx hash"];

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One row per transaction: date (UTC, ISO 8601), token, action, shares (signed), USDC (+ received, - paid), NAV, fee. */
export function portfolioCsv(activity: PortfolioActivity[]): string {
  const rows = activity.map((a) => [
    new Date(a.timestamp * 1000).toISOString().replace(".000Z", "Z"),
    a.symbol,
    a.action,
    shares(a.shares),
    usdc(a.usdc),
    usdc(a.nav),
    usdc(a.fee),
    a.txHash,
  ]);
  return [CSV_HEADER, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}
