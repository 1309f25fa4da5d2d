import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { expectBooksBalance } from "../helpers/books";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

/**
 * Plain regression tests for the bugs the stateful property test (invariants.fuzz.ts) found, each fixed in
 * LeveragedToken.sol (SECURITY.md, "Found by the property tests").
 */
describe("regressions found by the stateful property test", () => {
  const twoHolders = async () => {
    const s = await attackSystem();
    await s.long.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
    await s.long.connect(s.bob).mint(usdc(10_000), 0, s.bob.address);
    return s;
  };

  describe("1. under the exchange's maintenance margin (3x long after -32%: 51x, equity > 0)", () => {
    const underMaintenance = async () => {
      const s = await twoHolders();
      await s.btcFeed.updateAnswer(feedPrice(34_000)); // equity 20,000 - 0.96 x 20,000 = 800 USDC; notional 40,800
      return s;
    };

    it("was: a partial redeem reverted with PerpMarginRequirementNotMet; now it rebalances first, then pays", async () => {
      const s = await loadFixture(underMaintenance);
      const { long, exchange, alice } = s;
      expect(await long.currentLeverage()).to.equal(wad(51));
      expect(await exchange.isLiquidatable(await long.getAddress(), 0)).to.equal(true);
      const supply = await long.totalSupply();
      const shares = (await long.balanceOf(alice.address)) / 2n; // a quarter of the supply
      const before = await s.usdc.balanceOf(alice.address);
      await expect(long.connect(alice).redeem(shares, 0, alice.address))
        .to.emit(long, "Rebalanced")
        .and.to.emit(long, "Redeemed");
      expect(await long.currentLeverage()).to.be.closeTo(wad(3), wad("0.0001"));
      expect(await exchange.isLiquidatable(await long.getAddress(), 0)).to.equal(false);
      // The redeemer's pro-rata part of the 800 USDC left (fees are 0 here), to rounding.
      const paid = (await s.usdc.balanceOf(alice.address)) - before;
      expect(paid).to.be.closeTo((usdc(800) * shares) / supply, 2n);
      await expectBooksBalance(exchange, s.usdc, s.accounts);
    });

    it("was: a mint was refused by the initial margin; now it rebalances first, then mints at 3x", async () => {
      const s = await loadFixture(underMaintenance);
      const { long, attacker } = s;
      await expect(long.connect(attacker).mint(usdc(1_000), 0, attacker.address))
        .to.emit(long, "Rebalanced")
        .and.to.emit(long, "Minted");
      expect(await long.currentLeverage()).to.be.closeTo(wad(3), wad("0.0001"));
      // The minter paid 1,000 of the 1,800 USDC equity: it holds 5/9 of the supply.
      const part = ((await long.balanceOf(attacker.address)) * 9_000n) / (await long.totalSupply());
      expect(part).to.be.closeTo(5_000n, 1n);
    });

    it("every holder can still leave, and the last one closes the position", async () => {
      const s = await loadFixture(underMaintenance);
      const { long, alice, bob } = s;
      for (const who of [alice, bob]) {
        const shares = await long.balanceOf(who.address);
        await expect(long.connect(who).redeem(shares, 0, who.address)).to.emit(long, "Redeemed");
      }
      expect(await long.totalSupply()).to.equal(await long.MINIMUM_SHARES()); // the dead shares stay
      expect(await long.positionSize()).to.equal(0n);
      await expectBooksBalance(s.exchange, s.usdc, s.accounts);
    });
  });

  describe("2. equity left at zero supply", () => {
    it("was: a 10 USDC donation at zero supply went to the next minter (+10 USDC on a mint-and-redeem); now the fee recipient gets it", async () => {
      const s = await loadFixture(attackSystem);
      const { long, exchange, attacker, feeRecipient } = s;
      const redeemer = await ethers.deployContract("MintRedeemer");
      await s.usdc.connect(attacker).approve(await redeemer.getAddress(), usdc(1_000));
      await exchange.connect(attacker).deposit(0, await long.getAddress(), usdc(10)); // a donation at supply 0
      const before = await s.usdc.balanceOf(attacker.address);
      await expect(redeemer.connect(attacker).mintAndRedeem(long, s.usdc, usdc(1_000)))
        .to.emit(long, "UnclaimedEquityAssigned")
        .withArgs(feeRecipient, usdc(10), wad("0.1")); // 10 USDC at the initial NAV of 100
      expect(await s.usdc.balanceOf(attacker.address)).to.be.at.most(before);
      // The fee recipient holds the 10 USDC: 0.1 share, redeemable at NAV.
      expect(await long.balanceOf(feeRecipient)).to.equal(wad("0.1"));
      expect(await long.previewRedeem(wad("0.1"))).to.be.closeTo(usdc(10), 1n);
    });

    it("previewMint prices the mint after the assignment", async () => {
      const s = await loadFixture(attackSystem);
      const { long, exchange, alice } = s;
      await exchange.connect(alice).deposit(0, await long.getAddress(), usdc(10));
      const expected = await long.previewMint(usdc(1_000));
      await expect(long.connect(alice).mint(usdc(1_000), expected, alice.address)).to.changeTokenBalance(
        long,
        alice,
        expected,
      );
      expect(expected).to.be.closeTo(wad(10), wad("0.00001")); // 1,000 USDC at NAV 100
    });
  });

  describe("3. dust equity", () => {
    it("was: due by drift forever while its rebalance reverted on the initial margin; now a dust account holds no position, so nothing is ever due for it", async () => {
      const s = await attackSystem();
      const { short, factory, alice } = s;
      await short.connect(alice).mint(1_000n, 0, alice.address); // 0.001 USDC: dust, no position opened
      const upkeep = await ethers.deployContract("TokenUpkeep", [short]);
      expect(await short.MIN_POSITION_EQUITY()).to.equal(wad("0.01"));
      expect(await short.positionSize()).to.equal(0n);
      for (const price of [58_000, 25_000, 500_000]) {
        await s.btcFeed.updateAnswer(feedPrice(price));
        expect(await short.rebalanceAction()).to.equal(0n);
        expect((await upkeep.checkUpkeep("0x"))[0]).to.equal(false);
        expect((await factory.keeperStatuses(0, 10)).map((t) => t.action)).to.deep.equal([0n, 0n]);
        await expect(short.rebalance()).to.be.revertedWithCustomError(short, "LeveragedTokenRebalanceNotDue");
        expect(await short.equity()).to.equal(1_000n); // no price risk
      }
      // The holder still leaves.
      await expect(short.connect(alice).redeem(await short.balanceOf(alice.address), 0, alice.address)).to.emit(
        short,
        "Redeemed",
      );
    });

    it("just above the threshold a drift rebalance is due and goes through", async () => {
      const s = await attackSystem();
      await s.short.connect(s.alice).mint(usdc("0.02"), 0, s.alice.address);
      await s.btcFeed.updateAnswer(feedPrice(58_000)); // equity 0.0104 USDC
      expect(await s.short.rebalanceAction()).to.equal(2n);
      await expect(s.short.rebalance()).to.emit(s.short, "Rebalanced");
    });
  });

  describe("4. a new token wiped out for good with a few units", () => {
    it("was: mint 4 units, redeem all but one share unit, a tick takes the 1-unit account to 0, rebalance wipes it out; now the first mint must buy more than the dead shares it locks", async () => {
      const s = await attackSystem();
      const { long, attacker } = s;
      await expect(long.connect(attacker).mint(4n, 0, attacker.address))
        .to.be.revertedWithCustomError(long, "LeveragedTokenFirstMintTooSmall")
        .withArgs(4n * 10n ** 10n, await long.MINIMUM_SHARES());
      // The smallest first mint that goes through is dust: it opens no position, so no price can take it to 0.
      await long.connect(attacker).mint(101n, 0, attacker.address);
      await long.connect(attacker).redeem((await long.balanceOf(attacker.address)) - 1n, 0, attacker.address);
      expect(await long.totalSupply()).to.equal((await long.MINIMUM_SHARES()) + 1n);
      await s.btcFeed.updateAnswer(feedPrice(1_000)); // -98%
      expect(await long.positionSize()).to.equal(0n);
      expect(await long.equity()).to.be.greaterThan(0n);
      expect(await long.rebalanceAction()).to.equal(0n);
      await expect(long.connect(s.alice).mint(usdc(1_000), 0, s.alice.address)).to.emit(long, "Minted");
      expect(await long.wipedOut()).to.equal(false);
    });

    it("more than dust still wipes out as before: terminal", async () => {
      const s = await attackSystem();
      const { long, alice } = s;
      await long.connect(alice).mint(usdc(1), 0, alice.address);
      await s.btcFeed.updateAnswer(feedPrice(30_000)); // -40%: a 3x long is under water
      expect(await long.rebalanceAction()).to.equal(2n);
      await expect(long.rebalance()).to.emit(long, "WipedOut");
      await expect(long.connect(alice).mint(usdc(1_000), 0, alice.address)).to.be.revertedWithCustomError(
        long,
        "LeveragedTokenWipedOut",
      );
    });
  });
});
