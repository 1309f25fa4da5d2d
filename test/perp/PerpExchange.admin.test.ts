import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { marketConfig, type MarketSettings } from "../helpers/system";
import { deployPerp, expectPerpBooks, openPosition } from "../helpers/perp";
import { fundingOwed, toCollateral } from "../helpers/perpMath";
import { feedPrice, usdc, wad } from "../helpers/units";

const FUND = usdc(1_000_000);
const MAX_RATE = 10n * 10n ** 18n;

async function perpFixture() {
  return deployPerp();
}

async function fundingFixture() {
  return deployPerp({ fundingRatePerYear: wad("0.1"), maxPriceAge: 10 * 365 * 24 * 3600 });
}

describe("PerpExchange: administration, validation and the fund", () => {
  describe("deployment", () => {
    it("grants the admin every role and records the collateral", async () => {
      const { exchange, usdc: token, admin, stranger } = await loadFixture(perpFixture);
      expect(await exchange.collateral()).to.equal(await token.getAddress());
      for (const role of [
        await exchange.DEFAULT_ADMIN_ROLE(),
        await exchange.MARKET_ADMIN_ROLE(),
        await exchange.FUND_MANAGER_ROLE(),
      ]) {
        expect(await exchange.hasRole(role, admin.address)).to.equal(true);
        expect(await exchange.hasRole(role, stranger.address)).to.equal(false);
      }
      expect(await exchange.LIQUIDATOR_SHARE_BPS()).to.equal(5_000n);
      expect(await exchange.fundBalance()).to.equal(FUND);
    });

    it("rejects the zero address for the collateral or the admin", async () => {
      const { usdc: token, admin } = await loadFixture(perpFixture);
      const factory = await ethers.getContractFactory("PerpExchange");
      await expect(factory.deploy(ethers.ZeroAddress, admin.address)).to.be.revertedWithCustomError(
        factory,
        "PerpZeroAddress",
      );
      await expect(factory.deploy(await token.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "PerpZeroAddress",
      );
    });
  });

  describe("markets", () => {
    it("createMarket registers a market with its settings, state and event", async () => {
      const { exchange, admin } = await loadFixture(perpFixture);
      const feed = await ethers.deployContract("SettablePriceFeed", [8, "ETH / USD", admin.address, feedPrice(3_000)]);
      const config = marketConfig(await feed.getAddress(), {
        maxPriceAge: 600,
        takerFeeBps: 7,
        initialMarginBps: 1_000,
        maintenanceMarginBps: 600,
        liquidationPenaltyBps: 300,
        fundingRatePerYear: -wad("0.05"),
      });
      expect(await exchange.createMarket.staticCall("ETH", config)).to.equal(1n);
      const tx = exchange.createMarket("ETH", config);
      await expect(tx)
        .to.emit(exchange, "MarketCreated")
        .withArgs(1n, "ETH", [await feed.getAddress(), 600n, 7n, 1_000n, 600n, 300n, -wad("0.05")]);
      const createdAt = await time.latest();
      expect(await exchange.marketCount()).to.equal(2n);
      expect(await exchange.marketIdOf("ETH")).to.equal(1n);
      expect(await exchange.marketIdOf("BTC")).to.equal(0n);
      const state = await exchange.market(1);
      expect(state.symbol).to.equal("ETH");
      expect([...state.config]).to.deep.equal([await feed.getAddress(), 600n, 7n, 1_000n, 600n, 300n, -wad("0.05")]);
      expect([state.feedDecimals, state.lastFundingUpdate, state.cumulativeFunding, state.lastPrice]).to.deep.equal([
        8n,
        BigInt(createdAt),
        0n,
        wad(3_000),
      ]);
      expect(await exchange.markPrice(1)).to.equal(wad(3_000));
    });

    it("scales feeds of any decimals up to 18 to WAD prices", async () => {
      const { exchange } = await loadFixture(perpFixture);
      const feed18 = await ethers.deployContract("MockV3Aggregator", [18, wad("2345.678")]);
      const feed0 = await ethers.deployContract("MockV3Aggregator", [0, 123n]);
      await exchange.createMarket("ETH", marketConfig(await feed18.getAddress()));
      await exchange.createMarket("SOL", marketConfig(await feed0.getAddress()));
      expect(await exchange.markPrice(1)).to.equal(wad("2345.678"));
      expect(await exchange.markPrice(2)).to.equal(wad(123));
      expect((await exchange.market(2)).feedDecimals).to.equal(0n);
    });

    it("symbols are unique (case-sensitive); unknown symbols and ids revert", async () => {
      const { exchange, btcFeed } = await loadFixture(perpFixture);
      const feed = await btcFeed.getAddress();
      await expect(exchange.createMarket("BTC", marketConfig(feed)))
        .to.be.revertedWithCustomError(exchange, "PerpDuplicateMarket")
        .withArgs("BTC", 0n);
      await exchange.createMarket("btc", marketConfig(feed));
      await expect(exchange.createMarket("btc", marketConfig(feed, { maxPriceAge: 0 })))
        .to.be.revertedWithCustomError(exchange, "PerpDuplicateMarket")
        .withArgs("btc", 1n);
      await expect(exchange.marketIdOf("DOGE"))
        .to.be.revertedWithCustomError(exchange, "PerpUnknownSymbol")
        .withArgs("DOGE");
      await expect(exchange.marketIdOf("")).to.be.revertedWithCustomError(exchange, "PerpUnknownSymbol").withArgs("");
      expect(await exchange.marketIdOf("btc")).to.equal(1n);
    });

    it("every function taking a market id rejects an unknown one with PerpUnknownMarket", async () => {
      const { exchange, btcFeed, alice } = await loadFixture(perpFixture);
      const id = 2n; // markets 0 (BTC) exists; 1 and 2 do not
      const a = alice.address;
      const ex = exchange.connect(alice);
      const calls: [string, () => Promise<unknown>][] = [
        ["updateMarketConfig", async () => exchange.updateMarketConfig(id, marketConfig(await btcFeed.getAddress()))],
        ["deposit", () => ex.deposit(id, a, 1)],
        ["withdraw", () => ex.withdraw(id, 1, a)],
        ["trade", () => ex.trade(id, 1)],
        ["liquidate", () => ex.liquidate(a, id)],
        ["settleFunding", () => ex.settleFunding(id)],
        ["market", () => exchange.market(id)],
        ["accountState", () => exchange.accountState(a, id)],
        ["previewTrade", () => exchange.previewTrade(a, id, 0, 0)],
        ["markPrice", () => exchange.markPrice(id)],
        ["takerFeeBps", () => exchange.takerFeeBps(id)],
        ["position", () => exchange.position(a, id)],
        ["isLiquidatable", () => exchange.isLiquidatable(a, id)],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name).to.be.revertedWithCustomError(exchange, "PerpUnknownMarket").withArgs(id);
      }
      expect(calls).to.have.length(13);
    });

    describe("config validation (createMarket and updateMarketConfig)", () => {
      const invalid: [string, Partial<MarketSettings>, string, bigint][] = [
        ["a zero maxPriceAge", { maxPriceAge: 0 }, "maxPriceAge", 0n],
        ["a taker fee above 1%", { takerFeeBps: 101 }, "takerFeeBps", 101n],
        [
          "a zero maintenance margin",
          { maintenanceMarginBps: 0, liquidationPenaltyBps: 0 },
          "maintenanceMarginBps",
          0n,
        ],
        ["an initial margin under the maintenance margin", { initialMarginBps: 249 }, "initialMarginBps", 249n],
        ["an initial margin above 100%", { initialMarginBps: 10_001 }, "initialMarginBps", 10_001n],
        [
          "a liquidation penalty above 10%",
          { initialMarginBps: 5_000, maintenanceMarginBps: 2_000, liquidationPenaltyBps: 1_001 },
          "liquidationPenaltyBps",
          1_001n,
        ],
        [
          "a liquidation penalty above the maintenance margin",
          { liquidationPenaltyBps: 251 },
          "liquidationPenaltyBps",
          251n,
        ],
        [
          "a funding rate above 1000% a year",
          { fundingRatePerYear: MAX_RATE + 1n },
          "fundingRatePerYear",
          MAX_RATE + 1n,
        ],
        [
          "a funding rate below -1000% a year",
          { fundingRatePerYear: -MAX_RATE - 1n },
          "fundingRatePerYear",
          -MAX_RATE - 1n,
        ],
      ];
      for (const [what, overrides, field, value] of invalid) {
        it(`rejects ${what} with PerpInvalidConfig("${field}", ${value})`, async () => {
          const { exchange, btcFeed } = await loadFixture(perpFixture);
          const config = marketConfig(await btcFeed.getAddress(), overrides);
          await expect(exchange.createMarket("ETH", config))
            .to.be.revertedWithCustomError(exchange, "PerpInvalidConfig")
            .withArgs(field, value);
          await expect(exchange.updateMarketConfig(0, config))
            .to.be.revertedWithCustomError(exchange, "PerpInvalidConfig")
            .withArgs(field, value);
        });
      }

      it("rejects an empty symbol, a zero feed and a feed with more than 18 decimals", async () => {
        const { exchange, btcFeed } = await loadFixture(perpFixture);
        await expect(exchange.createMarket("", marketConfig(await btcFeed.getAddress())))
          .to.be.revertedWithCustomError(exchange, "PerpInvalidConfig")
          .withArgs("symbol", 0n);
        await expect(exchange.createMarket("ETH", marketConfig(ethers.ZeroAddress))).to.be.revertedWithCustomError(
          exchange,
          "PerpZeroAddress",
        );
        await expect(exchange.updateMarketConfig(0, marketConfig(ethers.ZeroAddress))).to.be.revertedWithCustomError(
          exchange,
          "PerpZeroAddress",
        );
        const feed19 = await ethers.deployContract("MockV3Aggregator", [19, 10n ** 23n]);
        const feed19Address = await feed19.getAddress();
        for (const call of [
          () => exchange.createMarket("ETH", marketConfig(feed19Address)),
          () => exchange.updateMarketConfig(0, marketConfig(feed19Address)),
        ]) {
          await expect(call())
            .to.be.revertedWithCustomError(exchange, "PerpInvalidConfig")
            .withArgs("feedDecimals", 19n);
        }
        expect(await exchange.marketCount()).to.equal(1n);
      });

      it("accepts every bound itself", async () => {
        const { exchange, btcFeed } = await loadFixture(perpFixture);
        const feed = await btcFeed.getAddress();
        const valid: Partial<MarketSettings>[] = [
          { maxPriceAge: 1, takerFeeBps: 100 },
          { initialMarginBps: 250, maintenanceMarginBps: 250, liquidationPenaltyBps: 250 },
          { initialMarginBps: 10_000, maintenanceMarginBps: 10_000, liquidationPenaltyBps: 1_000 },
          { maintenanceMarginBps: 1, initialMarginBps: 1, liquidationPenaltyBps: 0 },
          { fundingRatePerYear: MAX_RATE },
          { fundingRatePerYear: -MAX_RATE },
        ];
        for (const [i, overrides] of valid.entries()) {
          // a fresh push, so that even a maxPriceAge of 1 second accepts the price at creation
          const pushedAt = (await time.latest()) + 5;
          await time.setNextBlockTimestamp(pushedAt);
          await btcFeed.updateAnswer(feedPrice(50_000));
          await time.setNextBlockTimestamp(pushedAt + 1);
          await exchange.createMarket(`M${i}`, marketConfig(feed, overrides));
          await time.setNextBlockTimestamp(pushedAt + 2);
          await btcFeed.updateAnswer(feedPrice(50_000)); // updateMarketConfig needs a fresh price as well
          await time.setNextBlockTimestamp(pushedAt + 3);
          await exchange.updateMarketConfig(0, marketConfig(feed, overrides));
          expect((await exchange.market(i + 1)).config.fundingRatePerYear).to.equal(overrides.fundingRatePerYear ?? 0n);
        }
        expect(await exchange.marketCount()).to.equal(BigInt(valid.length + 1));
      });
    });

    it("updateMarketConfig changes the settings used by the next trade, and may switch feeds", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      const config = marketConfig(await btcFeed.getAddress(), { takerFeeBps: 10 });
      await expect(exchange.updateMarketConfig(0, config))
        .to.emit(exchange, "MarketConfigUpdated")
        .withArgs(0n, [await btcFeed.getAddress(), 3600n, 10n, 500n, 250n, 100n, 0n]);
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(997));

      const feed18 = await ethers.deployContract("MockV3Aggregator", [18, wad(60_000)]);
      await exchange.updateMarketConfig(0, marketConfig(await feed18.getAddress()));
      expect((await exchange.market(0)).feedDecimals).to.equal(18n);
      expect(await exchange.markPrice(0)).to.equal(wad(60_000));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1597));
      expect(await exchange.marketIdOf("BTC")).to.equal(0n);
      expect((await exchange.market(0)).lastPrice).to.equal(wad(60_000));
      await expectPerpBooks(s);
    });

    it("updateMarketConfig refuses a feed whose price is stale or invalid now", async () => {
      const { exchange, btcFeed } = await loadFixture(perpFixture);
      await time.increase(3601);
      await expect(exchange.updateMarketConfig(0, marketConfig(await btcFeed.getAddress())))
        .to.be.revertedWithCustomError(exchange, "PerpStalePrice")
        .withArgs(0n, anyValue, 3600n, anyValue);
      const broken = await ethers.deployContract("MockV3Aggregator", [8, 0n]);
      await expect(exchange.updateMarketConfig(0, marketConfig(await broken.getAddress())))
        .to.be.revertedWithCustomError(exchange, "PerpInvalidPrice")
        .withArgs(0n, 0n);
    });
  });

  describe("access control", () => {
    it("a stranger cannot create or change markets, or take from the fund", async () => {
      const { exchange, btcFeed, stranger } = await loadFixture(perpFixture);
      const config = marketConfig(await btcFeed.getAddress());
      const marketAdmin = await exchange.MARKET_ADMIN_ROLE();
      const fundManager = await exchange.FUND_MANAGER_ROLE();
      await expect(exchange.connect(stranger).createMarket("ETH", config))
        .to.be.revertedWithCustomError(exchange, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, marketAdmin);
      await expect(exchange.connect(stranger).updateMarketConfig(0, config))
        .to.be.revertedWithCustomError(exchange, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, marketAdmin);
      await expect(exchange.connect(stranger).withdrawFromFund(1, stranger.address))
        .to.be.revertedWithCustomError(exchange, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, fundManager);
      await expect(exchange.connect(stranger).grantRole(marketAdmin, stranger.address))
        .to.be.revertedWithCustomError(exchange, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await exchange.DEFAULT_ADMIN_ROLE());
    });

    it("roles granted by the admin work, and stop working once revoked", async () => {
      const { exchange, usdc: token, btcFeed, keeper } = await loadFixture(perpFixture);
      const marketAdmin = await exchange.MARKET_ADMIN_ROLE();
      const fundManager = await exchange.FUND_MANAGER_ROLE();
      await exchange.grantRole(marketAdmin, keeper.address);
      await exchange.grantRole(fundManager, keeper.address);
      await exchange.connect(keeper).createMarket("ETH", marketConfig(await btcFeed.getAddress()));
      await expect(exchange.connect(keeper).withdrawFromFund(usdc(5), keeper.address)).to.changeTokenBalance(
        token,
        keeper,
        usdc(5),
      );
      // one role does not give the other
      await exchange.revokeRole(fundManager, keeper.address);
      await expect(exchange.connect(keeper).withdrawFromFund(1, keeper.address))
        .to.be.revertedWithCustomError(exchange, "AccessControlUnauthorizedAccount")
        .withArgs(keeper.address, fundManager);
      await exchange
        .connect(keeper)
        .updateMarketConfig(1, marketConfig(await btcFeed.getAddress(), { takerFeeBps: 1 }));
      expect((await exchange.market(1)).config.takerFeeBps).to.equal(1n);
    });
  });

  describe("the fund", () => {
    it("depositToFund: anyone adds to the fund; zero is rejected", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, usdc: token, bob } = s;
      const tx = exchange.connect(bob).depositToFund(usdc(250));
      await expect(tx).to.emit(exchange, "FundDeposited").withArgs(bob.address, usdc(250));
      await expect(tx).to.changeTokenBalances(token, [bob, exchange], [-usdc(250), usdc(250)]);
      expect(await exchange.fundBalance()).to.equal(FUND + usdc(250));
      await expect(exchange.connect(bob).depositToFund(0)).to.be.revertedWithCustomError(exchange, "PerpZeroAmount");
      await expectPerpBooks(s);
    });

    it("withdrawFromFund: up to the whole fund, not a unit more; zero amount and zero recipient rejected", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, usdc: token, admin, carol } = s;
      await openPosition(s, carol, usdc(700), 0n);
      await expect(exchange.withdrawFromFund(FUND + 1n, admin.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientFund")
        .withArgs(FUND + 1n, FUND);
      await expect(exchange.withdrawFromFund(0, admin.address)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAmount",
      );
      await expect(exchange.withdrawFromFund(1, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAddress",
      );
      const tx = exchange.withdrawFromFund(FUND, carol.address);
      await expect(tx).to.emit(exchange, "FundWithdrawn").withArgs(carol.address, FUND);
      await expect(tx).to.changeTokenBalances(token, [exchange, carol], [-FUND, FUND]);
      expect(await exchange.fundBalance()).to.equal(0n);
      // the margins are not the fund's to give
      await expect(exchange.withdrawFromFund(1, admin.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientFund")
        .withArgs(1n, 0n);
      expect(await token.balanceOf(await exchange.getAddress())).to.equal(usdc(700));
      await expectPerpBooks(s);
    });

    it("a winner cannot close for more profit than the fund holds; a loser always can", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, admin, alice, bob, carol } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      await openPosition(s, bob, usdc(1000), -wad("0.01"));
      await exchange.withdrawFromFund(FUND - usdc(500), admin.address);
      await btcFeed.updateAnswer(feedPrice(60_000));
      await expect(exchange.connect(alice).trade(0, -wad("0.06")))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientFund")
        .withArgs(usdc(600), usdc(500));
      expect((await exchange.position(alice.address, 0)).size).to.equal(wad("0.06"));
      // a partial close for exactly what the fund holds
      await exchange.connect(alice).trade(0, -wad("0.05"));
      expect(await exchange.fundBalance()).to.equal(0n);
      await expect(exchange.connect(alice).trade(0, -wad("0.01")))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientFund")
        .withArgs(usdc(100), 0n);
      // the loser pays in, and that pays the winner
      await exchange.connect(bob).trade(0, wad("0.01"));
      expect(await exchange.fundBalance()).to.equal(usdc(100));
      await exchange.connect(alice).trade(0, -wad("0.01"));
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1600));
      expect(await exchange.fundBalance()).to.equal(0n);
      await exchange.connect(carol).depositToFund(usdc(1));
      await expectPerpBooks(s);
    });

    it("funding owed to an account that the fund cannot pay reverts with PerpInsufficientFund", async () => {
      const s = await loadFixture(fundingFixture);
      const { exchange, admin, bob } = s;
      await openPosition(s, bob, usdc(1000), 0n);
      const t0 = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(t0);
      await exchange.connect(bob).trade(0, -wad("0.06"));
      await exchange.withdrawFromFund(FUND - 1n, admin.address);
      const d = 30 * 86_400;
      const gain = toCollateral(-fundingOwed(-wad("0.06"), wad(50_000), wad("0.1") * BigInt(d)));
      expect(gain).to.equal(usdc("24.657534"));
      await time.setNextBlockTimestamp(t0 + d);
      await expect(exchange.connect(bob).settleFunding(0))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientFund")
        .withArgs(gain, 1n);
      await exchange.connect(s.carol).depositToFund(usdc(100));
      await time.setNextBlockTimestamp(t0 + d + 10);
      await exchange.connect(bob).settleFunding(0);
      const gainAfter = toCollateral(-fundingOwed(-wad("0.06"), wad(50_000), wad("0.1") * BigInt(d + 10)));
      expect((await exchange.accountState(bob.address, 0)).margin).to.equal(usdc(1000) + gainAfter);
      expect(await exchange.fundBalance()).to.equal(usdc(100) + 1n - gainAfter);
      await expectPerpBooks(s);
    });
  });
});
