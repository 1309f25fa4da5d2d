/**
 * A back-test of one leveraged token on daily candles, with the exact token model: the same NAV a token on chain
 * would show if its feed had been pushed these prices and a keeper had called rebalance as the rule says.
 */
import { ExactTokenModel } from "../model/exactToken";
import type { MarketParams } from "../model/perp/types";
import { type RebalanceEvent, type TokenParams } from "../model/token/types";
import { COLLATERAL_SCALE, feedPriceWad, toWad, WAD, wadToNumber } from "../model/fixedPoint";
import { decayApproximation, maxDrawdown, realizedVariance, staticReturn } from "../model/statistics";
import { dayNumber, type Candle } from "./candles";

export type RebalanceRule = "daily" | "daily+band";
export const RULES: readonly RebalanceRule[] = ["daily", "daily+band"];

export interface BacktestOptions {
  leverage: number; // signed, e.g. 3 or -3
  rule: RebalanceRule;
  band: number; // fraction of |L|, default 1/3
  managementFeePerYear: number; // fraction, e.g. 0.0365
  fundingRatePerYear: number; // fraction of notional a year; longs pay when > 0
  takerFeeBps: number;
  initialCollateral: bigint; // stablecoin units minted at the start
}

export const DEFAULT_BACKTEST: Omit<BacktestOptions, "leverage"> = {
  rule: "daily",
  band: 1 / 3,
  managementFeePerYear: 0,
  fundingRatePerYear: 0,
  takerFeeBps: 0,
  initialCollateral: 1_000_000_000_000n, // 1,000,000 USDC: rounding to 1e-6 USDC is then invisible
};

/** One point of the NAV series: at every close and at every intraday rebalance. */
export interface BacktestPoint {
  time: number; // unix seconds
  date: string;
  price: number; // underlying, USD
  nav: number; // token NAV per share relative to the start (1 = unchanged)
  underlying: number; // underlying relative to the start
  static: number; // static L x position relative to the start
}

export interface BacktestResult {
  from: string;
  to: string;
  days: number;
  leverage: number;
  rule: RebalanceRule;
  startPrice: number;
  endPrice: number;
  underlyingReturn: number;
  tokenReturn: number;
  staticReturn: number;
  approximation: number;
  annualVolatility: number;
  maxDrawdown: number;
  rebalances: number;
  intradayRebalances: number;
  wipeOutDate: string | null;
  /** The day the static L x position lost everything (it stays at 0 after), or null. */
  staticLiquidationDate: string | null;
  series: BacktestPoint[];
  events: (RebalanceEvent & { date: string })[];
}

const DAY = 86_400;
/** Intraday times of a day's first and second extreme (the open is at +1 s, the close at the next midnight). */
const FIRST_EXTREME = 8 * 3_600;
const SECOND_EXTREME = 16 * 3_600;

