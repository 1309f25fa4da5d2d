import { expect } from "chai";
import path from "node:path";
import { UserError } from "../../src/text/userError";
import { runCli } from "../../src/backtest/cli";
import { loadCandles } from "../../src/backtest/candleFile";
import { selectRange, type Candle } from "../../src/backtest/candles";
import { runBacktest } from "../../src/backtest/run";
import { decayCurves, flatUnderlyingReturn, runMonteCarlo } from "../../src/model/monteCarlo";
import { maxDrawdown } from "../../src/model/statistics";

const ROOT = path.resolve(__dirname, "../..");

/** Daily candles from closes; High/Low are the open/close unless given. */
function candles(closes: number[], start = 100, extremes: Record<number, [number, number]> = {}): Candle[] {
  let open = start;
  return closes.map((close, i) => {
    const d = new Date(Date.UTC(2021, 0, 1 + i)).toISOString().slice(0, 10);
    const [low, high] = extremes[i] ?? [Math.min(open, close), Math.max(open, close)];
    const candle = { date: d, open, high, low, close };
    open = close;
    return candle;
  });
}

describe("back-test", () => {
  it("a daily-rebalanced 3x long compounds 1 + 3r each day (a choppy path loses while the price is flat)", () => {
    const closes = [105, 99.75, 104.7375, 99.500625];
    const r = runBacktest(candles(closes), { leverage: 3 });
    const expected = 1.15 * 0.85 * 1.15 * 0.85 - 1;
    expect(r.tokenReturn).to.be.closeTo(expected, 1e-7); // prices are rounded to the feed's 1e-8
    expect(r.underlyingReturn).to.be.closeTo(-0.00499375, 1e-12);
    expect(r.tokenReturn).to.be.lessThan(3 * r.underlyingReturn);
    expect(r.rebalances).to.equal(4);
    expect(r.wipeOutDate).to.equal(null);
  });

  it("a 3x short gains 3x a fall in a day", () => {
    const r = runBacktest(candles([90, 90]), { leverage: -3 });
    expect(r.tokenReturn).to.be.closeTo(0.3, 1e-9);
  });

  it("daily+band rebalances intraday at the band crossing; daily does not", () => {
    // a day that dips 15% and recovers: the 3x long crosses 4x at about -11.1%
    const path = candles([100, 100], 100, { 0: [85, 100] });
    const daily = runBacktest(path, { leverage: 3, rule: "daily" });
    const band = runBacktest(path, { leverage: 3, rule: "daily+band" });
    expect(daily.intradayRebalances).to.equal(0);
    expect(band.intradayRebalances).to.equal(1);
    const event = band.events.find((e) => e.action === "drift");
    expect(event).to.not.equal(undefined);
    expect(Number(event!.price) / 1e18).to.be.closeTo(100 * (1 - 1 / 9), 0.01);
    // selling low and buying back higher: the band costs money on a day that recovers
    expect(band.tokenReturn).to.be.lessThan(daily.tokenReturn);
  });

  it("records the wipe-out date of a gap beyond 1/L", () => {
    const r = runBacktest(candles([100, 60, 70]), { leverage: 3 });
    expect(r.wipeOutDate).to.equal("2021-01-02");
    expect(r.tokenReturn).to.equal(-1);
    expect(r.maxDrawdown).to.equal(1);
  });

  it("reads the real BTC file and selects a range", () => {
    const all = loadCandles(path.join(ROOT, "data/btc-usd-daily.csv"));
    expect(all[0].date).to.equal("2014-09-17");
    const year = selectRange(all, "2021-01-01", "2021-12-31");
    expect(year).to.have.length(365);
    const r = runBacktest(year, { leverage: 3 });
    expect(r.underlyingReturn).to.be.closeTo(year[364].close / year[0].open - 1, 1e-12);
    expect(r.tokenReturn).to.be.closeTo(r.approximation, 0.1); // the approximation is close for daily rebalancing
  });

  for (const [args, message] of [
    [["--asset", "XRP", "--leverage", "3"], /unknown asset "XRP"/],
    [["--asset", "BTC", "--leverage", "three"], /--leverage must be a whole number between -10 and 10 other than 0/],
    [["--asset", "BTC", "--leverage", "0"], /--leverage must be a whole number between -10 and 10 other than 0/],
    [["--asset", "BTC", "--leverage", "3", "--from", "2021-13-01"], /--from must be a date/],
    [["--asset", "BTC", "--leverage", "3", "--from", "2010-01-01"], /outside the data/],
    [["--asset", "BTC", "--leverage", "3", "--rule", "weekly"], /--rule must be daily or daily\+band/],
    [["--asset", "BTC", "--leverage", "3", "--bogus"], /Unknown option/],
    [["--gbm", "--leverage", "3", "--paths", "1e3"], /--paths must be a number/],
  ] as const) {
    it(`refuses ${args.join(" ")} with one clear line`, async () => {
      const error = await runCli([...args], ROOT, { log: () => undefined }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(UserError);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).to.not.contain("\n");
    });
  }
});

describe("Monte Carlo and decay", () => {
  it("the median 3x token matches exp(-L^2 sigma^2 T / 2) and the mean stays near 0 for a driftless underlying", () => {
    const r = runMonteCarlo({ leverage: 3, volatility: 0.4, days: 90, paths: 20_000, seed: 7 });
    expect(r.summary.median).to.be.closeTo(r.theory.median, 0.02);
    expect(r.summary.mean).to.be.closeTo(0, 0.05);
    expect(r.summary.medianApproximationError).to.be.lessThan(0.01);
    expect(r.pathDays).to.equal(20_000 * 90);
  });

  it("a flat underlying costs a 3x token 1 - exp(-3 sigma^2 T), more with more volatility and time", () => {
    expect(flatUnderlyingReturn(3, 0.8, 365)).to.be.closeTo(Math.exp(-3 * 0.64) - 1, 1e-12);
    const rows = decayCurves([2, 3], [0.4, 0.8, 1.2]);
    expect(rows).to.have.length(2 * 3 * 365);
    const at = (series: string, day: number) => rows.find((r) => r.series === series && r.x === day)!.value;
    expect(at("3x, vol 120%", 365)).to.be.lessThan(at("3x, vol 40%", 365));
    expect(at("2x, vol 80%", 365)).to.be.greaterThan(at("3x, vol 80%", 365));
    expect(at("2x, vol 80%", 30)).to.be.greaterThan(at("2x, vol 80%", 365));
  });

  it("max drawdown is the largest fall from a peak", () => {
    expect(maxDrawdown([1, 2, 1, 3, 1.5, 2])).to.equal(0.5);
  });
});
