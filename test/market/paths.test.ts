import { expect } from "chai";
import path from "node:path";
import { loadCandles } from "../../src/backtest/candleFile";
import type { TokenList } from "../../src/reads/lens";
import { dueTokens, nextDayStart } from "../../src/market/day";
import { applyRatio, historyPath, randomWalk } from "../../src/market/paths";

const ROOT = path.resolve(__dirname, "..", "..");

describe("market paths (npm start's market)", () => {
  const btc = loadCandles(path.join(ROOT, "data/btc-usd-daily.csv"));

  it("replays the history as daily close ratios from the start date, then walks on", () => {
    const walk = randomWalk("BTC", 0.8, 7);
    const replay = historyPath("BTC", btc, "2021-01-01", walk);
    const i = btc.findIndex((c) => c.date === "2021-01-01");
    for (let d = 0; d < 3; d++) {
      expect(replay.next()).to.deep.equal({ ratio: btc[i + d].close / btc[i + d - 1].close, date: btc[i + d].date });
    }
    const tail = historyPath("BTC", btc, btc[btc.length - 1].date, randomWalk("BTC", 0.8, 7));
    expect(tail.next().date).to.equal(btc[btc.length - 1].date);
    const after = tail.next();
    expect([after.date, after.ratio]).to.deep.equal([undefined, randomWalk("BTC", 0.8, 7).next().ratio]);
  });

  it("refuses a start date outside the history with the range in one line", () => {
    expect(() => historyPath("BTC", btc, "2001-01-01", randomWalk("BTC", 0.8, 1))).to.throw(
      `BTC history has no day 2001-01-01: choose a date from ${btc[1].date} to ${btc[btc.length - 1].date}`,
    );
  });

  it("walks reproducibly by seed, with no drift in expectation", () => {
    const take = (seed: number) => Array.from({ length: 5 }, () => randomWalk("SOL", 0.8, seed).next().ratio);
    expect(take(3)).to.deep.equal(take(3));
    const walk = randomWalk("SOL", 0.8, 11);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += walk.next().ratio;
    expect(sum / 20_000).to.be.closeTo(1, 0.002);
  });

  it("applies a ratio to a feed answer with rounding, never below one unit, and refuses a bad ratio", () => {
    expect(applyRatio(5_000_000_000_000n, 1.1)).to.equal(5_500_000_000_000n);
    expect(applyRatio(3n, 0.5)).to.equal(2n); // 1.5 rounds to 2
    expect(applyRatio(1n, 0.1)).to.equal(1n);
    expect(() => applyRatio(100n, 0)).to.throw("invalid daily ratio 0");
  });

  it("starts the next day a day later, and never before every token's time trigger", () => {
    const list = (lastRebalances: number[], timestamp = 1_000): TokenList => ({
      blockNumber: 1n,
      timestamp: BigInt(timestamp),
      usdcBalance: 0n,
      tokens: lastRebalances.map(
        (t, i) => ({ symbol: `T${i}`, lastRebalance: BigInt(t), action: i === 0 ? "time" : "none" }) as never,
      ),
    });
    expect(nextDayStart(1_000, list([900, 950]))).to.equal(87_400);
    expect(nextDayStart(1_000, list([1_000, 1_007]))).to.equal(87_407);
    expect(nextDayStart(1_000, list([], 90_000))).to.equal(90_001);
    expect(dueTokens(list([0, 0]))).to.deep.equal(["T0"]);
  });
});
