import { Contract, type ContractRunner } from "ethers";
import { dayNumber, type Candle } from "../backtest/candles";

/*
 * The underlying's recent realized volatility, for the cost line (src/holder/cost.ts): from the price feed's recent
 * rounds on a chain whose feed has them (a Chainlink feed, or the local feeds under `npm start`), else from the daily
 * closes in data/ (BTC, ETH) on a local chain. Floats: an estimate, never money. Runs in Node and in the browser.
 */

/** The window the volatility is measured over, in days. */
export const VOLATILITY_WINDOW_DAYS = 30;
/** Fewer returns than this in the window give no estimate. */
const MIN_RETURNS = 7;

const YEAR_SECONDS = 365 * 86_400;

/** A price at a time (unix seconds). */
export interface PricePoint {
  time: number;
  price: number;
}

export interface RecentVolatility {
  /** Annual, e.g. 0.6 for 60%. */
  volatility: number;
  /** Where it comes from, in words ("the feed's 31 rounds of the last 30 days", "data/'s closes to 2024-12-07"). */
  source: string;
}

/**
 * The annualized realized volatility of `points` (ascending by time): the square root of the sum of the squared log
 * returns over the years they span, so that rounds at irregular times (a Chainlink feed's deviation and heartbeat
 * rounds) weigh by the time between them. Undefined with fewer than MIN_RETURNS returns.
 */
export function realizedVolatility(points: readonly PricePoint[]): number | undefined {
  let squares = 0;
  let returns = 0;
  for (let i = 1; i < points.length; i += 1) {
    if (points[i].time <= points[i - 1].time || points[i].price <= 0 || points[i - 1].price <= 0) continue;
    squares += Math.log(points[i].price / points[i - 1].price) ** 2;
    returns += 1;
  }
  const years = points.length > 1 ? (points[points.length - 1].time - points[0].time) / YEAR_SECONDS : 0;
  if (returns < MIN_RETURNS || years <= 0) return undefined;
  return Math.sqrt(squares / years);
}

const FEED_ABI = [
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
  "function getRoundData(uint80 roundId) view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];
/** The most rounds read back (a Chainlink feed has a few a day), asked ROUND_BATCH at a time (one JSON-RPC batch). */
const MAX_ROUNDS = 120;
const ROUND_BATCH = 20;

type Round = [bigint, bigint, bigint, bigint];

/**
 * The feed's rounds of the last VOLATILITY_WINDOW_DAYS before its latest (and the one the window starts from), read
 * back from the latest round id (a round id that does not exist, the phase's first, ends the walk), as price points
 * ascending by time.
 */
export async function feedRounds(runner: ContractRunner, feed: string): Promise<PricePoint[]> {
  const contract = new Contract(feed, FEED_ABI, runner);
  const latest = (await contract.latestRoundData()) as Round;
  const since = Number(latest[3]) - VOLATILITY_WINDOW_DAYS * 86_400;
  const points: PricePoint[] = [{ time: Number(latest[3]), price: Number(latest[1]) }];
  for (let next = latest[0] - 1n; next > 0n && points.length < MAX_ROUNDS;) {
    const ids = Array.from({ length: ROUND_BATCH }, (_, i) => next - BigInt(i)).filter((id) => id > 0n);
    next -= BigInt(ROUND_BATCH);
    const rounds = await Promise.all(
      ids.map((id) => (contract.getRoundData(id) as Promise<Round>).catch(() => undefined)),
    );
    for (const round of rounds) {
      if (!round || round[3] === 0n) return points.reverse();
      points.push({ time: Number(round[3]), price: Number(round[1]) });
      if (Number(round[3]) < since) return points.reverse(); // the price the window starts from
    }
  }
  return points.reverse();
}

/** The last VOLATILITY_WINDOW_DAYS daily closes of `candles` (data/'s), as price points. */
export function recentCloses(candles: readonly Candle[]): PricePoint[] {
  return candles
    .slice(-(VOLATILITY_WINDOW_DAYS + 1))
    .map((c) => ({ time: dayNumber(c.date) * 86_400, price: c.close }));
}

/**
 * The recent volatility: from the feed's rounds when they give an estimate, else from `closes` (data/'s, on a local
 * chain) when given; undefined when neither does.
 */
export async function recentVolatility(
  runner: ContractRunner,
  feed: string,
  closes?: { points: PricePoint[]; name: string },
): Promise<RecentVolatility | undefined> {
  const rounds = await feedRounds(runner, feed).catch(() => []);
  const fromFeed = realizedVolatility(rounds);
  if (fromFeed !== undefined) {
    return { volatility: fromFeed, source: `the feed's last ${rounds.length} rounds` };
  }
  const fromCloses = closes && realizedVolatility(closes.points);
  if (closes && fromCloses !== undefined) return { volatility: fromCloses, source: closes.name };
  return undefined;
}
