import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { LeveragedToken, MockV3Aggregator } from "../../typechain-types";
import { expectBooksBalance } from "../helpers/books";
import { INVALID, STALE } from "../helpers/perp";
import { marketConfig } from "../helpers/fixtures";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "./setup";

const ETH = 1n;

/** The attack system plus an ETH market on Chainlink's MockV3Aggregator, an ETH3L token, and a trader (bob). */
async function mockFeedSystem() {
  const s = await attackSystem();
  const feed: MockV3Aggregator = await ethers.deployContract("MockV3Aggregator", [8, feedPrice(3_000)]);
  await s.exchange.createMarket("ETH", marketConfig(await feed.getAddress()));
  await s.factory.createToken(ETH, wad(3));
  const token: LeveragedToken = await ethers.getContractAt("LeveragedToken", await s.factory.tokenFor(ETH, wad(3)));
  await s.usdc.connect(s.alice).approve(await token.getAddress(), usdc(100_000));
  await token.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
  // bob trades the market directly: 2,000 USDC margin, long 5 ETH (15,000 notional).
  await s.exchange.connect(s.bob).deposit(ETH, s.bob.address, usdc(2_000));
  await s.exchange.connect(s.bob).trade(ETH, wad(5));
  const batch = await ethers.deployContract("BatchRebalancer");
  return { ...s, feed, token, batch };
}

const breaks = [
  { name: "stale (updatedAt maxPriceAge + 1 s ago)", error: "PerpStalePrice" },
  { name: "zero", error: "PerpInvalidPrice" },
  { name: "negative", error: "PerpInvalidPrice" },
] as const;

describe("attack: stale, zero and negative prices on every path that reads a price", () => {
  for (const broken of breaks) {
    it(`${broken.name}: every state change, preview and valuing view reverts with ${broken.error}; the status views say why`, async () => {
      const s = await loadFixture(mockFeedSystem);
      const { token, exchange, feed, alice, bob, attacker } = s;
      const tokenAddress = await token.getAddress();
      const equityBefore = await token.equity();
      const leverageBefore = await token.currentLeverage();
      await time.increase(2 * 86_400); // a TIME rebalance is due, were the price good

      const round = (await feed.latestRound()) + 1n;
      const now = BigInt(await time.latest());
      if (broken.name.startsWith("stale"))
        await feed.updateRoundData(round, feedPrice(3_000), now - 3601n, now - 3601n);
      else await feed.updateAnswer(broken.name === "zero" ? 0n : -feedPrice(3_000));

      const shares = await token.balanceOf(alice.address);
      const upkeep = await ethers.deployContract("TokenUpkeep", [token]);
      const reverting: [string, () => Promise<unknown>][] = [
        ["mint", () => token.connect(alice).mint(usdc(100), 0, alice.address)],
        ["redeem", () => token.connect(alice).redeem(shares / 2n, 0, alice.address)],
        ["rebalance", () => token.connect(attacker).rebalance()],
        ["upkeep", () => upkeep.connect(attacker).performUpkeep("0x")],
        ["previewMint", () => token.previewMint(usdc(100))],
        ["previewRedeem", () => token.previewRedeem(shares / 2n)],
        ["exchange.trade", () => exchange.connect(bob).trade(ETH, wad(1))],
        ["exchange.withdraw", () => exchange.connect(bob).withdraw(ETH, 1n, bob.address)],
        ["exchange.liquidate", () => exchange.connect(attacker).liquidate(bob.address, ETH)],
        ["exchange.settleFunding", () => exchange.connect(bob).settleFunding(ETH)],
        ["exchange.markPrice", () => exchange.markPrice(ETH)],
        ["exchange.previewTrade", () => exchange.previewTrade(bob.address, ETH, 0, wad(1))],
        // no view values a position at a price the state changes refuse
        ["equity", () => token.equity()],
        ["navPerShare", () => token.navPerShare()],
        ["currentLeverage", () => token.currentLeverage()],
        ["positionNotional", () => token.positionNotional()],
        ["capHeadroom", () => token.capHeadroom()],
      ];
      for (const [what, call] of reverting) {
        await expect(call(), what).to.be.revertedWithCustomError(exchange, broken.error);
      }

      // The status views answer, at the feed's old answer (stale) or the last accepted price (zero, negative), and
      // say which: the keepers' views, the snapshot and the lens.
      const status = broken.error === "PerpStalePrice" ? STALE : INVALID;
      const keeper = await token.keeperStatus();
      expect([keeper.action, keeper.leverage, keeper.equity_, keeper.priceStatus]).to.deep.equal([
        0n, // NONE: a rebalance would revert
        leverageBefore,
        equityBefore,
        status,
      ]);
      expect(await token.positionSize()).to.be.greaterThan(0n);
      expect(await token.rebalanceAction()).to.equal(0n);
      expect((await upkeep.checkUpkeep("0x")).upkeepNeeded).to.equal(false);
      // The ERC-4626 limits never revert: nothing can be minted or redeemed at a price the actions refuse.
      expect([await token.maxMint(alice.address), await token.maxRedeem(alice.address)]).to.deep.equal([0n, 0n]);
      const statuses = await s.factory.keeperStatuses(0, 10);
      expect(statuses.map((t) => [t.action, t.priceStatus])).to.deep.equal([
        [0n, STALE], // the BTC tokens' market has had no push for two days
        [0n, STALE],
        [0n, status],
      ]);
      await token.pendingManagementFeeShares();
      const snapshot = await exchange.accountState(tokenAddress, ETH);
      expect([snapshot.priceStatus, snapshot.price]).to.deep.equal([status, wad(3_000)]);
      for (const account of [tokenAddress, bob.address]) {
        expect(await exchange.isLiquidatable(account, ETH)).to.equal(false);
      }
      await exchange.market(ETH);

      // A keeper batch skips the token instead of reverting.
      const [done] = await s.batch.rebalance.staticCall([tokenAddress]);
      expect(done).to.equal(0n);
      // Margin without a position moves whatever the feed says; the books balance.
      await exchange.connect(attacker).deposit(ETH, attacker.address, usdc(10));
      await exchange.connect(attacker).withdraw(ETH, usdc(10), attacker.address);
      await expectBooksBalance(exchange, s.usdc, [...s.accounts, tokenAddress]);

      // Once the feed is good again, everything works.
      await feed.updateAnswer(feedPrice(3_000));
      await expect(token.connect(attacker).rebalance()).to.emit(token, "Rebalanced");
      await expect(token.connect(alice).redeem(shares / 2n, 0, alice.address)).to.emit(token, "Redeemed");
    });
  }

  it("a feed switched by updateMarketConfig to a broken one is refused; the good one stays", async () => {
    const s = await loadFixture(mockFeedSystem);
    const bad: MockV3Aggregator = await ethers.deployContract("MockV3Aggregator", [8, 0n]);
    await expect(
      s.exchange.updateMarketConfig(ETH, marketConfig(await bad.getAddress())),
    ).to.be.revertedWithCustomError(s.exchange, "PerpInvalidPrice");
    expect((await s.exchange.market(ETH)).config.feed).to.equal(await s.feed.getAddress());
  });
});
