import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { LeveragedToken } from "../../typechain-types";
import { grossForNet, MINIMUM_SHARES } from "../../src/model/token/types";
import { signPermit } from "../../src/chain/permit";
import { createToken, deploySystem, fund, type System } from "../helpers/system";
import { feedPrice, usdc, wad, WAD } from "../helpers/units";
import { STALE } from "../helpers/perp";

const NONE = 0n;
const TIME = 1n;
const DRIFT = 2n;
const P0 = feedPrice(50_000);

/** Feed price (8 decimals) x num / den, rounded down. */
const scaled = (num: bigint, den: bigint) => (P0 * num) / den;

/**
 * The behaviour every leveraged token shares, run for one signed leverage (WAD). Fees and funding are 0 in the
 * plain fixture; the `withFees` fixture turns on a taker fee, mint and redeem fees, the management fee and funding.
 */
export function shouldBehaveLikeLeveragedToken(leverage: bigint) {
  const L = leverage;
  const absL = L < 0n ? -L : L;
  const long = L > 0n;
  /** Equity counts whole 1e-6 USDC, so leverage can land on L only to within about |L| x 2 units / equity. */
  const leverageTolerance = (equityUnits: bigint) => (absL * 2n) / equityUnits;
  /** A price move of `pct` percent in the token's favour (against it when negative). */
  const favourable = (pct: bigint) => (long ? scaled(100n + pct, 100n) : scaled(100n - pct, 100n));

  async function plain() {
    const system = await deploySystem();
    return withHolders(system);
  }
  async function withFees() {
    const system = await deploySystem(
      { mintFeeBps: 30, redeemFeeBps: 20, managementFeePerYear: wad("0.0365") },
      { takerFeeBps: 10, fundingRatePerYear: wad("0.1") },
    );
    return withHolders(system);
  }
  async function withTakerFee() {
    const system = await deploySystem({ mintFeeBps: 30, redeemFeeBps: 20 }, { takerFeeBps: 10 });
    return withHolders(system);
  }
  async function withHolders(system: System) {
    const token = await createToken(system.factory, L);
    const [admin, alice, bob, carol] = await ethers.getSigners();
    const tokenAddress = await token.getAddress();
    for (const holder of [alice, bob, carol]) await fund(system, holder, tokenAddress, usdc(100_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    return { ...system, token, admin, alice, bob, carol };
  }

  async function leverageAt(token: LeveragedToken, system: System, price: bigint) {
    await system.btcFeed.updateAnswer(price);
    return { action: await token.rebalanceAction(), leverage: await token.currentLeverage() };
  }

  describe("minting and redeeming", () => {
    it("mints the first shares at the initial NAV with leverage exactly L", async () => {
      const { token, alice } = await loadFixture(plain);
      // 1,000 USDC at 100 USDC a token, less the dead shares the first mint locks for good
      expect(await token.balanceOf(alice.address)).to.equal(wad(10) - MINIMUM_SHARES);
      expect(await token.balanceOf(await token.DEAD_SHARES_HOLDER())).to.equal(MINIMUM_SHARES);
      expect(await token.MINIMUM_SHARES()).to.equal(MINIMUM_SHARES);
      expect(await token.totalSupply()).to.equal(wad(10));
      expect(await token.equity()).to.equal(usdc(1_000));
      expect(await token.navPerShare()).to.equal(usdc(100));
      expect(await token.positionSize()).to.equal((L * wad("0.02")) / WAD); // L x 1,000 / 50,000 BTC
      expect(await token.currentLeverage()).to.equal(L);
      expect(await token.targetLeverage()).to.equal(L);
      expect(await token.decimals()).to.equal(18n);
    });

    it("emits Minted and Redeemed with the amounts", async () => {
      const { token, bob } = await loadFixture(plain);
      await expect(token.connect(bob).mint(usdc(200), 0, bob.address))
        .to.emit(token, "Minted")
        .withArgs(bob.address, bob.address, usdc(200), 0n, wad(2));
      await expect(token.connect(bob).redeem(wad(1), 0, bob.address))
        .to.emit(token, "Redeemed")
        .withArgs(bob.address, bob.address, wad(1), usdc(100), 0n);
    });

    it("previewMint and previewRedeem match what mint and redeem do, fees and funding included", async () => {
      const { token, alice, bob, btcFeed, usdc: stable } = await loadFixture(withFees);
      await time.increase(3 * 3600);
      await btcFeed.updateAnswer(favourable(2n));
      // Previews read the pending block, whose time the next transaction gets (fees and funding accrue per second):
      // pinned, so that a slow run (solidity-coverage) cannot let the wall clock move it between the two.
      const pending = { blockTag: "pending" };
      await time.setNextBlockTimestamp((await time.latest()) + 1);
      const expectedShares = await token.previewMint(usdc(500), pending);
      await expect(token.connect(bob).mint(usdc(500), 0, bob.address)).to.changeTokenBalance(
        token,
        bob,
        expectedShares,
      );
      const half = (await token.balanceOf(alice.address)) / 2n;
      await time.setNextBlockTimestamp((await time.latest()) + 1);
      const expectedOut = await token.previewRedeem(half, pending);
      await expect(token.connect(alice).redeem(half, 0, alice.address)).to.changeTokenBalance(
        stable,
        alice,
        expectedOut,
      );
      expect(expectedOut).to.be.greaterThan(0n);
    });

    it("keeps leverage unchanged through a mint and a redeem (the taker fee is the minter's)", async () => {
      const { token, alice, bob, btcFeed } = await loadFixture(withTakerFee);
      await btcFeed.updateAnswer(favourable(3n));
      const before = await token.currentLeverage();
      await token.connect(bob).mint(usdc(5_000), 0, bob.address);
      // to within 1e-9: equity counts whole 1e-6 USDC
      expect(await token.currentLeverage()).to.be.closeTo(before, 10n ** 9n);
      await token.connect(alice).redeem((await token.balanceOf(alice.address)) / 3n, 0, alice.address);
      expect(await token.currentLeverage()).to.be.closeTo(before, 10n ** 9n);
    });

    it("rounds in favour of the holders who stay", async () => {
      const { token, alice, bob, btcFeed } = await loadFixture(withTakerFee);
      await btcFeed.updateAnswer(favourable(1n));
      const aliceShares = await token.balanceOf(alice.address);
      const aliceValue = async () => (aliceShares * (await token.equity())) / (await token.totalSupply());
      const [valueBefore, exitBefore] = [await aliceValue(), await token.previewRedeem(aliceShares)];
      await token.connect(bob).mint(usdc("333.333333"), 0, bob.address);
      await token.connect(bob).redeem(await token.balanceOf(bob.address), 0, bob.address);
      expect(await aliceValue()).to.be.greaterThanOrEqual(valueBefore);
      // Her exit closes the whole position: its rounded-up taker fee may move by a unit with the position's size.
      expect(await token.previewRedeem(aliceShares)).to.be.greaterThanOrEqual(exitBefore - 1n);
    });

    it("pays back everything on a full redeem with fees 0, and closes the position", async () => {
      const { token, alice, usdc: stable } = await loadFixture(plain);
      // All but the dead shares' part: 1e12 share units at 100 USDC a token are 100 units (0.0001 USDC).
      await expect(token.connect(alice).redeem(wad(10) - MINIMUM_SHARES, 0, alice.address)).to.changeTokenBalance(
        stable,
        alice,
        usdc(1_000) - 100n,
      );
      expect(await token.totalSupply()).to.equal(MINIMUM_SHARES);
      expect(await token.positionSize()).to.equal(0n); // what stays is dust: the last redeem closed the position
      expect(await token.navPerShare()).to.equal(usdc(100));
    });

    it("moves NAV by L times a small price move", async () => {
      const { token, btcFeed } = await loadFixture(plain);
      await btcFeed.updateAnswer(scaled(101n, 100n));
      expect(await token.navPerShare()).to.equal(usdc(100) + (usdc(1) * L) / WAD);
    });
  });

  describe("bad input", () => {
    it("rejects zero amounts and the zero address", async () => {
      const { token, alice } = await loadFixture(plain);
      const refused: [() => Promise<unknown>, string][] = [
        [() => token.connect(alice).mint(0, 0, alice.address), "LeveragedTokenZeroAmount"],
        [() => token.connect(alice).mint(usdc(1), 0, ethers.ZeroAddress), "LeveragedTokenZeroAddress"],
        [() => token.connect(alice).redeem(0, 0, alice.address), "LeveragedTokenZeroAmount"],
        [() => token.connect(alice).redeem(wad(1), 0, ethers.ZeroAddress), "LeveragedTokenZeroAddress"],
      ];
      for (const [call, error] of refused) await expect(call()).to.be.revertedWithCustomError(token, error);
    });

    it("enforces the slippage limits with the values", async () => {
      const { token, alice, bob } = await loadFixture(plain);
      await expect(token.connect(bob).mint(usdc(100), wad(1) + 1n, bob.address))
        .to.be.revertedWithCustomError(token, "LeveragedTokenMintSlippage")
        .withArgs(wad(1), wad(1) + 1n);
      await expect(token.connect(alice).redeem(wad(1), usdc(100) + 1n, alice.address))
        .to.be.revertedWithCustomError(token, "LeveragedTokenRedeemSlippage")
        .withArgs(usdc(100), usdc(100) + 1n);
    });

    it("refuses to redeem more than the caller holds", async () => {
      const { token, alice } = await loadFixture(plain);
      const balance = await token.balanceOf(alice.address);
      await expect(token.connect(alice).redeem(balance + 1n, 0, alice.address))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, balance, balance + 1n);
    });

    it("reverts on a stale price with the exchange's error; valuing views refuse it too, keeperStatus reports it", async () => {
      const { token, alice, exchange } = await loadFixture(plain);
      await time.increase(3601);
      await expect(token.connect(alice).mint(usdc(1), 0, alice.address)).to.be.revertedWithCustomError(
        exchange,
        "PerpStalePrice",
      );
      await expect(token.connect(alice).redeem(wad(1), 0, alice.address)).to.be.revertedWithCustomError(
        exchange,
        "PerpStalePrice",
      );
      await time.increase(86_400);
      await expect(token.rebalance()).to.be.revertedWithCustomError(exchange, "PerpStalePrice");
      // no view silently values the position at a price a mint or redeem would refuse
      const views = [token.equity, token.navPerShare, token.currentLeverage, token.capHeadroom, token.positionNotional];
      for (const view of views) await expect(view()).to.be.revertedWithCustomError(exchange, "PerpStalePrice");
      // the keepers' view never reverts: nothing is due, and it says what price its figures are at
      const status = await token.keeperStatus();
      expect([status.action, status.leverage, status.equity_, status.priceStatus]).to.deep.equal([
        NONE,
        L,
        usdc(1_000),
        STALE,
      ]);
      expect(await token.rebalanceAction()).to.equal(NONE);
      expect(await token.positionSize()).to.not.equal(0n);
    });
  });

  describe("rebalance", () => {
    it("is due one interval after the last rebalance, not one second before", async () => {
      const { token, btcFeed } = await loadFixture(plain);
      const next = await token.nextRebalanceTime();
      await time.setNextBlockTimestamp(next - 2n);
      await btcFeed.updateAnswer(P0); // a fresh price
      await time.setNextBlockTimestamp(next - 1n);
      await expect(token.rebalance()).to.be.revertedWithCustomError(token, "LeveragedTokenRebalanceNotDue");
      await time.setNextBlockTimestamp(next);
      await expect(token.rebalance()).to.emit(token, "Rebalanced").withArgs(TIME, L, L, 0n, wad(50_000), usdc(1_000));
      expect(await token.lastRebalanceTime()).to.equal(next);
    });

    it("does nothing harmful when called twice in a row", async () => {
      const { token, btcFeed } = await loadFixture(plain);
      await time.increase(86_400);
      await btcFeed.updateAnswer(favourable(5n));
      await token.rebalance();
      const size = await token.positionSize();
      await expect(token.rebalance()).to.be.revertedWithCustomError(token, "LeveragedTokenRebalanceNotDue");
      expect(await token.positionSize()).to.equal(size);
    });

    for (const side of ["upper", "lower"] as const) {
      it(`triggers on drift exactly at the ${side} edge of the band`, async () => {
        const system = await loadFixture(plain);
        const { token } = system;
        const [lower, upper] = await token.leverageBand();
        const edge = side === "upper" ? upper : lower;
        // l(x) = L x / (1 + L (x - 1)) for x = price / entry; the edge is x = λ (1 - L) / (L (1 - λ)), λ signed.
        const lambda = long ? edge : -edge;
        const num = lambda * (WAD - L);
        const den = (L * (WAD - lambda)) / WAD;
        const formulaPrice = (P0 * num) / den / WAD;
        // Equity is counted in whole 1e-6 USDC, so the edge is sharp only to a few thousand 1e-8 USD price ticks:
        // bisect for the last tick inside the band within 1e-3 USD of the formula's edge.
        const inside = async (p: bigint) => {
          const l = (await leverageAt(token, system, p)).leverage;
          const abs = l < 0n ? -l : l;
          return abs >= lower && abs <= upper;
        };
        const outward = (side === "upper") === long ? -1n : 1n; // a long's leverage rises as its price falls
        let inPrice = formulaPrice - outward * 100_000n;
        let outPrice = formulaPrice + outward * 100_000n;
        expect(await inside(inPrice)).to.equal(true);
        expect(await inside(outPrice)).to.equal(false);
        while ((outPrice - inPrice) * outward > 1n) {
          const mid = (inPrice + outPrice) / 2n;
          if (await inside(mid)) inPrice = mid;
          else outPrice = mid;
        }
        const price = inPrice;
        let state;
        state = await leverageAt(token, system, price);
        expect(state.action).to.equal(NONE);
        await expect(token.rebalance()).to.be.revertedWithCustomError(token, "LeveragedTokenRebalanceNotDue");
        state = await leverageAt(token, system, price + outward);
        expect(state.action).to.equal(DRIFT);
        // No keeper reward (rebalanceFor the zero address), so that the trade alone is measured: test/token/reward.test.ts
        await expect(token.rebalanceFor(ethers.ZeroAddress)).to.emit(token, "Rebalanced");
        expect(await token.currentLeverage()).to.be.closeTo(L, leverageTolerance(await token.equity()));
        expect(await token.rebalanceAction()).to.equal(NONE);
      });
    }

    it("brings leverage back to L after a gap, at the equity the gap left", async () => {
      const { token, btcFeed } = await loadFixture(plain);
      await btcFeed.updateAnswer(favourable(-30n)); // 30% against
      const equity = await token.equity();
      expect(equity).to.equal(usdc(1_000) - (usdc(300) * absL) / WAD);
      expect(await token.rebalanceAction()).to.equal(DRIFT);
      await token.rebalanceFor(ethers.ZeroAddress); // the trade alone: no keeper reward
      expect(await token.currentLeverage()).to.be.closeTo(L, leverageTolerance(equity));
      // without fees the trade costs at most the exchange's rounding: 1e-6 USDC, in the fund's favour
      const after = await token.equity();
      expect(after).to.be.lessThanOrEqual(equity);
      expect(after).to.be.greaterThanOrEqual(equity - 1n);
    });
  });

  describe("pause", () => {
    it("stops minting and never redeeming; only the pauser may pause", async () => {
      const { token, alice, bob } = await loadFixture(plain);
      await expect(token.connect(bob).pause())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(bob.address, await token.PAUSER_ROLE());
      await token.pause();
      await expect(token.connect(bob).mint(usdc(100), 0, bob.address)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await expect(token.connect(alice).redeem(wad(1), 0, alice.address)).to.emit(token, "Redeemed");
      await token.unpause();
      await expect(token.connect(bob).mint(usdc(100), 0, bob.address)).to.emit(token, "Minted");
    });
  });

  describe("ERC-4626's limits: maxMint -> previewMint -> mint, maxRedeem -> previewRedeem -> redeem", () => {
    it("maxMint is the cap's headroom grossed up for the mint fee, and a mint of exactly it goes through", async () => {
      const { token, admin, bob } = await loadFixture(withTakerFee);
      await token.connect(admin).setEquityCap((await token.equity()) + usdc(500));
      const max = await token.maxMint(bob.address);
      expect(max).to.equal(grossForNet(await token.capHeadroom(), 30n));
      const shares = await token.previewMint(max);
      await expect(token.connect(bob).mint(max, shares, bob.address)).to.emit(token, "Minted");
      expect(await token.balanceOf(bob.address)).to.equal(shares);
      // What is left is what the mint's taker fee (10 bps of at most 3 x 500 USDC) took of its deposit.
      expect(await token.capHeadroom()).to.be.lessThan(usdc("1.6"));
      expect(await token.maxMint(bob.address)).to.equal(grossForNet(await token.capHeadroom(), 30n));
    });

    it("maxRedeem is the owner's balance, paused or not, and redeeming it pays previewRedeem", async () => {
      const { token, alice, carol } = await loadFixture(withTakerFee);
      await token.pause();
      expect(await token.maxMint(alice.address)).to.equal(0n);
      const max = await token.maxRedeem(alice.address);
      expect([max, await token.maxRedeem(carol.address)]).to.deep.equal([await token.balanceOf(alice.address), 0n]);
      const out = await token.previewRedeem(max);
      await expect(token.connect(alice).redeem(max, out, alice.address))
        .to.emit(token, "Redeemed")
        .withArgs(alice.address, alice.address, max, out, anyValue);
    });
  });

  describe("ERC-20 and permit", () => {
    it("transfers, and approves by an EIP-2612 signature", async () => {
      const { token, alice, bob, carol } = await loadFixture(plain);
      await expect(token.connect(alice).transfer(bob.address, wad(1))).to.changeTokenBalances(
        token,
        [alice, bob],
        [-wad(1), wad(1)],
      );
      const deadline = BigInt((await time.latest()) + 3600);
      const { v, r, s } = await signPermit(alice, token, carol.address, wad(2), deadline);
      await token.connect(bob).permit(alice.address, carol.address, wad(2), deadline, v, r, s);
      expect(await token.allowance(alice.address, carol.address)).to.equal(wad(2));
      expect(await token.nonces(alice.address)).to.equal(1n);
      await token.connect(carol).transferFrom(alice.address, carol.address, wad(2));
      expect(await token.balanceOf(carol.address)).to.equal(wad(2));
      await expect(
        token.connect(bob).permit(alice.address, carol.address, wad(2), deadline, v, r, s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });
  });
}
