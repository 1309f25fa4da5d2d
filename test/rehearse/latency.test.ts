import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { chainLatencies } from "../../scripts/rehearse/latency";
import { latencyFigures, splitAtKill } from "../../scripts/rehearse/takeover";
import { deployDexSystem } from "../helpers/dexSystem";
import { feedPrice } from "../helpers/units";

describe("The rehearsal's keeper latency, read on the chain", () => {
  it("counts a band breach from the feed update that put the token out of band, and a time trigger from the block it fell due", async () => {
    const s = await loadFixture(deployDexSystem);
    const from = (await ethers.provider.getBlockNumber()) + 1;
    const updates: number[] = [];
    const update = async (price: number) =>
      updates.push((await (await s.btcFeed.updateAnswer(feedPrice(price))).wait())!.blockNumber);
    await update(50_100); // inside the band: not the cause
    await update(42_500); // -15%: both tokens out of their bands
    await mine(3);
    const long = (await (await s.tokens.BTC3L.rebalance()).wait())!.blockNumber;
    const short = (await (await s.tokens.BTC3S.rebalance()).wait())!.blockNumber;
    expect(long - updates[1]).to.equal(4);
    expect(short - updates[1]).to.equal(5);

    // The operator gives BTC3S a minute's interval; it falls due in the block time.increase mines, rebalanced 3 later.
    const { band } = await s.tokens.BTC3S.rebalanceSettings();
    await (await s.tokens.BTC3S.setRebalanceSettings({ interval: 60, band })).wait();
    await time.increase(61);
    await mine(2);
    const timed = (await (await s.tokens.BTC3S.rebalance()).wait())!;
    const to = await ethers.provider.getBlockNumber();

    const tokens = [
      { symbol: "BTC3L", address: await s.tokens.BTC3L.getAddress(), updates },
      { symbol: "BTC3S", address: await s.tokens.BTC3S.getAddress(), updates },
    ];
    const latencies = await chainLatencies(ethers.provider, tokens, from, to);
    const of = (trigger: string) => latencies.rebalances.filter((r) => r.trigger === trigger);
    expect(of("band").map((r) => [r.token, r.block, r.blocks])).to.deep.equal([
      ["BTC3L", long, 4],
      ["BTC3S", short, 5],
    ]);
    expect(of("time").map((r) => [r.token, r.blocks, r.hash])).to.deep.equal([["BTC3S", 3, timed.hash]]);
    expect(latencies.bandUnexplained).to.equal(0);
    expect(timed.blockNumber).to.equal(to);
    // The same latencies in seconds, from the blocks' timestamps.
    const at = async (n: number) => (await ethers.provider.getBlock(n))!.timestamp;
    expect(of("band").map((r) => r.seconds)).to.deep.equal([
      (await at(long)) - (await at(updates[1])),
      (await at(short)) - (await at(updates[1])),
    ]);
    expect(of("time").map((r) => r.seconds)).to.deep.equal([
      (await at(timed.blockNumber)) - (await at(timed.blockNumber - 3)),
    ]);

    // Split at a keeper's kill between the band breaches and the time trigger: figures per side, nearest rank.
    const { before, after } = splitAtKill(latencies.rebalances, short);
    expect(before.map((r) => r.blocks)).to.deep.equal([4, 5]);
    expect(after.map((r) => r.blocks)).to.deep.equal([3]);
    const figures = latencyFigures(before);
    expect(figures.latencyBlocks).to.deep.equal({ p50: 4, p95: 5, max: 5 });
    expect(figures.latencyBlocksByTrigger.time).to.deep.equal({ count: 0, p50: null, p95: null, max: null });
    expect(figures.latencyBlocksByTrigger.band.count).to.equal(2);
    expect(splitAtKill(latencies.rebalances, null).before).to.have.length(3);
  });
});
