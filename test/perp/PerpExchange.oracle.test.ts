import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { marketConfig } from "../helpers/system";
import {
  accountFigures,
  deployPerpWithMockFeed,
  expectPerpBooks,
  FRESH,
  INVALID,
  openPosition,
  STALE,
  type MockMarketSystem,
} from "../helpers/perp";
import type { PerpExchange } from "../../typechain-types";
import { feedPrice, usdc, wad } from "../helpers/units";

const MAX_AGE = 3600;
const ETH = 1n;

async function mockFeedFixture() {
  return deployPerpWithMockFeed();
}

/** alice: 1,000 USDC and 0.5 ETH long at 3,000 on the MockV3Aggregator market. */
async function aliceLongEth(s: MockMarketSystem) {
  await openPosition(s, s.alice, usdc(1000), wad("0.5"), ETH);
}

/** Every state change and checked view that reads the price, for an account holding a position. */
async function expectEveryPriceReadToRevert(
  s: MockMarketSystem,
  error: "PerpInvalidPrice" | "PerpStalePrice",
  args: (now: number) => unknown[],
) {
  const { exchange, alice, keeper } = s;
  const stateChanges = [
    () => exchange.connect(alice).trade(ETH, wad("0.1")),
    () => exchange.connect(alice).trade(ETH, -wad("0.5")),
    () => exchange.connect(alice).withdraw(ETH, 1, alice.address),
    () => exchange.connect(keeper).liquidate(alice.address, ETH),
    () => exchange.connect(alice).settleFunding(ETH),
  ];
  for (const action of stateChanges) {
    const now = (await time.latest()) + 5;
    await time.setNextBlockTimestamp(now);
    await expect(action())
      .to.be.revertedWithCustomError(exchange, error)
      .withArgs(...args(now));
  }
  const now = await time.latest();
  await expect(exchange.markPrice(ETH))
    .to.be.revertedWithCustomError(exchange, error)
    .withArgs(...args(now));
  await expect(exchange.previewTrade(alice.address, ETH, 0, 0))
    .to.be.revertedWithCustomError(exchange, error)
    .withArgs(...args(now));
  await expect(exchange.previewTrade(alice.address, ETH, usdc(1), wad("0.1")))
    .to.be.revertedWithCustomError(exchange, error)
    .withArgs(...args(now));
}

