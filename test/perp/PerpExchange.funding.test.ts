import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { marketConfig } from "../helpers/system";
import { deployPerp, expectPerpBooks, openPosition } from "../helpers/perp";
import { mulDivDown, mulDivUp } from "../../src/model/fixedPoint";
import { accountValue, fundingOwed, toCollateral } from "../helpers/perpMath";
import { DAY, feedPrice, usdc, wad, WAD, YEAR } from "../helpers/units";

/** 10% a year: longs pay shorts. */
const RATE = wad("0.1");
/** Prices stay fresh for years here, so time can jump without pushing prices. */
const LONG_AGE = 10 * 365 * 24 * 3600;
const FUND = usdc(1_000_000);
const P50K = wad(50_000);

async function positiveFundingFixture() {
  return deployPerp({ fundingRatePerYear: RATE, maxPriceAge: LONG_AGE });
}

async function negativeFundingFixture() {
  return deployPerp({ fundingRatePerYear: -RATE, maxPriceAge: LONG_AGE });
}

/** A block timestamp comfortably after the latest one. */
async function soon(): Promise<number> {
  return (await time.latest()) + 100;
}

describe("PerpExchange: funding", () => {
  it("the documented formula: 0.06 BTC at 50,000, 10% a year, 30 days = 24.657534... USDC", () => {
    const owed = fundingOwed(wad("0.06"), P50K, RATE * 30n * DAY);
    expect(owed).to.equal(24_657_534_246_575_342_466n); // rounded up: the payer's side
    expect(fundingOwed(-wad("0.06"), P50K, RATE * 30n * DAY)).to.equal(-24_657_534_246_575_342_465n);
    expect((wad("0.06") * P50K * RATE * 30n * DAY) % (WAD * WAD * YEAR)).to.not.equal(0n);
  });

  /** Alice opens 0.06 BTC long at t0 and Bob 0.06 short a second later, each on 1,000 USDC; returns t0. */
  async function openOpposite(s: Awaited<ReturnType<typeof positiveFundingFixture>>): Promise<number> {
    await openPosition(s, s.alice, usdc(1000), 0n);
    await openPosition(s, s.bob, usdc(1000), 0n);
    const t0 = await soon();
    await time.setNextBlockTimestamp(t0);
    await s.exchange.connect(s.alice).trade(0, wad("0.06"));
    await time.setNextBlockTimestamp(t0 + 1);
    await s.exchange.connect(s.bob).trade(0, -wad("0.06"));
    return t0;
  }

  it("a positive rate: the long pays (rounded up), the short receives (rounded down), the fund keeps the unit", async () => {
    const s = await loadFixture(positiveFundingFixture);
    const { exchange, alice, bob } = s;
    const t0 = await openOpposite(s);
    const cumulativeAtOpen = (await exchange.position(alice.address, 0)).fundingIndex;
    expect((await exchange.position(bob.address, 0)).fundingIndex).to.equal(cumulativeAtOpen + RATE);

    // views accrue without any transaction
    const d = Number(30n * DAY);
    await time.increaseTo(t0 + 10 * 86_400);
    expect((await exchange.market(0)).cumulativeFunding).to.equal(cumulativeAtOpen + RATE * 864_000n);
    const aliceOwed10d = fundingOwed(wad("0.06"), P50K, RATE * 864_000n);
    expect((await exchange.accountState(alice.address, 0)).fundingOwed).to.equal(aliceOwed10d);
    expect((await exchange.accountState(bob.address, 0)).fundingOwed).to.equal(
      fundingOwed(-wad("0.06"), P50K, RATE * 863_999n),
    );
    expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1000) + toCollateral(-aliceOwed10d));
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000));

    // both settle exactly 30 days after opening
    const paid = fundingOwed(wad("0.06"), P50K, RATE * BigInt(d));
    const received = fundingOwed(-wad("0.06"), P50K, RATE * BigInt(d));
    expect(paid).to.equal(-received + 1n);
    await time.setNextBlockTimestamp(t0 + d);
    await expect(exchange.connect(alice).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(alice.address, 0n, 0n, paid, 0n, -usdc("24.657535"), 0n);
    await time.setNextBlockTimestamp(t0 + 1 + d);
    await expect(exchange.connect(bob).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(bob.address, 0n, 0n, received, 0n, usdc("24.657534"), 0n);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) - usdc("24.657535"));
    expect((await exchange.accountState(bob.address, 0)).margin).to.equal(usdc(1000) + usdc("24.657534"));
    expect(await exchange.fundBalance()).to.equal(FUND + 1n);
    expect((await exchange.accountState(bob.address, 0)).fundingOwed).to.equal(0n);
    expect((await exchange.position(bob.address, 0)).fundingIndex).to.equal(cumulativeAtOpen + RATE * BigInt(d + 1));
    await expectPerpBooks(s);
  });

  it("a negative rate: the short pays, the long receives, at the mark price of the settlement", async () => {
    const s = await loadFixture(negativeFundingFixture);
    const { exchange, btcFeed, alice, bob } = s;
    const t0 = await openOpposite(s);
    const d = 45 * 86_400 + 17;
    await time.setNextBlockTimestamp(t0 + d - 1);
    await btcFeed.updateAnswer(feedPrice("61234.5"));
    const price = wad("61234.5");
    const received = fundingOwed(wad("0.06"), price, -RATE * BigInt(d));
    const paid = fundingOwed(-wad("0.06"), price, -RATE * BigInt(d));
    expect(received < 0n && paid > 0n).to.equal(true);
    expect(paid).to.equal(-received + 1n);
    // the view at the block before the settlement, with the same price
    expect((await exchange.accountState(alice.address, 0)).fundingOwed).to.equal(
      fundingOwed(wad("0.06"), price, -RATE * BigInt(d - 1)),
    );

    await time.setNextBlockTimestamp(t0 + d);
    await expect(exchange.connect(alice).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(alice.address, 0n, 0n, received, 0n, toCollateral(-received), 0n);
    await time.setNextBlockTimestamp(t0 + 1 + d);
    await expect(exchange.connect(bob).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(bob.address, 0n, 0n, paid, 0n, toCollateral(-paid), 0n);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) + toCollateral(-received));
    expect((await exchange.accountState(bob.address, 0)).margin).to.equal(usdc(1000) + toCollateral(-paid));
    // the long's gain is rounded down and the short's payment up: the fund keeps the difference
    expect(toCollateral(-received) + toCollateral(-paid)).to.equal(-1n);
    expect(await exchange.fundBalance()).to.equal(FUND + 1n);
    await expectPerpBooks(s);
  });

  it("is settled on every position change and withdrawal, with the size and price of the moment", async () => {
    const s = await loadFixture(positiveFundingFixture);
    const { exchange, btcFeed, alice } = s;
    await openPosition(s, alice, usdc(10_000), 0n);
    let margin = usdc(10_000);
    const t0 = await soon();
    await time.setNextBlockTimestamp(t0);
    await exchange.connect(alice).trade(0, wad("0.06"));

    // +10 days: increase by 0.04 at 50,000; funding on 0.06
    const t1 = t0 + 10 * 86_400;
    const f1 = fundingOwed(wad("0.06"), P50K, RATE * BigInt(t1 - t0));
    await time.setNextBlockTimestamp(t1);
    await expect(exchange.connect(alice).trade(0, wad("0.04")))
      .to.emit(exchange, "Traded")
      .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [0n, f1, 0n, toCollateral(-f1), 0n]);
    margin += toCollateral(-f1);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(margin);
    expect((await exchange.position(alice.address, 0)).fundingIndex).to.equal(
      (await exchange.market(0)).cumulativeFunding,
    );

    // +7 days at 55,000: reduce by 0.05; funding on 0.1 at 55,000 and half the PnL realized
    const t2 = t1 + 7 * 86_400;
    await time.setNextBlockTimestamp(t2 - 1);
    await btcFeed.updateAnswer(feedPrice(55_000));
    const p55 = wad(55_000);
    const f2 = fundingOwed(wad("0.1"), p55, RATE * BigInt(t2 - t1));
    /** Alice sells 0.05 at 55,000: `funding` settled and 250 USD of PnL realized into her margin. */
    const sellSettling = async (funding: bigint) => {
      const settled = toCollateral(wad(250) - funding);
      await expect(exchange.connect(alice).trade(0, -wad("0.05")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [wad(250), funding, 0n, settled, 0n]);
      margin += settled;
    };
    await time.setNextBlockTimestamp(t2);
    await sellSettling(f2);

    // +3 days: a withdrawal settles funding on 0.05 first
    const t3 = t2 + 3 * 86_400;
    const f3 = fundingOwed(wad("0.05"), p55, RATE * BigInt(t3 - t2));
    await time.setNextBlockTimestamp(t3);
    const withdrawal = exchange.connect(alice).withdraw(0, usdc(1), alice.address);
    await expect(withdrawal)
      .to.emit(exchange, "AccountSettled")
      .withArgs(alice.address, 0n, 0n, f3, 0n, toCollateral(-f3), 0n);
    await expect(withdrawal).to.emit(exchange, "MarginWithdrawn").withArgs(alice.address, 0n, alice.address, usdc(1));
    margin += toCollateral(-f3) - usdc(1);

    // +1 day: close
    const t4 = t3 + 86_400;
    const f4 = fundingOwed(wad("0.05"), p55, RATE * BigInt(t4 - t3));
    await time.setNextBlockTimestamp(t4);
    await sellSettling(f4);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(margin);

    // without a position, time passing costs nothing
    await time.increase(30 * 86_400);
    expect((await exchange.accountState(alice.address, 0)).fundingOwed).to.equal(0n);
    await expect(exchange.connect(alice).settleFunding(0)).not.to.emit(exchange, "AccountSettled");
    await expect(exchange.connect(alice).withdraw(0, usdc(1), alice.address)).not.to.emit(exchange, "AccountSettled");
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(margin - usdc(1));
    expect(await exchange.fundBalance()).to.equal(FUND + usdc(10_000) - margin - usdc(1));
    await expectPerpBooks(s);
  });

  it("an account that opens late pays only from its opening, not for the time its margin sat idle", async () => {
    const s = await loadFixture(positiveFundingFixture);
    const { exchange, carol } = s;
    await openPosition(s, carol, usdc(1000), 0n);
    await time.increase(20 * 86_400);
    const t0 = await soon();
    await time.setNextBlockTimestamp(t0);
    await exchange.connect(carol).trade(0, wad("0.02"));
    expect((await exchange.accountState(carol.address, 0)).margin).to.equal(usdc(1000));
    await time.setNextBlockTimestamp(t0 + 86_400);
    await exchange.connect(carol).settleFunding(0);
    expect((await exchange.accountState(carol.address, 0)).margin).to.equal(
      usdc(1000) + toCollateral(-fundingOwed(wad("0.02"), P50K, RATE * DAY)),
    );
  });

  it("updateMarketConfig accrues funding at the old rate before the new one applies", async () => {
    const s = await loadFixture(positiveFundingFixture);
    const { exchange, btcFeed, alice } = s;
    await openPosition(s, alice, usdc(1000), 0n);
    const t0 = await soon();
    await time.setNextBlockTimestamp(t0);
    await exchange.connect(alice).trade(0, wad("0.06"));
    const indexAtOpen = (await exchange.position(alice.address, 0)).fundingIndex;

    const t1 = t0 + 10 * 86_400;
    const newRate = wad("0.3");
    const config = marketConfig(await btcFeed.getAddress(), { fundingRatePerYear: newRate, maxPriceAge: LONG_AGE });
    await time.setNextBlockTimestamp(t1);
    await expect(exchange.updateMarketConfig(0, config)).to.emit(exchange, "MarketConfigUpdated");
    const state = await exchange.market(0);
    expect(state.lastFundingUpdate).to.equal(BigInt(t1));
    expect(state.cumulativeFunding).to.equal(indexAtOpen + RATE * BigInt(t1 - t0));
    expect(state.config.fundingRatePerYear).to.equal(newRate);

    const t2 = t1 + 5 * 86_400;
    const expected = fundingOwed(wad("0.06"), P50K, RATE * BigInt(t1 - t0) + newRate * BigInt(t2 - t1));
    const naive = fundingOwed(wad("0.06"), P50K, newRate * BigInt(t2 - t0));
    expect(expected).to.not.equal(naive);
    await time.setNextBlockTimestamp(t2);
    await expect(exchange.connect(alice).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(alice.address, 0n, 0n, expected, 0n, toCollateral(-expected), 0n);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) + toCollateral(-expected));

    // a switch to a negative rate turns the long into a receiver from then on
    const t3 = t2 + 100;
    await time.setNextBlockTimestamp(t3);
    await exchange.updateMarketConfig(0, { ...config, fundingRatePerYear: -newRate });
    await time.increaseTo(t3 + 86_400);
    expect((await exchange.accountState(alice.address, 0)).fundingOwed).to.equal(
      fundingOwed(wad("0.06"), P50K, newRate * 100n - newRate * DAY),
    );
    expect((await exchange.accountState(alice.address, 0)).fundingOwed).to.be.lessThan(0n);
    await expectPerpBooks(s);
  });

  it("funding beyond the margin is charged to the position, never forgiven; the fund books bad debt only at the close", async () => {
    const s = await loadFixture(positiveFundingFixture);
    const { exchange, btcFeed, alice, bob } = s;
    const maxRate = await exchange.MAX_FUNDING_RATE_PER_YEAR();
    await exchange.updateMarketConfig(
      0,
      marketConfig(await btcFeed.getAddress(), { fundingRatePerYear: maxRate, maxPriceAge: LONG_AGE }),
    );
    await openPosition(s, alice, usdc(1000), 0n);
    const t0 = await soon();
    await time.setNextBlockTimestamp(t0);
    await exchange.connect(alice).trade(0, wad("0.4"));
    const openNotional = mulDivUp(wad("0.4"), P50K, WAD);
    const d = 30n * DAY;
    await time.increaseTo(t0 + Number(d) - 1);
    const owedNow = fundingOwed(wad("0.4"), P50K, maxRate * (d - 1n));
    // 20,000 x 1000% x 30 / 365 = 16,438 USDC: deep under water, and the views say so without reverting
    expect((await exchange.accountState(alice.address, 0)).value).to.equal(
      accountValue(usdc(1000), wad("0.4"), openNotional, P50K, owedNow),
    );
    expect((await exchange.accountState(alice.address, 0)).value).to.be.lessThan(-usdc(15_000));
    expect(await exchange.isLiquidatable(alice.address, 0)).to.equal(true);

    // Settling takes the whole margin and charges the rest to the position's cost basis: no bad debt yet, and the
    // account's value is exactly what it was (under water by the same amount).
    const owed = fundingOwed(wad("0.4"), P50K, maxRate * d);
    const shortfall = toCollateral(-owed) * -1n - usdc(1000);
    const valueBefore = accountValue(usdc(1000), wad("0.4"), openNotional, P50K, owed);
    const fundBefore = await exchange.fundBalance();
    await time.setNextBlockTimestamp(t0 + Number(d));
    await expect(exchange.connect(alice).settleFunding(0))
      .to.emit(exchange, "AccountSettled")
      .withArgs(alice.address, 0n, 0n, owed, 0n, -usdc(1000), 0n);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(0n);
    expect((await exchange.position(alice.address, 0)).openNotional).to.equal(openNotional + shortfall * 10n ** 12n);
    expect((await exchange.accountState(alice.address, 0)).value).to.equal(valueBefore);
    expect(await exchange.fundBalance()).to.equal(fundBefore + usdc(1000));
    await expectPerpBooks(s);

    // The liquidation closes it: the fund books exactly what the account is missing, its value below 0.
    const charged = openNotional + shortfall * 10n ** 12n;
    const owedThen = fundingOwed(wad("0.4"), P50K, maxRate);
    const missing = -accountValue(0n, wad("0.4"), charged, P50K, owedThen);
    await time.setNextBlockTimestamp(t0 + Number(d) + 1);
    await expect(exchange.connect(bob).liquidate(alice.address, 0))
      .to.emit(exchange, "Traded")
      .withArgs(alice.address, 0n, -wad("0.4"), P50K, 0n, 0n, [
        mulDivDown(wad("0.4"), P50K, WAD) - charged,
        owedThen,
        0n,
        0n,
        missing,
      ]);
    expect(missing).to.be.greaterThan(-valueBefore);
    expect((await exchange.accountState(alice.address, 0)).value).to.equal(0n);
    await expectPerpBooks(s);
  });

  it("settleFunding rejects an unknown market", async () => {
    const { exchange, alice } = await loadFixture(positiveFundingFixture);
    await expect(exchange.connect(alice).settleFunding(4))
      .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
      .withArgs(4n);
  });
});
