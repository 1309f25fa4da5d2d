import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { feedPrice, usdc } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

/** The operator's exposure limit: a cap on each token's equity that a mint may not cross; redeems are never limited. */
describe("LeveragedToken: equity cap", () => {
  const capped = async () => {
    const s = await attackSystem({ mintFeeBps: 10, equityCap: usdc(10_000) });
    await s.long.connect(s.alice).mint(usdc(6_000), 0, s.alice.address);
    return s;
  };

  it("new tokens start with the factory's default cap; the views show the cap and the headroom", async () => {
    const { long, factory } = await loadFixture(capped);
    expect((await factory.tokenDefaults()).equityCap).to.equal(usdc(10_000));
    expect(await long.equityCap()).to.equal(usdc(10_000));
    expect(await long.capHeadroom()).to.equal(usdc(10_000) - (await long.equity()));
  });

  it("a mint whose deposit would cross the cap reverts with the cap and the headroom; one up to it goes through", async () => {
    const { long, bob } = await loadFixture(capped);
    const headroom = await long.capHeadroom();
    // net = collateral - 0.1% fee: the largest mint is the headroom grossed up by the fee (rounded down)
    const largest = (headroom * 10_000n) / 9_990n;
    await expect(long.connect(bob).mint(largest + 2n, 0, bob.address))
      .to.be.revertedWithCustomError(long, "LeveragedTokenEquityCapExceeded")
      .withArgs(usdc(10_000), headroom);
    await expect(long.connect(bob).mint(largest, 0, bob.address)).to.emit(long, "Minted");
    expect(await long.capHeadroom()).to.be.lessThan(usdc("0.01"));
  });

  it("above the cap (after a price rise) minting stops, redeeming goes on, and the headroom is 0", async () => {
    const { long, alice, bob, btcFeed } = await loadFixture(capped);
    await btcFeed.updateAnswer(feedPrice(75_000)); // +50% at 3x: equity 15,000
    expect(await long.capHeadroom()).to.equal(0n);
    await expect(long.connect(bob).mint(usdc(1), 0, bob.address))
      .to.be.revertedWithCustomError(long, "LeveragedTokenEquityCapExceeded")
      .withArgs(usdc(10_000), 0n);
    await expect(long.connect(alice).redeem(ethers.MaxUint256, 0, alice.address)).to.emit(long, "Redeemed");
  });

  it("only the admin changes it (EquityCapUpdated); 0 takes no new money; type(uint256).max lifts it", async () => {
    const { long, admin, bob } = await loadFixture(capped);
    const stranger = (await ethers.getSigners())[9];
    await expect(long.connect(stranger).setEquityCap(0))
      .to.be.revertedWithCustomError(long, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, ethers.ZeroHash);
    await expect(long.connect(admin).setEquityCap(0)).to.emit(long, "EquityCapUpdated").withArgs(0n);
    await expect(long.connect(bob).mint(usdc(1), 0, bob.address)).to.be.revertedWithCustomError(
      long,
      "LeveragedTokenEquityCapExceeded",
    );
    await long.connect(admin).setEquityCap(ethers.MaxUint256);
    await expect(long.connect(bob).mint(usdc(100_000), 0, bob.address)).to.emit(long, "Minted");
  });

  it("the preview ignores the cap (as ERC-4626's previews ignore limits): the headroom view says it", async () => {
    const { long } = await loadFixture(capped);
    expect(await long.previewMint(usdc(50_000))).to.be.greaterThan(0n);
  });
});
