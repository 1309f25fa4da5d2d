import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { deployPerp, expectPerpBooks, openPosition } from "../helpers/perp";
import { feedPrice, usdc, wad } from "../helpers/units";

/** `transferMargin`: margin from one account to another in a market, taken as a withdrawal takes it (how a token pays
 * its keepers' rewards). */
describe("PerpExchange.transferMargin", () => {
  async function withLong() {
    const s = await deployPerp();
    await openPosition(s, s.alice, usdc(1_000), wad("0.1")); // 5,000 USD at 50,000: 5x
    return s;
  }

  it("moves settled margin to another account (which may hold none yet); no stablecoin moves", async () => {
    const s = await loadFixture(withLong);
    const balance = await s.usdc.balanceOf(await s.exchange.getAddress());
    await expect(s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.keeper.address, usdc(3)))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.alice.address, s.keeper.address, s.btcMarket, usdc(3));
    expect(await s.exchange.margin(s.keeper.address, s.btcMarket)).to.equal(usdc(3));
    expect(await s.exchange.margin(s.alice.address, s.btcMarket)).to.equal(usdc(997));
    expect(await s.usdc.balanceOf(await s.exchange.getAddress())).to.equal(balance);
    // The receiver withdraws it like any margin.
    await expect(s.exchange.connect(s.keeper).withdraw(s.btcMarket, usdc(3), s.keeper.address)).to.changeTokenBalance(
      s.usdc,
      s.keeper,
      usdc(3),
    );
    await expectPerpBooks(s);
  });

  it("beyond the settled margin realizes the profit it needs (the value falls by exactly the amount)", async () => {
    const s = await loadFixture(withLong);
    await s.btcFeed.updateAnswer(feedPrice(60_000)); // +1,000 USD of profit
    const before = await s.exchange.accountValue(s.alice.address, s.btcMarket);
    await s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.bob.address, usdc(1_200));
    expect(await s.exchange.accountValue(s.alice.address, s.btcMarket)).to.equal(before - usdc(1_200));
    expect(await s.exchange.margin(s.bob.address, s.btcMarket)).to.equal(usdc(1_200));
    await expectPerpBooks(s);
  });

  it("refuses what a withdrawal refuses, naming the values, and a zero amount or address", async () => {
    const s = await loadFixture(withLong);
    await expect(
      s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.bob.address, usdc(1_001)),
    ).to.be.revertedWithCustomError(s.exchange, "PerpInsufficientMarginBalance");
    // 5,000 USD of notional needs 125 USD of maintenance margin: 900 out leaves 100.
    await expect(s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.bob.address, usdc(900)))
      .to.be.revertedWithCustomError(s.exchange, "PerpMarginRequirementNotMet")
      .withArgs(s.alice.address, s.btcMarket, usdc(100), usdc(125));
    await expect(
      s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.bob.address, 0),
    ).to.be.revertedWithCustomError(s.exchange, "PerpZeroAmount");
    await expect(
      s.exchange.connect(s.alice).transferMargin(s.btcMarket, ethers.ZeroAddress, 1),
    ).to.be.revertedWithCustomError(s.exchange, "PerpZeroAddress");
    await expect(s.exchange.connect(s.alice).transferMargin(7, s.bob.address, 1)).to.be.revertedWithCustomError(
      s.exchange,
      "PerpUnknownMarket",
    );
  });

  it("to oneself changes nothing but the funding it settles", async () => {
    const s = await loadFixture(withLong);
    await s.exchange.connect(s.alice).transferMargin(s.btcMarket, s.alice.address, usdc(10));
    expect(await s.exchange.margin(s.alice.address, s.btcMarket)).to.equal(usdc(1_000));
    await expectPerpBooks(s);
  });
});