function floatToBps(value: number, what: string): bigint {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${what} must be a whole number of bps`);
  return BigInt(value);
}

export function tokenParamsFor(options: Pick<BacktestOptions, "leverage" | "band" | "managementFeePerYear">) {
  const params: TokenParams = {
    targetLeverage: toWad(String(options.leverage)),
    band: toWad(options.band),
    interval: BigInt(DAY),
    mintFeeBps: 0n,
    redeemFeeBps: 0n,
    managementFeePerYear: toWad(options.managementFeePerYear),
    initialNav: 100_000_000n,
  };
  return params;
}

export function runBacktest(candles: readonly Candle[], input: Partial<BacktestOptions> & { leverage: number }) {
  const options: BacktestOptions = { ...DEFAULT_BACKTEST, ...input };
  if (candles.length < 2) throw new Error("a back-test needs at least two days");
  const L = options.leverage;
  const market: MarketParams = {
    takerFeeBps: floatToBps(options.takerFeeBps, "taker fee"),
    fundingRatePerYear: toWad(options.fundingRatePerYear),
    initialMarginBps: 500n,
  };
  const t0 = dayNumber(candles[0].date) * DAY;
  const startPrice = candles[0].open;
  const model = new ExactTokenModel(market, tokenParamsFor(options), BigInt(t0), feedPriceWad(startPrice));
  const { shares } = model.mint(options.initialCollateral);
  const holding = () => Number((shares * model.navPerShare()) / WAD) / Number(options.initialCollateral);

  const series: BacktestPoint[] = [];
  const events: BacktestResult["events"] = [];
  let wipeOutDate: string | null = null;
  let staticLiquidationDate: string | null = null;
  const point = (time: number, date: string, price: number) => {
    const ratio = price / startPrice;
    if (!staticLiquidationDate && staticReturn(L, ratio) <= -1) staticLiquidationDate = date;
    const staticAlive = staticLiquidationDate === null;
    series.push({
      time,
      date,
      price,
      nav: holding(),
      underlying: ratio,
      static: staticAlive ? 1 + staticReturn(L, ratio) : 0,
    });
  };
  const rebalanceIfDue = (date: string) => {
    const event = model.rebalanceIfDue();
    if (!event) return false;
    events.push({ ...event, date });
    if (event.wipedOut && !wipeOutDate) wipeOutDate = date;
    return true;
  };
  point(t0, candles[0].date, startPrice);

  let price = startPrice;
  let intraday = 0;
  for (const [i, candle] of candles.entries()) {
    const dayStart = t0 + i * DAY;
    if (options.rule === "daily+band") {
      const bullish = candle.close >= candle.open;
      const legs: [number, number][] = [
        [i === 0 ? dayStart : dayStart + 1, candle.open],
        [dayStart + FIRST_EXTREME, bullish ? candle.low : candle.high],
        [dayStart + SECOND_EXTREME, bullish ? candle.high : candle.low],
        [dayStart + DAY - 1, candle.close],
      ];
      let time = Number(model.state.now);
      for (const [legEnd, target] of legs) {
        // Rebalance at each band crossing on the way from `price` to `target`.
        for (let guard = 0; guard < 8 && !model.wipedOut; guard += 1) {
          const crossing = bandCrossing(model, price, target);
          if (crossing === undefined) break;
          const at = Math.max(time, Math.round(time + ((legEnd - time) * (crossing - price)) / (target - price || 1)));
          model.setPrice(feedPriceWad(crossing), BigInt(at));
          time = at;
          price = crossing;
          if (model.rebalanceAction() !== "drift") break;
          rebalanceIfDue(candle.date);
          intraday += 1;
          point(at, candle.date, crossing);
        }
        model.setPrice(feedPriceWad(target), BigInt(Math.max(time, legEnd)));
        time = Math.max(time, legEnd);
        price = target;
        if (model.rebalanceAction() === "drift" && rebalanceIfDue(candle.date)) {
          intraday += 1; // a gap (the open) that jumped over the band
          point(time, candle.date, price);
        }
      }
    }
    const closeTime = dayStart + DAY;
    price = candle.close;
    model.setPrice(feedPriceWad(price), BigInt(closeTime));
    rebalanceIfDue(candle.date);
    point(closeTime, candle.date, price);
  }

  const closes = [startPrice, ...candles.map((c) => c.close)];
  const endPrice = candles[candles.length - 1].close;
  const sigmaSquaredT = realizedVariance(closes);
  const last = series[series.length - 1];
  return {
    from: candles[0].date,
    to: candles[candles.length - 1].date,
    days: candles.length,
    leverage: L,
    rule: options.rule,
    startPrice,
    endPrice,
    underlyingReturn: endPrice / startPrice - 1,
    tokenReturn: last.nav - 1,
    staticReturn: last.static - 1,
    approximation: decayApproximation(L, endPrice / startPrice, sigmaSquaredT),
    annualVolatility: Math.sqrt((sigmaSquaredT / candles.length) * 365),
    maxDrawdown: maxDrawdown(series.map((p) => p.nav)),
    rebalances: events.length,
    intradayRebalances: intraday,
    wipeOutDate,
    staticLiquidationDate,
    series,
    events,
  } satisfies BacktestResult;
}

/**
 * The first price between `from` and `to` (exclusive of `from`) at which the token's leverage leaves its band,
 * or undefined. Leverage as a function of the price is size x S / (E + size x (S - S0)) (funding over the day is
 * left out: it moves the crossing by far less than a cent); the band's bounds are solved for S.
 */
function bandCrossing(model: ExactTokenModel, from: number, to: number): number | undefined {
  if (model.wipedOut || model.size === 0n || from === to) return undefined;
  const size = wadToNumber(model.size);
  const equity = Number(model.accountValue() * COLLATERAL_SCALE) / 1e18;
  if (equity <= 0) return undefined;
  const { lower, upper } = model.leverageBand();
  const sign = model.token.targetLeverage > 0n ? 1 : -1;
  let best: number | undefined;
  for (const bound of [wadToNumber(lower), wadToNumber(upper)]) {
    const b = sign * bound;
    if (b === 1) continue;
    const s = (b * (equity - size * from)) / (size * (1 - b));
    const inside = to > from ? s > from && s <= to : s < from && s >= to;
    if (inside && (best === undefined || Math.abs(s - from) < Math.abs(best - from))) best = s;
  }
  if (best === undefined) return undefined;
  // Round one feed unit beyond the bound, in the direction of travel, so that the contract sees it crossed.
  const step = to > from ? 1e-8 : -1e-8;
  const rounded = Math.round(best * 1e8) / 1e8 + step;
  return to > from ? Math.min(rounded, to) : Math.max(rounded, to);
}
