import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { marketConfig } from "../helpers/system";
import { deployPerpWithMockFeed, expectPerpBooks, openPosition, type MockMarketSystem } from "../helpers/perp";
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
      expect(await s.exchange.margin(s.alice.address, ETH)).to.equal(usdc(950));
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
      expect((await exchange.accountSnapshot(bob.address, 0)).priceIsFresh).to.equal(true);
      await time.setNextBlockTimestamp(pushedAt + MAX_AGE);
      await exchange.connect(alice).trade(0, wad("0.01")); // exactly maxPriceAge old: accepted
      expect((await exchange.accountSnapshot(bob.address, 0)).priceIsFresh).to.equal(true);

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
      // the views keep answering with the (old but positive) feed price
      const snapshot = await exchange.accountSnapshot(bob.address, 0);
      expect([snapshot.value, snapshot.size, snapshot.price, snapshot.priceIsFresh]).to.deep.equal([
        usdc(1000),
        wad("0.01"),
        wad(50_000),
        false,
      ]);
      expect(await exchange.accountValue(bob.address, 0)).to.equal(usdc(1000));
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
      expect(await exchange.margin(alice.address, ETH)).to.equal(0n);
      await expectPerpBooks(s);
    });
  });

  describe("views with a broken feed", () => {
    it("with a zero or negative feed they fall back to the last price a market-admin change or liquidation accepted", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await aliceLongEth(s);
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(3_000));
      // the feed moves without any state change, then breaks: the views use 3,000, not 2,800
      await ethFeed.updateAnswer(feedPrice(2_800));
      expect(await exchange.accountValue(alice.address, ETH)).to.equal(usdc(900));
      for (const answer of [0n, -5n]) {
        await ethFeed.updateAnswer(answer);
        expect(await exchange.accountValue(alice.address, ETH)).to.equal(usdc(1000));
        expect(await exchange.unrealizedPnl(alice.address, ETH)).to.equal(0n);
        expect(await exchange.notional(alice.address, ETH)).to.equal(wad(1_500));
        expect(await exchange.marginRequirement(alice.address, ETH)).to.equal(usdc("37.5"));
        expect(await exchange.initialMarginRequirement(alice.address, ETH)).to.equal(usdc(75));
        expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
        expect(await exchange.fundingOwed(alice.address, ETH)).to.equal(0n);
        expect(await exchange.entryPrice(alice.address, ETH)).to.equal(wad(3_000));
        const snapshot = await exchange.accountSnapshot(alice.address, ETH);
        expect([snapshot.value, snapshot.size, snapshot.price, snapshot.priceIsFresh]).to.deep.equal([
          usdc(1000),
          wad("0.5"),
          wad(3_000),
          false,
        ]);
        const state = await exchange.market(ETH);
        expect([state.symbol, state.lastPrice, state.feedDecimals]).to.deep.equal(["ETH", wad(3_000), 8n]);
      }
    });

    it("under water with a broken feed: a negative value, liquidatable, but liquidate itself reverts", async () => {
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
      await ethFeed.updateAnswer(0);
      // 1,000 + 0.5 x (900 - 3,000) = -50
      expect(await exchange.accountValue(alice.address, ETH)).to.equal(-usdc(50));
      expect((await exchange.accountSnapshot(alice.address, ETH)).value).to.equal(-usdc(50));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(true);
      await expect(exchange.connect(keeper).liquidate(alice.address, ETH))
        .to.be.revertedWithCustomError(exchange, "PerpInvalidPrice")
        .withArgs(ETH, 0n);
      await ethFeed.updateAnswer(feedPrice(900));
      await exchange.connect(keeper).liquidate(alice.address, ETH);
      expect(await exchange.margin(alice.address, ETH)).to.equal(0n);
      await expectPerpBooks(s);
    });

    it("a feed reporting an absurd updatedAt (near 2^256) breaks neither the views nor the checks", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await aliceLongEth(s);
      const farFuture = 2n ** 256n - 1n;
      await ethFeed.updateRoundData(4, feedPrice(2_800), farFuture, farFuture);
      // a timestamp in the future is not stale (as for any updatedAt >= now - maxPriceAge)
      const snapshot = await exchange.accountSnapshot(alice.address, ETH);
      expect([snapshot.value, snapshot.price, snapshot.priceIsFresh]).to.deep.equal([usdc(900), wad(2_800), true]);
      expect(await exchange.accountValue(alice.address, ETH)).to.equal(usdc(900));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
      expect(await exchange.markPrice(ETH)).to.equal(wad(2_800));
      await exchange.connect(alice).trade(ETH, -wad("0.5"));
      expect(await exchange.margin(alice.address, ETH)).to.equal(usdc(900));
      await expectPerpBooks(s);
    });

    it("with a stale feed they use its old answer and flag it", async () => {
      const s = await loadFixture(mockFeedFixture);
      const { exchange, ethFeed, alice } = s;
      await aliceLongEth(s);
      expect((await exchange.accountSnapshot(alice.address, ETH)).priceIsFresh).to.equal(true);
      const updatedAt = (await time.latest()) - MAX_AGE - 1;
      await ethFeed.updateRoundData(3, feedPrice(2_800), updatedAt, updatedAt);
      expect(await exchange.accountValue(alice.address, ETH)).to.equal(usdc(900));
      expect(await exchange.unrealizedPnl(alice.address, ETH)).to.equal(-wad(100));
      expect(await exchange.isLiquidatable(alice.address, ETH)).to.equal(false);
      const snapshot = await exchange.accountSnapshot(alice.address, ETH);
      expect([snapshot.value, snapshot.price, snapshot.priceIsFresh]).to.deep.equal([usdc(900), wad(2_800), false]);
      // the last checked price is unchanged
      expect((await exchange.market(ETH)).lastPrice).to.equal(wad(3_000));
    });
  });
});
