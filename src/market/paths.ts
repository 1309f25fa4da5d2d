import { dayNumber, type Candle } from "../backtest/candles";
import { Random } from "../model/random";

/**
 * Where the market goes day by day, as ratios (tomorrow's price / today's): real history replayed from a start date,
 * or a seeded random walk. Ratios, not prices, so that a replay starts from whatever price the feed has (a 50,000
 * BTC feed replaying 2021 goes up 60% like BTC did, instead of jumping to 2021's 29,000 and wiping out a 3x long).
 */
export interface MarketDay {
  ratio: number;
  /** The history's date of this day's close, or undefined on a random walk. */
  date?: string;
}

/** A day-by-day source of ratios; `next()` never ends (a history that runs out continues as `fallback`). */
export interface MarketPath {
  describe: string;
  next(): MarketDay;
}

/**
 * Daily closes from `from` (inclusive: its close over the day before's is the first ratio), then `fallback` (whose
 * days have no date: that is how a caller sees the history end).
 */
export function historyPath(asset: string, candles: readonly Candle[], from: string, fallback: MarketPath): MarketPath {
  const start = candles.findIndex((c) => c.date >= from);
  if (start < 1) {
    const first = candles[1]?.date ?? "?";
    const last = candles[candles.length - 1]?.date ?? "?";
    throw new Error(`${asset} history has no day ${from}: choose a date from ${first} to ${last}`);
  }
  if (dayNumber(candles[start].date) !== dayNumber(from)) {
    throw new Error(`${asset} history has no candle for ${from}`);
  }
  let i = start;
  return {
    describe: `${asset} replays its daily closes from ${from}`,
    next() {
      if (i < candles.length) {
        const day = { ratio: candles[i].close / candles[i - 1].close, date: candles[i].date };
        i += 1;
        return day;
      }
      return fallback.next();
    },
  };
}

/**
 * Geometric Brownian motion without drift: each day's log return is normal with variance sigma^2 / 365 and mean
 * -sigma^2 / 730 (so the expected price stays where it is). `seed` makes the walk reproducible.
 */
export function randomWalk(asset: string, volatility: number, seed: number): MarketPath {
  const random = new Random(seed);
  const dt = 1 / 365;
  return {
    describe: `${asset} walks randomly (${Math.round(volatility * 100)}% a year, seed ${seed})`,
    next: () => ({
      ratio: Math.exp(-0.5 * volatility * volatility * dt + volatility * Math.sqrt(dt) * random.normal()),
    }),
  };
}

/** The next feed answer (8 decimals) after a day's `ratio`, rounded; never below one feed unit. */
export function applyRatio(answer: bigint, ratio: number): bigint {
  if (!Number.isFinite(ratio) || ratio <= 0) throw new Error(`invalid daily ratio ${ratio}`);
  const next = BigInt(Math.round(Number(answer) * ratio));
  return next > 0n ? next : 1n;
}
