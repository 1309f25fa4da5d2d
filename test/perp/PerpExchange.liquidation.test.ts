import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { marketConfig } from "../helpers/system";
import { accountFigures, deployPerp, expectPerpBooks, openPosition, type PerpSystem } from "../helpers/perp";
import { FEED_TO_WAD, mulDivDown, mulDivUp } from "../../src/model/fixedPoint";
import { accountValue, fundingOwed, rawPenalty, requirement, toCollateral } from "../helpers/perpMath";
import { feedPrice, usdc, wad, WAD } from "../helpers/units";

const FUND = usdc(1_000_000);
const MAINTENANCE_BPS = 250n;
const PENALTY_BPS = 100n;
const P50K = wad(50_000);

async function perpFixture() {
  return deployPerp();
}

async function longAgeFixture() {
  return deployPerp({ maxPriceAge: 10 * 365 * 24 * 3600 });
}

/** 1,000 USDC and `size` BTC at 50,000 for alice. */
async function aliceAt50k(s: PerpSystem, size: bigint) {
  await openPosition(s, s.alice, usdc(1000), size);
}

/** What the exchange's formulas say about 1,000 USDC and `size` opened at 50,000, at feed answer `answer`. */
function at(size: bigint, answer: bigint) {
  const price = answer * FEED_TO_WAD;
  const openNotional = mulDivUp(size, P50K, WAD);
  const value = accountValue(usdc(1000), size, openNotional, price);
  const maintenance = requirement(size, price, MAINTENANCE_BPS);
  return { price, value, maintenance, liquidatable: value < maintenance };
}

/** The feed answer at the edge: for a long the highest liquidatable answer, for a short the lowest. */
function thresholdAnswer(size: bigint): bigint {
  // liquidatable at `bad`, not at `good`
  let bad = size > 0n ? 1n : feedPrice(1_000_000);
  let good = feedPrice(50_000);
  while (bad - good > 1n || good - bad > 1n) {
    const mid = (bad + good) / 2n;
    if (at(size, mid).liquidatable) bad = mid;
    else good = mid;
  }
  return bad;
}

/** Everything `liquidate` should do, from the documented formulas (no funding, no fee). */
function expectedLiquidation(size: bigint, answer: bigint) {
  const { price } = at(size, answer);
  const realizedPnl = mulDivDown(size, price, WAD) - mulDivUp(size, P50K, WAD);
  const delta = toCollateral(realizedPnl);
  const marginAfterSettle = usdc(1000) + delta > 0n ? usdc(1000) + delta : 0n;
  const badDebt = usdc(1000) + delta < 0n ? -(usdc(1000) + delta) : 0n;
  const raw = rawPenalty(size, price, PENALTY_BPS);
  const penalty = raw < marginAfterSettle ? raw : marginAfterSettle;
  const reward = penalty / 2n;
  return {
    price,
    realizedPnl,
    marginDelta: badDebt > 0n ? -usdc(1000) : delta,
    badDebt,
    raw,
    penalty,
    reward,
    fundPenalty: penalty - reward,
    marginLeft: marginAfterSettle - penalty,
  };
}

async function expectLiquidation(s: PerpSystem, size: bigint, answer: bigint) {
  const { exchange, usdc: token, keeper } = s;
  const e = expectedLiquidation(size, answer);
  const fundBefore = await exchange.fundBalance();
  expect(await exchange.isLiquidatable(s.alice.address, 0)).to.equal(true);
  const tx = exchange.connect(keeper).liquidate(s.alice.address, 0);
  await expect(tx)
    .to.emit(exchange, "Liquidated")
    .withArgs(s.alice.address, 0n, keeper.address, size, e.price, e.reward, e.fundPenalty);
  await expect(tx)
    .to.emit(exchange, "Traded")
    .withArgs(s.alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [
      e.realizedPnl,
      0n,
      0n,
      e.marginDelta,
      e.badDebt,
    ]);
  await expect(tx).to.emit(exchange, "Traded").withArgs(s.alice.address, 0n, -size, e.price, 0n, 0n, anyValue);
  await expect(tx).to.changeTokenBalances(token, [keeper, exchange], [e.reward, -e.reward]);
  expect((await exchange.accountState(s.alice.address, 0)).margin).to.equal(e.marginLeft);
  expect(await exchange.fundBalance()).to.equal(fundBefore - e.marginDelta + e.fundPenalty);
  const position = await exchange.position(s.alice.address, 0);
  expect([position.size, position.openNotional]).to.deep.equal([0n, 0n]);
  expect(await exchange.isLiquidatable(s.alice.address, 0)).to.equal(false);
  await expectPerpBooks(s);
  return e;
}

