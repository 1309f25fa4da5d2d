/**
 * The prices the rehearsal's feeds follow: `days` of an asset's real daily closes (data/), or a seeded random walk
 * for an asset with no data, sped up so that the whole path plays in `minutes`. Between two closes the price moves
 * geometrically, so that a feed's deviation rule sees a steady move, as it would on a real day.
 */
import { assetFile, loadCandles } from "../../src/backtest/candleFile";
import { ASSET_FILES } from "../../src/backtest/candles";
import { historyPath, randomWalk, type MarketPath } from "../../src/market/paths";
import { Random } from "../../src/model/random";
import { PROJECT_ROOT } from "../../src/node/projectRoot";

export interface PricePath {
  describe: string;
  /** The daily closes played, in USD (days + 1 of them: the first is the start). */
  closes: number[];
  /** The price in USD `seconds` after the start (the last close after the end). */
  priceAt(seconds: number): number;
}

export interface PricePathOptions {
  /** How long the whole path takes to play. */
  minutes: number;
  /** How many days of history (or of walk) it plays (default: a day a minute). */
  days?: number;
  /** Picks the history's first day (when `from` is not given) and the walk. */
  seed: number;
  /** The history's first day (YYYY-MM-DD); default: a day picked by the seed. */
  from?: string;
  /** Where a walk starts, in USD (default 150). */
  walkStart?: number;
  /** A walk's yearly volatility (default 0.8). */
  volatility?: number;
}

function play(describe: string, closes: number[], minutes: number): PricePath {
  const dayLength = (minutes * 60) / (closes.length - 1);
  return {
    describe,
    closes,
    priceAt(seconds) {
      const position = Math.min(Math.max(seconds / dayLength, 0), closes.length - 1);
      const day = Math.min(Math.floor(position), closes.length - 2);
      const within = position - day;
      return closes[day] * (closes[day + 1] / closes[day]) ** within;
    },
  };
}

const walk = (path: MarketPath, start: number, days: number) => {
  const closes = [start];
  for (let i = 0; i < days; i++) closes.push(closes[i] * path.next().ratio);
  return closes;
};

/** `asset`'s path: its real closes where data/ has them, else a seeded walk. */
export function rehearsalPricePath(asset: string, options: PricePathOptions): PricePath {
  const days = options.days ?? Math.max(1, Math.round(options.minutes));
  const { minutes, seed } = options;
  if (!(minutes > 0) || !(days >= 1)) throw new Error(`a price path needs minutes > 0 and days >= 1`);
  const fallback = randomWalk(asset, options.volatility ?? 0.8, seed);
  if (!ASSET_FILES[asset]) {
    return play(
      `${fallback.describe}, ${days} days in ${minutes} min`,
      walk(fallback, options.walkStart ?? 150, days),
      minutes,
    );
  }
  const candles = loadCandles(assetFile(PROJECT_ROOT, asset));
  const from = options.from ?? candles[new Random(seed).int(1, candles.length - days - 1)].date;
  const history = historyPath(asset, candles, from, fallback);
  const start = candles[candles.findIndex((c) => c.date === from) - 1].close;
  return play(`${history.describe}, ${days} days in ${minutes} min`, walk(history, start, days), minutes);
}
