import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { chainLatencies } from "../../scripts/rehearse/latency";
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
    expect(latencies.band).to.deep.equal([4, 5]);
    expect(latencies.time).to.deep.equal([3]);
    expect(latencies.bandUnexplained).to.equal(0);
    expect(timed.blockNumber).to.equal(to);
    // The same latencies in seconds, from the blocks' timestamps.
    const at = async (n: number) => (await ethers.provider.getBlock(n))!.timestamp;
    expect(latencies.bandSeconds).to.deep.equal([
      (await at(long)) - (await at(updates[1])),
      (await at(short)) - (await at(updates[1])),
    ]);
    expect(latencies.timeSeconds).to.deep.equal([(await at(timed.blockNumber)) - (await at(timed.blockNumber - 3))]);
  });
});