describe("PerpExchange: liquidation", () => {
  it("a long: not liquidatable one feed unit above the threshold, liquidatable at it", async () => {
    const s = await loadFixture(perpFixture);
    const { exchange, btcFeed, keeper } = s;
    const size = wad("0.06");
    await aliceAt50k(s, size);
    const threshold = thresholdAnswer(size);
    // 1,000 + 0.06 (P - 50,000) = 0.0015 P  <=>  P = 34,188.034188...; with the value rounded down and the
    // requirement rounded up to the unit, the last liquidatable answer is 34,188.03419999: value 51.282051 against
    // a requirement of 51.282052 (one feed unit higher both are 51.282052)
    expect(threshold).to.equal(3_418_803_419_999n);
    expect([at(size, threshold).value, at(size, threshold).maintenance]).to.deep.equal([51_282_051n, 51_282_052n]);
    expect([at(size, threshold + 1n).value, at(size, threshold + 1n).maintenance]).to.deep.equal([
      51_282_052n,
      51_282_052n,
    ]);

    await btcFeed.updateAnswer(threshold + 1n);
    const above = at(size, threshold + 1n);
    expect(above.liquidatable).to.equal(false);
    expect(await exchange.isLiquidatable(s.alice.address, 0)).to.equal(false);
    expect((await exchange.accountState(s.alice.address, 0)).value).to.equal(above.value);
    expect((await accountFigures(exchange, s.alice.address, 0)).maintenanceMargin).to.equal(above.maintenance);
    await expect(exchange.connect(keeper).liquidate(s.alice.address, 0))
      .to.be.revertedWithCustomError(exchange, "PerpNotLiquidatable")
      .withArgs(s.alice.address, 0n, above.value, above.maintenance);

    await btcFeed.updateAnswer(threshold);
    const e = await expectLiquidation(s, size, threshold);
    // the penalty is 1% of the notional (about 20.51 USDC), split in two
    expect(e.penalty).to.equal(e.raw);
    expect(e.penalty).to.equal(20_512_821n); // rounded up, in the fund's favour
    expect([e.reward, e.fundPenalty]).to.deep.equal([10_256_410n, 10_256_411n]);
    // alice can take what is left
    await exchange.connect(s.alice).withdraw(0, e.marginLeft, s.alice.address);
    await expectPerpBooks(s);
  });

  it("a short: not liquidatable one feed unit below the threshold, liquidatable at it", async () => {
    const s = await loadFixture(perpFixture);
    const { exchange, btcFeed, keeper } = s;
    const size = -wad("0.06");
    await aliceAt50k(s, size);
    const threshold = thresholdAnswer(size);
    // 1,000 - 0.06 (P - 50,000) = 0.0015 P  <=>  P = 65,040.6504...; rounded to the unit as for the long
    expect(threshold).to.equal(6_504_065_040_001n);
    expect(at(size, threshold).value).to.equal(at(size, threshold).maintenance - 1n);

    await btcFeed.updateAnswer(threshold - 1n);
    const below = at(size, threshold - 1n);
    expect(below.liquidatable).to.equal(false);
    await expect(exchange.connect(keeper).liquidate(s.alice.address, 0))
      .to.be.revertedWithCustomError(exchange, "PerpNotLiquidatable")
      .withArgs(s.alice.address, 0n, below.value, below.maintenance);

    await btcFeed.updateAnswer(threshold);
    await expectLiquidation(s, size, threshold);
  });

  it("an odd penalty: the liquidator gets the half rounded down, the fund the rest", async () => {
    const s = await loadFixture(perpFixture);
    const size = wad("0.06");
    await aliceAt50k(s, size);
    await s.btcFeed.updateAnswer(feedPrice("34000.005"));
    const e = await expectLiquidation(s, size, feedPrice("34000.005"));
    // 0.06 x 34,000.005 x 1% = 20.400003
    expect([e.penalty, e.reward, e.fundPenalty]).to.deep.equal([20_400_003n, 10_200_001n, 10_200_002n]);
    // 1,000 - 0.06 x 15,999.995 = 40.0003, less the penalty
    expect(e.marginLeft).to.equal(usdc("40.0003") - 20_400_003n);
  });

  it("the penalty is capped by the margin left after the loss", async () => {
    const s = await loadFixture(perpFixture);
    const size = wad("0.06");
    await aliceAt50k(s, size);
    await s.btcFeed.updateAnswer(feedPrice(33_400));
    const e = await expectLiquidation(s, size, feedPrice(33_400));
    // 4 USDC left against a 20.04 USDC penalty
    expect(e.raw).to.equal(usdc("20.04"));
    expect([e.penalty, e.reward, e.fundPenalty, e.marginLeft]).to.deep.equal([usdc(4), usdc(2), usdc(2), 0n]);
  });

  it("bad debt: a gap below zero takes the margin to 0, the fund absorbs the rest, no penalty", async () => {
    const s = await loadFixture(perpFixture);
    const { exchange, btcFeed } = s;
    const size = wad("0.06");
    await aliceAt50k(s, size);
    await btcFeed.updateAnswer(feedPrice(30_000));
    // under water: the views say so without reverting
    expect((await exchange.accountState(s.alice.address, 0)).value).to.equal(-usdc(200));
    expect((await exchange.accountState(s.alice.address, 0)).value).to.equal(-usdc(200));
    const e = await expectLiquidation(s, size, feedPrice(30_000));
    expect([e.realizedPnl, e.marginDelta, e.badDebt]).to.deep.equal([-wad(1200), -usdc(1000), usdc(200)]);
    expect([e.penalty, e.reward, e.fundPenalty, e.marginLeft]).to.deep.equal([0n, 0n, 0n, 0n]);
    // the fund took the whole margin and nothing more
    expect(await exchange.fundBalance()).to.equal(FUND + usdc(1000));
  });

  it("funding owed can make an account liquidatable; it is settled at the liquidation", async () => {
    const s = await loadFixture(longAgeFixture);
    const { exchange, btcFeed, keeper } = s;
    const maxRate = await exchange.MAX_FUNDING_RATE_PER_YEAR();
    await exchange.updateMarketConfig(
      0,
      marketConfig(await btcFeed.getAddress(), { fundingRatePerYear: maxRate, maxPriceAge: 10 * 365 * 24 * 3600 }),
    );
    const size = wad("0.06");
    await openPosition(s, s.alice, usdc(1000), 0n);
    const t0 = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t0);
    await exchange.connect(s.alice).trade(0, size);
    await time.increaseTo(t0 + 86_400);
    expect(await exchange.isLiquidatable(s.alice.address, 0)).to.equal(false);

    const d = 12n * 86_400n;
    const owed = fundingOwed(size, P50K, maxRate * d);
    const marginAfterSettle = usdc(1000) + toCollateral(-owed);
    // 3,000 x 1000% x 12 / 365 = 986.30 owed: 13.69 left against a maintenance of 75
    expect(marginAfterSettle).to.equal(13_698_630n);
    const penalty = marginAfterSettle; // the 30 USDC penalty is capped
    await time.setNextBlockTimestamp(t0 + Number(d));
    const tx = exchange.connect(keeper).liquidate(s.alice.address, 0);
    await expect(tx)
      .to.emit(exchange, "Traded")
      .withArgs(s.alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [0n, owed, 0n, toCollateral(-owed), 0n]);
    await expect(tx)
      .to.emit(exchange, "Liquidated")
      .withArgs(s.alice.address, 0n, keeper.address, size, P50K, penalty / 2n, penalty - penalty / 2n);
    expect((await exchange.accountState(s.alice.address, 0)).margin).to.equal(0n);
    await expectPerpBooks(s);
  });

  it("an account without a position, or a healthy one, cannot be liquidated", async () => {
    const s = await loadFixture(perpFixture);
    const { exchange, keeper, alice, bob } = s;
    await openPosition(s, bob, usdc(500), 0n);
    expect(await exchange.isLiquidatable(bob.address, 0)).to.equal(false);
    await expect(exchange.connect(keeper).liquidate(bob.address, 0))
      .to.be.revertedWithCustomError(exchange, "PerpNotLiquidatable")
      .withArgs(bob.address, 0n, usdc(500), 0n);
    await aliceAt50k(s, wad("0.06"));
    await expect(exchange.connect(keeper).liquidate(alice.address, 0))
      .to.be.revertedWithCustomError(exchange, "PerpNotLiquidatable")
      .withArgs(alice.address, 0n, usdc(1000), usdc(75));
    await expect(exchange.connect(keeper).liquidate(alice.address, 2))
      .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
      .withArgs(2n);
  });
});
