import { expect } from "chai";
import { parseUnits } from "ethers";
import { absolutePremium, PremiumSampler } from "../../scripts/rehearse/premiums";
import type { TokenList, TokenListing } from "../../src/reads/lens";

/** A token on `market` whose pool prices it `poolPrice` USDC against a NAV of 1 USDC. */
const token = (symbol: string, market: string, poolPrice?: string): TokenListing =>
  ({
    symbol,
    marketSymbol: market,
    navPerShare: parseUnits("1", 6),
    pool:
      poolPrice === undefined
        ? undefined
        : { pair: "0xpair", tokenReserve: parseUnits("1000", 18), stableReserve: parseUnits(poolPrice, 6) * 1000n },
  }) as unknown as TokenListing;

describe("The rehearsal's premium after each feed update", () => {
  let clock: number;
  let list: TokenList;
  let arbitraged: string[];
  const feeds = { BTC: { sent: [] as unknown[] }, ETH: { sent: [] as unknown[] } };
  const sampler = () =>
    new PremiumSampler({
      feeds,
      read: async () => list,
      arbitraged: () => arbitraged,
      boundMs: 10_000,
      now: () => clock,
    });

  beforeEach(() => {
    clock = 0;
    feeds.BTC.sent = ["a round sent during the deployment"];
    feeds.ETH.sent = [];
    arbitraged = [];
    list = {
      tokens: [
        token("BTC3L", "BTC", "1.05"),
        token("BTC3S", "BTC", "0.98"),
        token("ETH2L", "ETH"),
        token("ETH3L", "ETH", "1"),
      ],
    } as unknown as TokenList;
  });

  it("reads |premium| as a fraction, none without a pool", () => {
    expect(absolutePremium(list, "BTC3L")).to.be.closeTo(0.05, 1e-9);
    expect(absolutePremium(list, "BTC3S")).to.be.closeTo(0.02, 1e-9);
    expect(absolutePremium(list, "ETH2L")).to.equal(undefined);
  });

  it("samples each pooled token of the updated market once the arbitrageur acted on it, else after the wait", async () => {
    const s = sampler();
    await s.step();
    expect(s.samples, "a round from before the bots is not theirs to answer").to.deep.equal([]);
    feeds.BTC.sent.push("round");
    await s.step();
    expect(s.samples).to.deep.equal([]);
    // The arbitrageur brings BTC3L back: sampled at once, after its arbitrage.
    list.tokens[0] = token("BTC3L", "BTC", "1.001");
    arbitraged.push("BTC3L");
    clock = 5_000;
    await s.step();
    expect(s.samples.map((x) => [x.token, x.acted])).to.deep.equal([["BTC3L", true]]);
    expect(s.samples[0].premium).to.be.closeTo(0.001, 1e-9);
    // BTC3S it left alone: sampled when the wait runs out, as it is then.
    clock = 10_000;
    await s.step();
    expect(s.samples.map((x) => [x.token, x.acted])).to.deep.equal([
      ["BTC3L", true],
      ["BTC3S", false],
    ]);
    expect(s.unsampled).to.equal(0);
  });

  it("samples a wait cut short by the market's next round before that round, and counts waits left at the end", async () => {
    const s = sampler();
    feeds.ETH.sent.push("round 1");
    await s.step();
    clock = 3_000;
    feeds.ETH.sent.push("round 2");
    await s.step();
    expect(s.samples.map((x) => [x.token, x.acted])).to.deep.equal([["ETH3L", false]]);
    await s.run(() => true);
    expect(s.unsampled, "round 2's wait was still running when the run ended").to.equal(1);
  });
});
