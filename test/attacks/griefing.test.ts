import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { expectBooksBalance } from "../helpers/books";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem, WALLET } from "./setup";

const NOT_DUE = "LeveragedTokenRebalanceNotDue";

/** Alice holds 10,000 USDC of each token (taker fee 5 bps); BTC falls 12%: both rebalances are due by drift. */
async function dueSystem() {
  const s = await attackSystem({}, { takerFeeBps: 5 });
  await s.long.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
  await s.short.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
  await s.btcFeed.updateAnswer(feedPrice(44_000));
  const batch = await ethers.deployContract("BatchRebalancer");
  return { ...s, batch };
}

async function state(token: Awaited<ReturnType<typeof dueSystem>>["long"]) {
  return {
    equity: await token.equity(),
    size: await token.positionSize(),
    last: await token.lastRebalanceTime(),
    supply: await token.totalSupply(),
  };
}

describe("attack: rebalance spam and griefing", () => {
  it("many calls: one rebalance, then 20 more from anyone revert NotDue and change nothing", async () => {
    const s = await loadFixture(dueSystem);
    const equityBefore = await s.long.equity();
    const notionalBefore = await s.long.positionNotional();
    await s.long.connect(s.attacker).rebalance();
    // The one rebalance costs the holders only the taker fee on the traded notional (5 bps), rounded up, and the
    // reward it paid its caller (into the caller's exchange account, within the reward's cap).
    const reward = (await s.exchange.accountState(s.attacker.address, await s.long.marketId())).margin;
    expect(reward)
      .to.be.greaterThan(0n)
      .and.at.most((await s.long.rewardSettings()).cap);
    const traded = notionalBefore - (await s.long.positionNotional());
    const takerFee = (traded * 5n) / 10_000n / 10n ** 12n + 2n;
    expect(equityBefore - (await s.long.equity())).to.be.at.most(takerFee + reward);
    const after = await state(s.long);
    const signers = await ethers.getSigners();
    const upkeep = await ethers.deployContract("TokenUpkeep", [s.long]);
    for (let i = 0; i < 20; i++) {
      const who = signers[i % signers.length];
      await expect(s.long.connect(who).rebalance()).to.be.revertedWithCustomError(s.long, NOT_DUE);
      await expect(upkeep.connect(who).performUpkeep("0x")).to.be.revertedWithCustomError(s.long, NOT_DUE);
    }
    expect(await state(s.long)).to.deep.equal(after);
  });

  it("calls from contracts: a batch naming the same tokens again and again rebalances each once", async () => {
    const s = await loadFixture(dueSystem);
    const [long, short] = [await s.long.getAddress(), await s.short.getAddress()];
    const list = [long, long, long, short, short, long];
    const [done, count] = await s.batch.connect(s.attacker).rebalance.staticCall(list);
    expect(done).to.equal(0b001001n);
    expect(count).to.equal(2n);
    await expect(s.batch.connect(s.attacker).rebalance(list))
      .to.emit(s.batch, "BatchRebalanced")
      .withArgs(s.attacker.address, 6n, 2n, 0b001001n);
    const after = [await state(s.long), await state(s.short)];
    await expect(s.batch.connect(s.attacker).rebalance(list))
      .to.emit(s.batch, "BatchRebalanced")
      .withArgs(s.attacker.address, 6n, 0n, 0n);
    expect([await state(s.long), await state(s.short)]).to.deep.equal(after);
    await expect(s.batch.rebalance(new Array(257).fill(long))).to.be.revertedWithCustomError(
      s.batch,
      "BatchRebalancerTooManyTokens",
    );
  });

  it("calls in the same block: of six rebalances (direct and batched) exactly one trades", async () => {
    const s = await loadFixture(dueSystem);
    const signers = await ethers.getSigners();
    const long = await s.long.getAddress();
    await network.provider.send("evm_setAutomine", [false]);
    const hashes: string[] = [];
    try {
      for (let i = 6; i < 11; i++)
        hashes.push((await s.long.connect(signers[i]).rebalance({ gasLimit: 1_000_000 })).hash);
      hashes.push((await s.batch.connect(signers[11]).rebalance([long], { gasLimit: 1_000_000 })).hash);
      await mine(1);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    let rebalances = 0;
    for (const hash of hashes) {
      const receipt = await ethers.provider.getTransactionReceipt(hash);
      for (const log of receipt?.logs ?? []) {
        if (s.long.interface.parseLog(log)?.name === "Rebalanced") rebalances++;
      }
    }
    expect(rebalances).to.equal(1);
    expect(await s.long.rebalanceAction()).to.equal(0n);
    // The winner's reward sits in its exchange account: the books count every caller's.
    await expectBooksBalance(s.exchange, s.usdc, [...s.accounts, ...signers.map((x) => x.address)]);
  });

  it("forcing a drift rebalance by donating costs the griefer its donation, which the holders keep", async () => {
    const s = await attackSystem({}, { takerFeeBps: 5 });
    await s.long.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
    expect(await s.long.rebalanceAction()).to.equal(0n);
    const aliceBefore = await s.long.previewRedeem(await s.long.balanceOf(s.alice.address));
    // Leverage 3 -> below 2 needs equity up by half: donate 5,001 USDC to the token's account.
    await s.exchange.connect(s.attacker).deposit(0, await s.long.getAddress(), usdc(5_001));
    expect(await s.long.rebalanceAction()).to.equal(2n);
    await s.long.connect(s.attacker).rebalance();
    // Back at 3x, within the taker fee the rebalance paid on its trade (5 bps of ~15,000 notional on ~15,000
    // equity shifts leverage by ~0.0015) and whole-unit rounding.
    expect(await s.long.currentLeverage()).to.be.closeTo(wad(3), wad("0.002"));
    const aliceAfter = await s.long.previewRedeem(await s.long.balanceOf(s.alice.address));
    // Alice keeps the donation less two taker fees of ~7.5 USDC (the rebalance's, and her larger exit's).
    expect(aliceAfter).to.be.greaterThan(aliceBefore + usdc(5_001) - usdc(16));
    expect(await s.usdc.balanceOf(s.attacker.address)).to.equal(WALLET - usdc(5_001));
  });
});
