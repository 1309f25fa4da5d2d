import { expect } from "chai";
import { parseUnits } from "ethers";
import {
  absolutePremium,
  PremiumSampler,
  type LoggedArbitrage,
  type RoundStatus,
} from "../../scripts/rehearse/premiums";
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

/** The chain as the sampler reads it: the token list at each block (the last one set at or before it). */
class History {
  readonly lists = new Map<number, TokenListing[]>();
  head = 0;
  readonly reads: number[] = [];
  set(block: number, tokens: TokenListing[]) {
    this.lists.set(block, tokens);
  }
  at(block: number): TokenList {
    this.reads.push(block);
    const known = [...this.lists.keys()].filter((b) => b <= block).sort((a, b) => b - a)[0];
    return { tokens: this.lists.get(known) ?? [] } as unknown as TokenList;
  }
}

describe("The rehearsal's premium after each feed update", () => {
  let chain: History;
  let mined: Map<string, RoundStatus>;
  let arbitraged: LoggedArbitrage[];
  const feeds = { BTC: { sent: [] as { hash: string }[] }, ETH: { sent: [] as { hash: string }[] } };
  const sampler = () =>
    new PremiumSampler({
      feeds,
      status: async (hash) => mined.get(hash) ?? "pending",
      head: async () => chain.head,
      readAt: async (block) => chain.at(block),
      arbitraged: () => arbitraged,
      windowBlocks: 5,
    });
  const listed = (btc3l: string, btc3s: string, eth3l = "1") => [
    token("BTC3L", "BTC", btc3l),
    token("BTC3S", "BTC", btc3s),
    token("ETH2L", "ETH"),
    token("ETH3L", "ETH", eth3l),
  ];

  beforeEach(() => {
    chain = new History();
    chain.set(0, listed("1.001", "1.001"));
    feeds.BTC.sent = [{ hash: "deploy-time" }];
    feeds.ETH.sent = [];
    mined = new Map();
    arbitraged = [];
  });

  it("reads |premium| as a fraction, none without a pool", () => {
    const list = chain.at(0);
    expect(absolutePremium(list, "BTC3L")).to.be.closeTo(0.001, 1e-9);
    expect(absolutePremium({ tokens: listed("1.05", "0.98") } as unknown as TokenList, "BTC3S")).to.be.closeTo(
      0.02,
      1e-9,
    );
    expect(absolutePremium(list, "ETH2L")).to.equal(undefined);
  });

  it("reads each pooled token of the updated market at the block of the arbitrage that answered the update, else at the end of the fair chance", async () => {
    const s = sampler();
    await s.step();
    expect(s.samples, "a round from before the bots is not theirs to answer").to.deep.equal([]);
    feeds.BTC.sent.push({ hash: "u1" });
    chain.head = 10;
    await s.step();
    expect(s.samples, "not mined yet").to.deep.equal([]);
    mined.set("u1", 11);
    chain.set(11, listed("1.05", "0.98"));
    // An arbitrage planned before the update (block 10) does not answer it, though mined after it.
    arbitraged.push({ token: "BTC3L", block: 12, planBlock: 10 });
    chain.set(12, listed("1.04", "0.98"));
    chain.head = 13;
    await s.step();
    expect(s.samples).to.deep.equal([]);
    // The arbitrage planned at the update's block brings BTC3L back at block 13.
    arbitraged.push({ token: "BTC3L", block: 13, planBlock: 11 });
    chain.set(13, listed("1.002", "0.98"));
    chain.head = 14;
    await s.step();
    expect(s.samples.map((x) => [x.token, x.kind, x.blocks])).to.deep.equal([["BTC3L", "acted", 2]]);
    expect(s.samples[0].premium).to.be.closeTo(0.002, 1e-9);
    // BTC3S it left alone: read at the end of its window (block 16), as it was then, whenever the sampler looks.
    chain.set(17, listed("1.002", "1.3"));
    chain.head = 20;
    await s.step();
    expect(s.samples.map((x) => [x.token, x.kind, x.blocks])).to.deep.equal([
      ["BTC3L", "acted", 2],
      ["BTC3S", "waited", 5],
    ]);
    expect(s.samples[1].premium).to.be.closeTo(0.02, 1e-9);
    expect(s.unsampled).to.equal(0);
  });

  it("reads a wait cut short by the market's next update at the block before it, forgets a dropped round, and counts waits left at the end", async () => {
    const s = sampler();
    feeds.ETH.sent.push({ hash: "e1" }, { hash: "dropped" });
    mined.set("e1", 3);
    mined.set("dropped", "gone");
    chain.set(3, listed("1.001", "1.001", "1.03"));
    chain.head = 3;
    await s.step();
    feeds.ETH.sent.push({ hash: "e2" });
    mined.set("e2", 5);
    chain.set(5, listed("1.001", "1.001", "1.08"));
    chain.head = 5;
    await s.step();
    expect(s.samples.map((x) => [x.token, x.kind, x.blocks])).to.deep.equal([["ETH3L", "cut", 1]]);
    expect(s.samples[0].premium, "as at block 4, before the second update").to.be.closeTo(0.03, 1e-9);
    await s.run(() => true);
    expect(s.unsampled, "e2's wait was still running when the run ended").to.equal(1);
  });
});