describe("PerpExchange: prices", () => {
  describe("zero and negative answers", () => {
    for (const answer of [0n, -1n, -feedPrice(3_000)]) {
      it(`an answer of ${answer} is rejected with PerpInvalidPrice by every price read`, async () => {
        const s = await loadFixture(mockFeedFixture);
        await aliceLongEth(s);
        await s.ethFeed.updateAnswer(answer);
        await expectEveryPriceReadToRevert(s, "PerpInvalidPrice", () => [ETH, answer]);
        // and no market can be created on it
        await expect(s.exchange.createMarket("SOL", marketConfig(await s.ethFeed.getAddress())))
          .to.be.revertedWithCustomError(s.exchange, "PerpInvalidPrice")
          .withArgs(2n, answer);
      });
    }

    it("answers too large for the exchange are rejected with PerpInvalidPrice", async () => {
      const s = await loadFixture(mockFeedFixture);
      // too large as an answer, and too large once scaled from 8 decimals to 18
      for (const answer of [2n ** 112n, (2n ** 112n - 1n) / 10n ** 10n + 1n]) {
        await s.ethFeed.updateAnswer(answer);
        await expect(s.exchange.markPrice(ETH))
          .to.be.revertedWithCustomError(s.exchange, "PerpInvalidPrice")
          .withArgs(ETH, answer);
      }
      const largest = (2n ** 112n - 1n) / 10n ** 10n;
      await s.ethFeed.updateAnswer(largest);
      expect(await s.exchange.markPrice(ETH)).to.equal(largest * 10n ** 10n);
    });
  });

  describe("stale answers", () => {
    it("an old updatedAt (MockV3Aggregator.updateRoundData) is rejected with PerpStalePrice by every price read", async () => {
      const s = await loadFixture(mockFeedFixture);
      await aliceLongEth(s);
      const updatedAt = (await time.latest()) - MAX_AGE - 1;
      await s.ethFeed.updateRoundData(7, feedPrice(2_900), updatedAt, updatedAt);
      await expectEveryPriceReadToRevert(s, "PerpStalePrice", (now) => [ETH, updatedAt, MAX_AGE, now]);
      const now = (await time.latest()) + 3;
      await time.setNextBlockTimestamp(now);
      await expect(s.exchange.createMarket("SOL", marketConfig(await s.ethFeed.getAddress())))
        .to.be.revertedWithCustomError(s.exchange, "PerpStalePrice")
        .withArgs(2n, updatedAt, MAX_AGE, now);
      // a fresh round makes everything work again
      await s.ethFeed.updateAnswer(feedPrice(2_900));
      await s.exchange.connect(s.alice).trade(ETH, -wad("0.5"));
      expect((await s.exchange.accountState(s.alice.address, ETH)).margin).to.equal(usdc(950));
      await expectPerpBooks(s);
    });

    it("a settable feed goes stale maxPriceAge seconds after its last push: fresh at the edge, stale one second later", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, btcFeed, alice, bob, keeper } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      await openPosition(s, bob, usdc(1000), wad("0.01"));
      await btcFeed.updateAnswer(feedPrice(50_000));
      const pushedAt = await time.latest();

      await time.increaseTo(pushedAt + MAX_AGE - 1);
      expect((await exchange.accountState(bob.address, 0)).priceStatus).to.equal(0n);
      await time.setNextBlockTimestamp(pushedAt + MAX_AGE);
      await exchange.connect(alice).trade(0, wad("0.01")); // exactly maxPriceAge old: accepted
      expect((await exchange.accountState(bob.address, 0)).priceStatus).to.equal(0n);

      await time.setNextBlockTimestamp(pushedAt + MAX_AGE + 1);
      await expect(exchange.connect(alice).trade(0, wad("0.01")))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, pushedAt, MAX_AGE, pushedAt + MAX_AGE + 1);
      await time.increase(1);
      const now = await time.latest();
      expect(now).to.be.greaterThan(pushedAt + MAX_AGE);
      await expect(exchange.markPrice(0))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, pushedAt, MAX_AGE, now);
      await expect(exchange.previewTrade(bob.address, 0, 0, wad("0.01")))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, pushedAt, MAX_AGE, now);
      await time.setNextBlockTimestamp(now + 10);
      await expect(exchange.connect(keeper).liquidate(bob.address, 0))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, pushedAt, MAX_AGE, now + 10);
      await time.setNextBlockTimestamp(now + 20);
      await expect(exchange.connect(bob).withdraw(0, 1, bob.address))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, pushedAt, MAX_AGE, now + 20);
      // accountState values at the (old but positive) feed price and says it is stale
      const snapshot = await exchange.accountState(bob.address, 0);
      expect([snapshot.value, snapshot.size, snapshot.price, snapshot.priceStatus]).to.deep.equal([
        usdc(1000),
        wad("0.01"),
        wad(50_000),
        STALE,
      ]);
      // a new push makes the market usable again
      await btcFeed.updateAnswer(feedPrice(50_000));
      await exchange.connect(bob).withdraw(0, 1, bob.address);
      await expectPerpBooks(s);
    });

    it("margin without a position can be deposited and withdrawn whatever the feed says", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await ethFeed.updateAnswer(0);
      await openPosition(s, alice, usdc(1000), 0n, ETH);
      await exchange.connect(alice).withdraw(ETH, usdc(400), alice.address);
      await exchange.connect(alice).settleFunding(ETH);
      const updatedAt = (await time.latest()) - 10 * MAX_AGE;
      await ethFeed.updateRoundData(9, feedPrice(3_000), updatedAt, updatedAt);
      await exchange.connect(alice).withdraw(ETH, usdc(600), alice.address);
      expect((await exchange.accountState(alice.address, ETH)).margin).to.equal(0n);
      await expectPerpBooks(s);
    });
  });

  describe("views with a broken feed", () => {
    /** The views that need a FRESH price, as a state change does, for `account` in market `id`. */
    const valuingViews = (exchange: PerpExchange, account: string, id: bigint) => [
      () => exchange.markPrice(id),
      () => exchange.previewTrade(account, id, 0, 0),
    ];

    it("with a zero or negative feed, the price views revert as a trade would; accountState shows the last accepted price as INVALID", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice, bob } = s;
      await aliceLongEth(s);
      await openPosition(s, bob, usdc(1000), 0n, ETH); // margin, no position
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(3_000));
      // the feed moves without any state change, then breaks
      await ethFeed.updateAnswer(feedPrice(2_800));
      expect((await exchange.accountState(alice.address, ETH)).value).to.equal(usdc(900));
      for (const answer of [0n, -5n]) {
        await ethFeed.updateAnswer(answer);
        // no view prices a trade at 3,000, the price of the market's creation: each refuses, with the feed's
        // answer, exactly as a trade would
        for (const view of valuingViews(exchange, alice.address, ETH)) {
          await expect(view()).to.be.revertedWithCustomError(exchange, "PerpInvalidPrice").withArgs(ETH, answer);
        }
        await expect(exchange.trade(ETH, wad("0.1")))
          .to.be.revertedWithCustomError(exchange, "PerpInvalidPrice")
          .withArgs(ETH, answer);
        // liquidate would revert: not liquidatable now; the price-free views still answer
        expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
        expect((await accountFigures(exchange, alice.address, ETH)).entryPrice).to.equal(wad(3_000));
        expect((await exchange.accountState(alice.address, ETH)).margin).to.equal(usdc(1000));
        // an account without a position is valued without a price
        expect((await exchange.accountState(bob.address, ETH)).value).to.equal(usdc(1000));
        expect((await accountFigures(exchange, bob.address, ETH)).maintenanceMargin).to.equal(0n);
        // accountState never reverts: the value at the last accepted price, flagged INVALID
        const snapshot = await exchange.accountState(alice.address, ETH);
        expect([snapshot.value, snapshot.size, snapshot.price, snapshot.priceStatus]).to.deep.equal([
          usdc(1000),
          wad("0.5"),
          wad(3_000),
          INVALID,
        ]);
        expect((await exchange.accountState(alice.address, ETH)).priceStatus).to.equal(INVALID);
        const state = await exchange.market(ETH);
        expect([state.symbol, state.lastPrice, state.feedDecimals]).to.deep.equal(["ETH", wad(3_000), 8n]);
      }
    });

    it("under water with a broken feed: accountState says so, nothing is liquidatable until the feed answers", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice, bob, keeper } = s;
      await aliceLongEth(s);
      await ethFeed.updateAnswer(feedPrice(900));
      // a trade does not store the price (it saves a storage write on every trade); a market-admin change does
      await openPosition(s, bob, usdc(1000), wad("0.1"), ETH);
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(3_000));
      const c = (await exchange.market(ETH)).config;
      await exchange.updateMarketConfig(ETH, {
        feed: c.feed,
        maxPriceAge: c.maxPriceAge,
        takerFeeBps: c.takerFeeBps,
        initialMarginBps: c.initialMarginBps,
        maintenanceMarginBps: c.maintenanceMarginBps,
        liquidationPenaltyBps: c.liquidationPenaltyBps,
        fundingRatePerYear: c.fundingRatePerYear,
      });
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(900));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(true);
      await ethFeed.updateAnswer(0);
      // 1,000 + 0.5 x (900 - 3,000) = -50, at the last accepted price, flagged INVALID
      const snapshot = await exchange.accountState(alice.address, ETH);
      expect([snapshot.value, snapshot.priceStatus]).to.deep.equal([-usdc(50), INVALID]);
      await expect(exchange.markPrice(ETH)).to.be.revertedWithCustomError(exchange, "PerpInvalidPrice");
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
      await expect(exchange.connect(keeper).liquidate(alice.address, ETH))
        .to.be.revertedWithCustomError(exchange, "PerpInvalidPrice")
        .withArgs(ETH, 0n);
      await ethFeed.updateAnswer(feedPrice(900));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(true);
      await exchange.connect(keeper).liquidate(alice.address, ETH);
      expect((await exchange.accountState(alice.address, ETH)).margin).to.equal(0n);
      await expectPerpBooks(s);
    });

    it("a feed reporting an absurd updatedAt (near 2^256) breaks neither the views nor the checks", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await aliceLongEth(s);
      const farFuture = 2n ** 256n - 1n;
      await ethFeed.updateRoundData(4, feedPrice(2_800), farFuture, farFuture);
      // a timestamp in the future is not stale (as for any updatedAt >= now - maxPriceAge)
      const snapshot = await exchange.accountState(alice.address, ETH);
      expect([snapshot.value, snapshot.price, snapshot.priceStatus]).to.deep.equal([usdc(900), wad(2_800), FRESH]);
      expect((await exchange.accountState(alice.address, ETH)).value).to.equal(usdc(900));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
      expect(await exchange.markPrice(ETH)).to.equal(wad(2_800));
      await exchange.connect(alice).trade(ETH, -wad("0.5"));
      expect((await exchange.accountState(alice.address, ETH)).margin).to.equal(usdc(900));
      await expectPerpBooks(s);
    });

    it("with a stale feed, the price views revert with its values; accountState values at its old answer, flagged STALE", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await aliceLongEth(s);
      expect((await exchange.accountState(alice.address, ETH)).priceStatus).to.equal(FRESH);
      const updatedAt = (await time.latest()) - MAX_AGE - 1;
      await ethFeed.updateRoundData(3, feedPrice(2_800), updatedAt, updatedAt);
      const now = await time.latest();
      for (const view of valuingViews(exchange, alice.address, ETH)) {
        await expect(view())
          .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
          .withArgs(ETH, updatedAt, MAX_AGE, now);
      }
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
      const snapshot = await exchange.accountState(alice.address, ETH);
      expect([snapshot.value, snapshot.price, snapshot.priceStatus]).to.deep.equal([usdc(900), wad(2_800), STALE]);
      // the last checked price is unchanged
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(3_000));
    });
  });
});
