import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { feeUp, grossForNet, MAX_UINT256 } from "../../src/model/token/types";
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

  describe("maxMint and maxRedeem (ERC-4626's limits)", () => {
    it("maxMint is exactly the largest mint the cap lets through: one unit more reverts with the cap", async () => {
      const { long, bob } = await loadFixture(capped);
      const max = await long.maxMint(bob.address);
      expect(max).to.equal(grossForNet(await long.capHeadroom(), 10n));
      await expect(long.connect(bob).mint(max + 1n, 0, bob.address)).to.be.revertedWithCustomError(
        long,
        "LeveragedTokenEquityCapExceeded",
      );
      await expect(long.connect(bob).mint(max, 0, bob.address)).to.emit(long, "Minted");
      expect([await long.capHeadroom(), await long.maxMint(bob.address)]).to.deep.equal([0n, 0n]);
    });

    it("maxMint is 0 while paused, above the cap and once wiped out; no limit without a cap", async () => {
      const { long, admin, bob, btcFeed } = await loadFixture(capped);
      await long.connect(admin).pause();
      expect(await long.maxMint(bob.address)).to.equal(0n);
      await long.connect(admin).unpause();
      await long.connect(admin).setEquityCap(ethers.MaxUint256);
      expect(await long.maxMint(bob.address)).to.equal(MAX_UINT256);
      await long.connect(admin).setEquityCap(usdc(10_000));
      await btcFeed.updateAnswer(feedPrice(75_000)); // +50% at 3x: equity 15,000, above the cap
      expect(await long.maxMint(bob.address)).to.equal(0n);
      await btcFeed.updateAnswer(feedPrice(30_000)); // -40% at 3x: a gap past zero, a wipe-out is due
      expect(await long.maxMint(bob.address)).to.equal(0n);
      await long.rebalance();
      expect(await long.wipedOut()).to.equal(true);
      expect(await long.maxMint(bob.address)).to.equal(0n);
    });

    it("maxRedeem is the owner's balance, whatever the cap or a pause; 0 on a stale price until it is fresh", async () => {
      const { long, admin, alice, bob, btcFeed } = await loadFixture(capped);
      const balance = await long.balanceOf(alice.address);
      await long.connect(admin).pause();
      await long.connect(admin).setEquityCap(0);
      expect([await long.maxRedeem(alice.address), await long.maxRedeem(bob.address)]).to.deep.equal([balance, 0n]);
      await time.increase(3_601); // the feed's answer is now older than the market's maxPriceAge
      expect(await long.maxRedeem(alice.address)).to.equal(0n);
      await btcFeed.updateAnswer(feedPrice(50_000));
      const max = await long.maxRedeem(alice.address);
      expect(max).to.equal(balance);
      await expect(long.connect(alice).redeem(max, 0, alice.address)).to.emit(long, "Redeemed");
    });

    it("grossForNet: the net of its fee is at most the headroom, and one unit more would exceed it (property)", () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n }), fc.bigInt({ min: 0n, max: 100n }), (net, bps) => {
          const gross = grossForNet(net, bps);
          expect(gross - feeUp(gross, bps)).to.be.at.most(net);
          if (net > 0n) expect(gross + 1n - feeUp(gross + 1n, bps)).to.be.greaterThan(net);
          else expect(gross).to.equal(0n); // no room: nothing, not a mint that deposits 0
        }),
        { numRuns: 500 },
      );
      expect(grossForNet(MAX_UINT256, 10n)).to.equal(MAX_UINT256);
    });
  });
});
