import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { marketConfig } from "../helpers/fixtures";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

describe("LeveragedTokenFactory", () => {
  async function withEthMarket() {
    const system = await deploySystem();
    const [admin, alice, stranger] = await ethers.getSigners();
    const ethFeed = await ethers.deployContract("SettablePriceFeed", [8, "ETH / USD", admin.address, feedPrice(3_000)]);
    await system.exchange.createMarket("ETH", marketConfig(await ethFeed.getAddress()));
    return { ...system, ethFeed, admin, alice, stranger };
  }

  it("creates tokens with the exchanges' conventional names and symbols", async () => {
    const { factory } = await loadFixture(withEthMarket);
    const cases: [bigint, bigint, string, string][] = [
      [0n, wad(3), "BTC3L", "BTC 3x Long"],
      [0n, wad(-3), "BTC3S", "BTC 3x Short"],
      [1n, wad(2), "ETH2L", "ETH 2x Long"],
      [0n, wad(-1), "BTC1S", "BTC 1x Short"],
      [1n, wad(10), "ETH10L", "ETH 10x Long"],
    ];
    for (const [market, leverage, symbol, name] of cases) {
      await expect(factory.createToken(market, leverage))
        .to.emit(factory, "TokenCreated")
        .withArgs(anyValue, market, leverage, symbol, anyValue);
      const token = await ethers.getContractAt("LeveragedToken", await factory.tokenBySymbol(symbol));
      expect(await token.symbol()).to.equal(symbol);
      expect(await token.name()).to.equal(name);
      expect(await token.targetLeverage()).to.equal(leverage);
      expect(await token.marketId()).to.equal(market);
      expect(await factory.tokenFor(market, leverage)).to.equal(await token.getAddress());
    }
    expect(await factory.tokenCount()).to.equal(5n);
    const all = await factory.allTokens();
    expect(all[2]).to.equal(await factory.tokenBySymbol("ETH2L"));
  });

  it("refuses a duplicate, a leverage of 0, above 10x or not whole, and an unknown market", async () => {
    const { factory, exchange } = await loadFixture(withEthMarket);
    await factory.createToken(0, wad(3));
    await expect(factory.createToken(0, wad(3)))
      .to.be.revertedWithCustomError(factory, "FactoryDuplicateToken")
      .withArgs(0, wad(3), await factory.tokenFor(0, wad(3)));
    for (const leverage of [0n, wad(11), wad(-11), wad("2.5"), 1n]) {
      await expect(factory.createToken(0, leverage))
        .to.be.revertedWithCustomError(factory, "FactoryInvalidLeverage")
        .withArgs(leverage);
    }
    await expect(factory.createToken(0, wad(-10))).to.emit(factory, "TokenCreated");
    await expect(factory.createToken(7, wad(2)))
      .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
      .withArgs(7);
  });

  it("reverts lookups of unknown tokens with named errors", async () => {
    const { factory } = await loadFixture(withEthMarket);
    await expect(factory.tokenBySymbol("DOGE3L"))
      .to.be.revertedWithCustomError(factory, "FactoryUnknownSymbol")
      .withArgs("DOGE3L");
    await expect(factory.tokenFor(0, wad(2)))
      .to.be.revertedWithCustomError(factory, "FactoryUnknownToken")
      .withArgs(0, wad(2));
  });

  it("lets only the token creator create and only the admin change defaults", async () => {
    const { factory, stranger } = await loadFixture(withEthMarket);
    await expect(factory.connect(stranger).createToken(0, wad(2)))
      .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await factory.TOKEN_CREATOR_ROLE());
    const defaults = await factory.tokenDefaults();
    const input = {
      fees: {
        mintFeeBps: 10,
        redeemFeeBps: 10,
        managementFeePerYear: wad("0.0365"),
        recipient: defaults.fees.recipient,
      },
      rebalanceSettings: { interval: 3600, band: wad("0.25") },
      initialNav: usdc(10),
      equityCap: usdc(1_000_000),
      tokenAdmin: defaults.tokenAdmin,
    };
    await expect(factory.connect(stranger).setTokenDefaults(input))
      .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, ethers.ZeroHash);
    await expect(factory.setTokenDefaults({ ...input, tokenAdmin: ethers.ZeroAddress })).to.be.revertedWithCustomError(
      factory,
      "FactoryZeroAddress",
    );
    await factory.setTokenDefaults(input);
    const token = await createToken(factory, wad(2));
    expect((await token.fees()).mintFeeBps).to.equal(10n);
    expect((await token.rebalanceSettings()).interval).to.equal(3600n);
    expect(await token.navPerShare()).to.equal(usdc(10));
  });

  it("tells a keeper what is due for every token, a page at a time, in one call", async () => {
    const system = await loadFixture(withEthMarket);
    const { factory, btcFeed, ethFeed, alice } = system;
    const tokens = [];
    for (const [market, leverage] of [
      [0n, wad(3)],
      [0n, wad(-3)],
      [1n, wad(2)],
    ] as const) {
      await factory.createToken(market, leverage);
      const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(market, leverage));
      await fund(system, alice, await token.getAddress(), usdc(1_000));
      await token.connect(alice).mint(usdc(1_000), 0, alice.address);
      tokens.push(token);
    }
    await btcFeed.updateAnswer(feedPrice(44_000)); // BTC -12%: the 3x long drifts above 4x, the short below 2x
    let statuses = await factory.keeperStatuses(0, 10);
    expect(statuses.map((s) => s.token)).to.deep.equal(await Promise.all(tokens.map((t) => t.getAddress())));
    expect(statuses.map((s) => s.action)).to.deep.equal([2n, 2n, 0n]);
    expect(statuses[2].leverage).to.be.closeTo(wad(2), 10n); // size 2 x 1,000 / 3,000 ETH, rounded down
    expect(statuses[2].equity).to.equal(usdc(1_000));
    expect(statuses[0].equity).to.equal(usdc(640)); // 1,000 - 0.06 x 6,000

    await time.increase(86_400);
    await btcFeed.updateAnswer(feedPrice(44_000));
    await ethFeed.updateAnswer(feedPrice(3_000));
    statuses = await factory.keeperStatuses(1, 1);
    expect(statuses.length).to.equal(1);
    expect(statuses[0].token).to.equal(await tokens[1].getAddress());
    expect((await factory.keeperStatuses(2, 5)).map((s) => s.action)).to.deep.equal([1n]); // ETH2L: TIME
    expect(await factory.keeperStatuses(3, 5)).to.deep.equal([]);
    expect(await factory.keeperStatuses(2, ethers.MaxUint256)).to.have.length(1);
  });
});
