import { UserError } from "../text/userError";

/*
 * Daily candles: parsing and selecting, free of Node's file system so that the app's back-test runs the same code
 * on the files it fetches (./candleFile reads them from disk).
 */

/** One daily candle: the UTC date (YYYY-MM-DD) and its prices in USD. */
export interface Candle {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** The price files shipped in data/, by asset. */
export const ASSET_FILES: Record<string, string> = {
  BTC: "data/btc-usd-daily.csv",
  ETH: "data/eth-usd-daily.csv",
};

/**
 * Parses a Date,Open,High,Low,Close,... CSV (Date like `2014-09-17 00:00:00+00:00`), ascending and gap-free; `file`
 * names it in errors.
 */
export function parseCandles(text: string, file: string): Candle[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new UserError(`${file}: no ${name} column (expected Date,Open,High,Low,Close,...)`);
    return index;
  };
  const [iDate, iOpen, iHigh, iLow, iClose] = ["Date", "Open", "High", "Low", "Close"].map(column);
  const candles = lines.map((line, n) => {
    const cells = line.split(",");
    const date = /^(\d{4}-\d{2}-\d{2})/.exec(cells[iDate] ?? "")?.[1];
    const [open, high, low, close] = [iOpen, iHigh, iLow, iClose].map((i) => Number(cells[i]));
    if (!date || ![open, high, low, close].every((x) => Number.isFinite(x) && x > 0)) {
      throw new UserError(`${file}:${n + 2}: not a candle with a date and positive prices: ${line}`);
    }
    return { date, open, high: Math.max(high, open, close), low: Math.min(low, open, close), close };
  });
  for (let i = 1; i < candles.length; i += 1) {
    if (dayNumber(candles[i].date) !== dayNumber(candles[i - 1].date) + 1) {
      throw new UserError(
        `${file}: dates must be consecutive days; ${candles[i - 1].date} is followed by ${candles[i].date}`,
      );
    }
  }
  if (candles.length === 0) throw new UserError(`${file}: no candles`);
  return candles;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** Checks a --from / --to date: a real calendar date written YYYY-MM-DD. */
export function parseDate(input: string, what: string): string {
  const ms = Date.parse(`${input}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== input) {
    throw new UserError(`${what} must be a date like 2021-01-31, not "${input}"`);
  }
  return input;
}

/** The candles from `from` to `to` inclusive; both must lie within the data. */
export function selectRange(candles: Candle[], from: string | undefined, to: string | undefined): Candle[] {
  const first = candles[0].date;
  const last = candles[candles.length - 1].date;
  const start = from ?? first;
  const end = to ?? last;
  if (start < first || start > last) throw new UserError(`--from ${start} is outside the data (${first} .. ${last})`);
  if (end < first || end > last) throw new UserError(`--to ${end} is outside the data (${first} .. ${last})`);
  if (end <= start) throw new UserError(`--to ${end} must come after --from ${start}`);
  return candles.filter((c) => c.date >= start && c.date <= end);
}
