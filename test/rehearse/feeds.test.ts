import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  FeedDriver,
  FIRST_ROUND,
  plantNetworkFeeds,
  plantSpecFeed,
  roundDue,
  specFeeds,
  toAnswer,
  type FeedRule,
} from "../../scripts/rehearse/feeds";
import type { PricePath } from "../../scripts/rehearse/pricePath";
import { deployPerp } from "../helpers/perp";
import { marketConfig } from "../helpers/system";
import { RehearsalFeed__factory } from "../../typechain-types/factories/contracts/rehearsal/RehearsalFeed__factory";

const send = (method: string, params: unknown[]) => hre.network.provider.request({ method, params });
const RULE: FeedRule = { deviationBps: 50, heartbeatSeconds: 3_600 };

describe("The rehearsal's Chainlink-like feeds", function () {
  this.timeout(60_000);

  describe("roundDue (the update rule)", () => {
    const last = { answer: 100_000_00000000n, updatedAt: 1_000 };

    it("publishes when the price moved by the deviation threshold, up or down, and not a unit less", () => {
      expect(roundDue(last, 100_500_00000000n, 1_001, RULE)).to.equal("deviation");
      expect(roundDue(last, 99_500_00000000n, 1_001, RULE)).to.equal("deviation");
      expect(roundDue(last, 100_499_99999999n, 1_001, RULE)).to.equal(undefined);
      expect(roundDue(last, 99_500_00000001n, 1_001, RULE)).to.equal(undefined);
    });

    it("publishes when the heartbeat passed, even at the same price, and not a second before", () => {
      expect(roundDue(last, last.answer, 1_000 + 3_600, RULE)).to.equal("heartbeat");
      expect(roundDue(last, last.answer, 1_000 + 3_599, RULE)).to.equal(undefined);
    });
  });

  describe("planted at the spec's addresses", () => {
    let snapshot: unknown;
    before(async () => (snapshot = await send("evm_snapshot", [])));
    after(async () => send("evm_revert", [snapshot]));

    it("answers latestRoundData, getRoundData, decimals, description and version at Sepolia's real feed addresses", async () => {
      const [owner] = await hre.ethers.getSigners();
      const feeds = specFeeds("sepolia");
      expect(feeds.map((f) => f.symbol)).to.deep.equal(["BTC", "ETH"]);
      const updatedAt = await time.latest();
      for (const [i, { symbol, address }] of feeds.entries()) {
        const price = i === 0 ? 97_123.45 : 3_456.78;
        const answer = await plantSpecFeed(send, { symbol, address }, owner.address, price, updatedAt);
        const feed = RehearsalFeed__factory.connect(address, owner);
        expect(await feed.decimals()).to.equal(8n);
        expect(await feed.description()).to.equal(`${symbol} / USD`);
        expect(await feed.version()).to.equal(4n);
        expect(await feed.owner()).to.equal(owner.address);
        const round = [FIRST_ROUND, answer, BigInt(updatedAt), BigInt(updatedAt), FIRST_ROUND];
        expect(await feed.latestRoundData()).to.deep.equal(round);
        expect(await feed.getRoundData(FIRST_ROUND)).to.deep.equal(round);
      }
      expect(await hre.ethers.provider.getCode("0x1b44F3514812d835EB1BDB0acB33d3fA3351Ee43")).to.not.equal("0x");
    });

    it("plants every Chainlink feed of Arbitrum Sepolia's spec, SOL's included, at its path's first price", async () => {
      const [owner] = await hre.ethers.getSigners();
      const start = await time.latest();
      const drivers = await plantNetworkFeeds(send, "arbitrumSepolia", owner, start, { minutes: 5, seed: 1 });
      expect(Object.keys(drivers)).to.deep.equal(["BTC", "ETH", "SOL"]);
      for (const [symbol, driver] of Object.entries(drivers)) {
        expect(await driver.feed.description()).to.equal(`${symbol} / USD`);
        const [roundId, answer, , updatedAt] = await driver.feed.latestRoundData();
        expect([roundId, answer, updatedAt]).to.deep.equal([FIRST_ROUND, driver.answerAt(start), BigInt(start)]);
      }
      expect(await drivers.BTC.tick(start + 1), "nothing moved yet").to.equal(undefined);
    });

    it("is read by the project's exchange as a Chainlink feed: its price, and a stale answer refused", async () => {
      const { exchange } = await deployPerp();
      const feed = specFeeds("sepolia")[1].address;
      await exchange.createMarket("ETH", marketConfig(feed, { maxPriceAge: 3_600 }));
      const marketId = (await exchange.marketCount()) - 1n;
      const [, answer] = await RehearsalFeed__factory.connect(feed, hre.ethers.provider).latestRoundData();
      expect(await exchange.markPrice(marketId)).to.equal(answer * 10n ** 10n);
      await time.increase(3_601);
      await expect(exchange.markPrice(marketId)).to.be.revertedWithCustomError(exchange, "PerpStalePrice");
    });

    it("takes rounds from its owner only, and refuses a non-positive answer and an unknown round", async () => {
      const [owner, other] = await hre.ethers.getSigners();
      const feed = RehearsalFeed__factory.connect(specFeeds("sepolia")[0].address, owner);
      await feed.updateAnswer(98_000_00000000n);
      const [roundId, answer, , updatedAt] = await feed.latestRoundData();
      expect([roundId, answer, updatedAt]).to.deep.equal([
        FIRST_ROUND + 1n,
        98_000_00000000n,
        BigInt(await time.latest()),
      ]);
      await expect(feed.connect(other).updateAnswer(1n))
        .to.be.revertedWithCustomError(feed, "RehearsalFeedNotOwner")
        .withArgs(other.address, owner.address);
      await expect(feed.updateAnswer(0n)).to.be.revertedWithCustomError(feed, "RehearsalFeedInvalidAnswer");
      await expect(feed.getRoundData(FIRST_ROUND + 2n)).to.be.revertedWithCustomError(
        feed,
        "RehearsalFeedUnknownRound",
      );
    });
  });

  describe("FeedDriver (rounds along a price path)", () => {
    let snapshot: unknown;
    beforeEach(async () => (snapshot = await send("evm_snapshot", [])));
    afterEach(async () => send("evm_revert", [snapshot]));

    /** A feed planted at 100 USD and a driver whose path's price the test sets. */
    async function driven() {
      const [owner] = await hre.ethers.getSigners();
      const feed = specFeeds("baseSepolia")[1];
      const address = feed.address;
      const start = await time.latest();
      await plantSpecFeed(send, feed, owner.address, 100, start);
      const path = { price: 100, describe: "set by the test", closes: [], priceAt: () => path.price };
      const driver = new FeedDriver(address, owner, path as PricePath & { price: number }, start, 8, RULE);
      return { driver, path, start };
    }

    it("pushes a round on a 0.5% move and on the heartbeat, and nothing otherwise (the answer goes stale)", async () => {
      const { driver, path } = await driven();
      path.price = 100.4;
      await time.increase(600);
      expect(await driver.tick(await time.latest())).to.equal(undefined);
      path.price = 100.5;
      expect(await driver.tick(await time.latest())).to.equal("deviation");
      expect((await driver.feed.latestRoundData())[1]).to.equal(toAnswer(100.5, 8));
      const roundAt = await time.latest();
      await time.increase(3_000);
      expect(await driver.tick(await time.latest()), "no move, heartbeat not passed: stale").to.equal(undefined);
      await time.increaseTo(roundAt + 3_600);
      expect(await driver.tick(await time.latest())).to.equal("heartbeat");
      expect((await driver.feed.latestRoundData())[0]).to.equal(FIRST_ROUND + 2n);
      expect(driver.sent.map((s) => s.reason)).to.deep.equal(["deviation", "heartbeat"]);
    });

    it("sends no second round while one is pending, and sends again after the node dropped it", async () => {
      const { driver, path } = await driven();
      await send("evm_setAutomine", [false]);
      try {
        path.price = 110;
        expect(await driver.tick(await time.latest())).to.equal("deviation");
        expect(await driver.tick(await time.latest()), "pending").to.equal(undefined);
        const pending = (await send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
        expect(pending.transactions).to.have.length(1);
        await send("hardhat_dropTransaction", [pending.transactions[0]]);
        expect(await driver.tick(await time.latest()), "dropped: decided again").to.equal("deviation");
        await send("evm_mine", []);
        expect((await driver.feed.latestRoundData())[1]).to.equal(toAnswer(110, 8));
      } finally {
        await send("evm_setAutomine", [true]);
      }
    });
  });
});
