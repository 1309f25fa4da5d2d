import { table } from "../text/format";
import type { BacktestResult } from "./run";

export const percent = (x: number, places = 1): string => `${(x * 100).toFixed(places)}%`;

export const BACKTEST_HEADER = [
  "period",
  "days",
  "underlying",
  "token",
  "static Lx",
  "approx.",
  "vol/yr",
  "max DD",
  "rebalances",
  "wipe-out",
];

export function backtestRow(r: BacktestResult, label = `${r.from} .. ${r.to}`): string[] {
  return [
    label,
    String(r.days),
    percent(r.underlyingReturn),
    percent(r.tokenReturn),
    r.staticLiquidationDate ? `-100% (liquidated ${r.staticLiquidationDate})` : percent(r.staticReturn),
    percent(r.approximation),
    percent(r.annualVolatility, 0),
    percent(-r.maxDrawdown),
    r.rule === "daily+band" ? `${r.rebalances} (${r.intradayRebalances} intraday)` : String(r.rebalances),
    r.wipeOutDate ?? "-",
  ];
}

export function backtestTable(results: BacktestResult[], labels?: string[]): string {
  return table(
    BACKTEST_HEADER,
    results.map((r, i) => backtestRow(r, labels?.[i])),
  );
}

/** What a machine reads: everything but the series (which the chart shows), numbers as numbers. */
export function backtestJson(r: BacktestResult) {
  return {
    from: r.from,
    to: r.to,
    days: r.days,
    leverage: r.leverage,
    rule: r.rule,
    startPrice: r.startPrice,
    endPrice: r.endPrice,
    underlyingReturn: r.underlyingReturn,
    tokenReturn: r.tokenReturn,
    staticReturn: r.staticReturn,
    approximation: r.approximation,
    annualVolatility: r.annualVolatility,
    maxDrawdown: r.maxDrawdown,
    rebalances: r.rebalances,
    intradayRebalances: r.intradayRebalances,
    wipeOutDate: r.wipeOutDate,
    staticLiquidationDate: r.staticLiquidationDate,
  };
}
