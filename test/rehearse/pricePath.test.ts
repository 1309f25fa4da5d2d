import { expect } from "chai";
import { assetFile, loadCandles } from "../../src/backtest/candleFile";
import { PROJECT_ROOT } from "../../src/node/projectRoot";
import { rehearsalPricePath } from "../../scripts/rehearse/pricePath";

describe("The rehearsal's price paths", () => {
  const btc = loadCandles(assetFile(PROJECT_ROOT, "BTC"));
  const close = (date: string) => btc.find((c) => c.date === date)?.close;

  it("plays BTC's real closes from a date, the whole path in the minutes given", () => {
    const path = rehearsalPricePath("BTC", { minutes: 5, days: 10, seed: 1, from: "2022-11-01" });
    expect(path.closes).to.have.length(11);
    expect(path.closes[0]).to.be.closeTo(close("2022-10-31")!, 1e-6);
    expect(path.closes[10]).to.be.closeTo(close("2022-11-10")!, 1e-6);
    expect(path.priceAt(0)).to.be.closeTo(path.closes[0], 1e-6);
    expect(path.priceAt(30)).to.be.closeTo(path.closes[1], 1e-6); // a day every 30 s
    expect(path.priceAt(15)).to.be.closeTo(Math.sqrt(path.closes[0] * path.closes[1]), 1e-6);
    expect(path.priceAt(300)).to.be.closeTo(path.closes[10], 1e-6);
    expect(path.priceAt(10_000)).to.be.closeTo(path.closes[10], 1e-6);
  });

  it("picks the history's window by the seed when no date is given", () => {
    const one = rehearsalPricePath("ETH", { minutes: 2, seed: 1 });
    expect(rehearsalPricePath("ETH", { minutes: 2, seed: 1 }).closes).to.deep.equal(one.closes);
    expect(rehearsalPricePath("ETH", { minutes: 2, seed: 2 }).closes).to.not.deep.equal(one.closes);
    expect(one.closes, "a day a minute").to.have.length(3);
  });

  it("walks randomly, seeded, from the start price for an asset with no data", () => {
    const sol = rehearsalPricePath("SOL", { minutes: 5, seed: 3, walkStart: 150 });
    expect(sol.closes[0]).to.equal(150);
    expect(sol.describe).to.match(/SOL walks randomly/);
    expect(rehearsalPricePath("SOL", { minutes: 5, seed: 3, walkStart: 150 }).closes).to.deep.equal(sol.closes);
    expect(rehearsalPricePath("SOL", { minutes: 5, seed: 4, walkStart: 150 }).closes).to.not.deep.equal(sol.closes);
  });
});
