import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { LeveragedToken } from "../../typechain-types";
import { MirroredMarket, mined } from "../helpers/mirrored";
import { deploySystem, fund } from "../helpers/system";
import { DAY, feedPrice, usdc, wad } from "../helpers/units";

/**
 * The independent review of 73f15f8 drove the exchange and a token through what a long-lived deployment meets: a
 * long rally with funding paid every day. Its findings 1-3, reproduced with the review's numbers, each checked
 * against the exact models (src/model) to the wei at every step.
 */

/** The testnet deployments' settings (deployments/specs/sepolia.json): fees on, funding 10% (or more) a year. */
async function testnetSystem(fundingRatePerYear: bigint, equityCap?: bigint) {
  return deploySystem(
    { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365"), equityCap },
    { takerFeeBps: 5, fundingRatePerYear, maxPriceAge: 90_000 },
  );
}

describe("attack: months of funding in a rally (review of 73f15f8, findings 1-3)", () => {
  describe("1. nothing owed is forgiven while the account is solvent", () => {
    async function profitableLong() {
      const s = await testnetSystem(wad("0.1"));
      const [, bob, stranger] = await ethers.getSigners();
      await s.usdc.mint(bob.address, usdc(100_000));
      await s.usdc.connect(bob).approve(await s.exchange.getAddress(), usdc(100_000));
      const m = await MirroredMarket.of(s);
      // A 10x long of 10,000 USDC (2 BTC at 50,000), then BTC +50%.
      await m.traderDeposit(bob, usdc(10_000));
      await m.traderTrade(bob, wad(2));
      await m.push(feedPrice(75_000));
      return { s, m, bob, stranger };
    }

    it("a 10x long in profit that withdrew its margin pays every funding settlement in full for a year", async () => {
      const { s, m: shared, bob } = await loadFixture(profitableLong);
      const m = shared.clone();
      // Its settled margin out: what is left is unrealized profit.
      await m.traderWithdraw(bob, (await s.exchange.accountState(bob.address, 0)).margin - 1n);
      const fundBefore = await s.exchange.fundBalance();
      let owedTotal = 0n;
      for (let month = 1; month <= 12; month++) {
        await time.increase(30 * 86_400);
        await m.push(feedPrice(75_000));
        const owed = (await s.exchange.accountState(bob.address, 0)).fundingOwed;
        const valueBefore = (await s.exchange.accountState(bob.address, 0)).value;
        await m.settleFunding(bob);
        owedTotal += owed;
        // Settling moves nothing: the value was net of the funding owed already (1 s of funding more accrued).
        const valueAfter = (await s.exchange.accountState(bob.address, 0)).value;
        expect(valueBefore - valueAfter, `month ${month}: settling changed the value`).to.be.within(0n, usdc(1));
        await m.expectBooks(`month ${month}`);
      }
      // 150,000 x 10% x 360 / 365 = 14,795 USDC owed; none of it was forgiven: the margin was 0 and the fund took the
      // rest as a claim on the position.
      expect(owedTotal).to.be.within(wad(14_790), wad(14_800));
      expect(
        await s.exchange.fundBalance(),
        "the fund took the margin left, and holds the rest as a claim",
      ).to.be.within(fundBefore, fundBefore + 2n);
      // Closing realizes it: what the fund pays out is the profit less every funding payment.
      const fundBeforeClose = await s.exchange.fundBalance();
      await m.traderTrade(bob, -wad(2));
      const paidOut = fundBeforeClose - (await s.exchange.fundBalance());
      const profit = usdc(50_000) - usdc(75); // +50% on 2 BTC, less the 5 bps taker fee of the close (75 USDC)
      expect(paidOut).to.be.within(profit - owedTotal / 10n ** 12n - usdc(1), profit - owedTotal / 10n ** 12n);
      await m.expectBooks("closed");
    });

    it("a stranger settling funding for itself, time after time, changes no one's value", async () => {
      const { s, m: shared, bob, stranger } = await loadFixture(profitableLong);
      const m = shared.clone();
      await s.usdc.mint(stranger.address, usdc(1_000));
      await s.usdc.connect(stranger).approve(await s.exchange.getAddress(), usdc(1_000));
      await m.traderDeposit(stranger, usdc(1_000));
      await m.traderTrade(stranger, -wad("0.01"));
      for (let week = 1; week <= 8; week++) {
        await time.increase(7 * 86_400);
        await m.push(feedPrice(75_000 + 1_000 * week));
        await m.settleFunding(stranger);
        await m.settleFunding(bob);
        await m.expectBooks(`week ${week}`);
      }
    });
  });

  describe("2. a rally empties a long token's settled margin; redeemers are still paid their share", () => {
    const rally10 = () => rally(wad("0.1"));
    const rally50 = () => rally(wad("0.5"));

    async function rally(fundingRatePerYear: bigint) {
      const s = await testnetSystem(fundingRatePerYear);
      const [admin, alice, bob, carol, keeper] = await ethers.getSigners();
      const m = await MirroredMarket.of(s);
      const token = await m.addToken(wad(3));
      for (const who of [alice, bob, carol]) await fund(s, who, await token.getAddress(), usdc(100_000));
      await m.mint(token, alice, usdc(9_000));
      await m.mint(token, bob, usdc(20));
      await m.mint(token, carol, usdc(20));
      return { s, m, token, admin, alice, bob, carol, keeper };
    }

    /** BTC +1% a day, rebalanced daily, until the token's settled margin is gone (or `days` pass). */
    async function rallyUntilMarginGone(
      m: MirroredMarket,
      token: LeveragedToken,
      keeper: Awaited<ReturnType<typeof ethers.getSigners>>[number],
      days: number,
    ): Promise<number> {
      let answer = feedPrice(50_000);
      for (let day = 1; day <= days; day++) {
        await time.increase(DAY);
        answer = (answer * 101n) / 100n;
        await m.push(answer);
        await m.rebalanceIfDue(token, keeper);
        if ((await m.s.exchange.accountState(await token.getAddress(), 0)).margin === 0n) return day;
      }
      return days;
    }

    for (const [fixture, name] of [
      [rally10, "10%"],
      [rally50, "50%"],
    ] as const) {
      it(`funding ${name} a year, BTC +1% a day: the margin runs out, and each redeem pays its share less the stated fees`, async () => {
        const { s, m: shared, token, bob, carol, keeper } = await loadFixture(fixture);
        const m = shared.clone();
        const day = await rallyUntilMarginGone(m, token, keeper, 200);
        const address = await token.getAddress();
        expect(
          (await s.exchange.accountState(address, 0)).margin,
          `the settled margin is gone after ${day} days`,
        ).to.equal(0n);
        const value = (await s.exchange.accountState(address, 0)).value;
        expect(value, "while the token is worth far more than the 9,040 USDC minted").to.be.greaterThan(usdc(45_000));

        // A redeem the day after a funding period: bob's shares, at NAV, and what it is paid (the model's, to the wei).
        await time.increase(DAY / 2n);
        await m.push((await s.btcFeed.latestRoundData())[1]);
        await m.expectBooks("before bob's redeem");
        const { paid, fee, worth, leverage } = await m.redeem(token, bob, await token.balanceOf(bob.address));
        // Its share, less the redeem fee and the taker fee of its own trade (5 bps of its notional), and rounding.
        const takerFee = (worth * leverage * 5n) / 10_000n / 10n ** 18n + 1n;
        expect(paid + fee, `bob worth ${worth} at NAV`).to.be.within(worth - takerFee - 2n, worth);
        expect(fee).to.equal((paid + fee + 999n) / 1000n);
        await m.expectBooks("after bob's redeem");

        // A mint and a redeem in one transaction: no profit, margin or no margin (the model's figures, to the wei).
        await m.roundTrip(token, carol, usdc(10));
        await m.roundTrip(token, carol, usdc(5_000));

        // Everyone leaves; each is paid what the model says, and nothing is left unpaid.
        for (const who of [carol, (await ethers.getSigners())[1]]) {
          await m.redeem(token, who, await token.balanceOf(who.address));
        }
        await m.expectBooks("everyone left");
      });
    }
  });

  describe("3. the equity cap limits exposure", () => {
    async function capped() {
      const s = await testnetSystem(0n, usdc(100_000));
      const [admin, alice, bob, attacker, keeper] = await ethers.getSigners();
      const m = await MirroredMarket.of(s);
      const token = await m.addToken(wad(3));
      for (const who of [alice, bob, attacker]) await fund(s, who, await token.getAddress(), usdc(2_000_000));
      for (const who of [alice, attacker])
        await s.usdc.connect(who).approve(await s.exchange.getAddress(), usdc(2_000_000));
      await m.mint(token, attacker, usdc(99_000));
      return { s, m, token, admin, alice, bob, attacker, keeper };
    }

    it("a deposit straight into the token's account is not levered: the position stays at what the cap allows", async () => {
      const { s, m: shared, token, attacker, keeper } = await loadFixture(capped);
      const m = shared.clone();
      const address = await token.getAddress();
      // The review's numbers: cap 100,000 USDC, 99,000 minted, 900,000 deposited, a rebalance.
      await mined(s.exchange.connect(attacker).deposit(0, address, usdc(900_000)));
      m.model(token).deposit(usdc(900_000));
      await time.increase(DAY);
      await m.push(feedPrice(50_000));
      expect(await m.rebalanceIfDue(token, keeper)).to.equal(true);
      const notional = await token.positionNotional();
      // 3 x 100,000 (the cap) at 50,000: 6 BTC, not 3 x 999,000.
      expect(notional).to.be.within(wad(299_000), wad(300_000));
      expect(await token.currentLeverage()).to.be.lessThan(wad("0.31")); // the deposit sits unlevered
      // Above its band the levered part is rebalanced back, however the price moves.
      for (const price of [60_000, 40_000, 70_000]) {
        await m.push(feedPrice(price));
        await m.rebalanceIfDue(token, keeper);
        const [lower, upper] = await token.leverageBand();
        const levered = await token.positionNotional();
        expect(levered).to.be.at.most((usdc(100_000) * 10n ** 12n * upper) / 10n ** 18n);
        expect(levered).to.be.at.least((usdc(100_000) * 10n ** 12n * lower) / 10n ** 18n);
      }
      await m.expectBooks("capped");
    });

    it("a donation closes minting only for as much as the donor gives away; the donor gets back its share", async () => {
      const { s, m: shared, token, alice, bob } = await loadFixture(capped);
      const m = shared.clone();
      const address = await token.getAddress();
      await m.mint(token, alice, usdc(500));
      const headroom = await token.capHeadroom();
      // A stranger (bob) donates D: the headroom falls by D at most, and bob has nothing to show for it.
      const donation = usdc(300);
      await s.usdc.connect(bob).approve(await s.exchange.getAddress(), donation);
      await mined(s.exchange.connect(bob).deposit(0, address, donation));
      m.model(token).deposit(donation);
      expect(headroom - (await token.capHeadroom())).to.be.at.most(donation);
      expect(await token.balanceOf(bob.address)).to.equal(0n);
      // The holders own it pro rata: alice (about 0.5% of the supply) redeems and takes her share of it with her.
      const { worth } = await m.redeem(token, alice, await token.balanceOf(alice.address));
      expect(worth).to.be.greaterThan(usdc(500));
      await m.expectBooks("after the donation");
    });
  });
});
