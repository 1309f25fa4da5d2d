import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

/** PRODUCT.md's reference numbers (fees, funding and the keeper reward 0, rebalanced at each listed price). */
describe("LeveragedToken: reference numbers", () => {
  async function withToken(leverage: bigint) {
    const system = await deploySystem();
    const token = await createToken(system.factory, leverage);
    await token.setRewardSettings({ cap: 0, rampTime: 600, maxPerYearBps: 0 });
    const [, alice] = await ethers.getSigners();
    await fund(system, alice, await token.getAddress(), usdc(1_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    return { ...system, token, alice };
  }
  const long3 = () => withToken(wad(3));
  const long2 = () => withToken(wad(2));

  /** Value of alice's whole holding at NAV: what a full redeem pays (fees 0). */
  async function holdingValue(token: Awaited<ReturnType<typeof long3>>["token"], holder: string) {
    return token.previewRedeem(await token.balanceOf(holder));
  }

  it("1,000 USDC in a 3x long, BTC 50,000 -> 60,000: NAV of the holding 1,600 USDC (+60%)", async () => {
    const { token, btcFeed, alice, usdc: stable } = await loadFixture(long3);
    expect(await token.positionSize()).to.equal(wad("0.06"));
    await btcFeed.updateAnswer(feedPrice(60_000));
    expect(await token.equity()).to.equal(usdc(1_600));
    expect(await token.navPerShare()).to.equal(usdc(160)); // +60% a token, to the wei
    // The holding is the 1,600 USDC less the dead shares the first mint locked (1e-6 token of the 10: 1e-7 of it,
    // 0.00016 USDC); the stated tolerance of this reference number.
    const deadShares = usdc("0.00016");
    expect(await holdingValue(token, alice.address)).to.equal(usdc(1_600) - deadShares);
    await expect(
      token.connect(alice).redeem(await token.balanceOf(alice.address), 0, alice.address),
    ).to.changeTokenBalance(stable, alice, usdc(1_600) - deadShares);
  });

  it("2x long, BTC +5% in a day: token +10%", async () => {
    const { token, btcFeed } = await loadFixture(long2);
    const nav0 = await token.navPerShare();
    await btcFeed.updateAnswer(feedPrice(52_500));
    expect(await token.navPerShare()).to.equal((nav0 * 110n) / 100n);
  });

  it("2x long, BTC -5% in a day: token -10%", async () => {
    const { token, btcFeed } = await loadFixture(long2);
    const nav0 = await token.navPerShare();
    await btcFeed.updateAnswer(feedPrice(47_500));
    expect(await token.navPerShare()).to.equal((nav0 * 90n) / 100n);
  });

  it("3x long, +5% then -5% rebalanced in between: token -2.25% (1.15 x 0.85), spot -0.25%", async () => {
    const { token, btcFeed } = await loadFixture(long3);
    const nav0 = await token.navPerShare();
    await time.increase(86_400);
    await btcFeed.updateAnswer(feedPrice(52_500));
    await token.rebalance();
    // size = 3 x 1,150 / 52,500 BTC rounded down to 1e-18 BTC: leverage is 3 to within 1e-16
    expect(await token.currentLeverage()).to.be.closeTo(wad(3), 100n);
    await btcFeed.updateAnswer(feedPrice(49_875)); // 52,500 x 0.95
    expect(await token.navPerShare()).to.equal((nav0 * 115n * 85n) / 10_000n);
    expect(await token.equity()).to.equal(usdc("977.5"));
  });

  it("3x long, -10% in a day: token -30%", async () => {
    const { token, btcFeed } = await loadFixture(long3);
    const nav0 = await token.navPerShare();
    await btcFeed.updateAnswer(feedPrice(45_000));
    expect(await token.navPerShare()).to.equal((nav0 * 70n) / 100n);
  });
});
