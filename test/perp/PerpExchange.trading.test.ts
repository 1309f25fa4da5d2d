import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { accountFigures, deployPerp, expectPerpBooks, openPosition } from "../helpers/perp";
import { divFloor, mulDivDown, mulDivUp } from "../../src/model/fixedPoint";
import { SCALE, accountValue, requirement, takerFee, toCollateral } from "../helpers/perpMath";
import { feedPrice, usdc, wad, WAD } from "../helpers/units";

const FUND = usdc(1_000_000);
const FEE_BPS = 10n;

async function perpFixture() {
  return deployPerp();
}

async function feeFixture() {
  return deployPerp({ takerFeeBps: Number(FEE_BPS) });
}

describe("PerpExchange: margin and trading", () => {
  describe("deposit", () => {
    it("credits the account's margin, pulls from the caller and emits MarginDeposited", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, usdc: token, alice, bob } = s;
      // bob funds alice's account
      const tx = exchange.connect(bob).deposit(0, alice.address, usdc(1234.5));
      await expect(tx).to.emit(exchange, "MarginDeposited").withArgs(alice.address, 0n, bob.address, usdc(1234.5));
      await expect(tx).to.changeTokenBalances(token, [bob, exchange], [-usdc(1234.5), usdc(1234.5)]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1234.5));
      expect((await exchange.accountState(bob.address, 0)).margin).to.equal(0n);
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1234.5));
      await exchange.connect(alice).deposit(0, alice.address, 1n);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1234.5) + 1n);
      await expectPerpBooks(s);
    });

    it("rejects a zero amount, the zero account, an unknown market and a missing allowance", async () => {
      const { exchange, usdc: token, alice, stranger } = await loadFixture(perpFixture);
      await expect(exchange.connect(alice).deposit(0, alice.address, 0)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAmount",
      );
      await expect(exchange.connect(alice).deposit(0, ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAddress",
      );
      await expect(exchange.connect(alice).deposit(7, alice.address, 1))
        .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
        .withArgs(7n);
      await expect(exchange.connect(stranger).deposit(0, stranger.address, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await exchange.getAddress(), 0n, 1n);
    });
  });

  describe("withdraw", () => {
    it("without a position: the whole margin to any recipient, and not a unit more", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, usdc: token, alice, carol } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      await expect(exchange.connect(alice).withdraw(0, usdc(1000) + 1n, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientMarginBalance")
        .withArgs(alice.address, 0n, usdc(1000) + 1n, usdc(1000));
      const tx = exchange.connect(alice).withdraw(0, usdc(1000), carol.address);
      await expect(tx).to.emit(exchange, "MarginWithdrawn").withArgs(alice.address, 0n, carol.address, usdc(1000));
      await expect(tx).to.changeTokenBalances(token, [exchange, carol, alice], [-usdc(1000), usdc(1000), 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(0n);
      await expectPerpBooks(s);
    });

    it("rejects a zero amount, the zero recipient, an unknown market and someone else's margin", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, alice, bob } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      await expect(exchange.connect(alice).withdraw(0, 0, alice.address)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAmount",
      );
      await expect(exchange.connect(alice).withdraw(0, 1, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        exchange,
        "PerpZeroAddress",
      );
      await expect(exchange.connect(alice).withdraw(3, 1, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
        .withArgs(3n);
      // margin is per account: bob cannot take alice's
      await expect(exchange.connect(bob).withdraw(0, 1, bob.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientMarginBalance")
        .withArgs(bob.address, 0n, 1n, 0n);
    });

    it("with a position: exactly down to the maintenance margin passes, one unit more reverts", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      // maintenance: 0.06 x 50,000 x 2.5% = 75 USDC, so 925 may go
      const maintenance = requirement(wad("0.06"), wad(50_000), 250n);
      expect(maintenance).to.equal(usdc(75));
      expect((await accountFigures(exchange, alice.address, 0)).maintenanceMargin).to.equal(maintenance);
      await expect(exchange.connect(alice).withdraw(0, usdc(925) + 1n, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(75) - 1n, usdc(75));
      await expect(exchange.connect(alice).withdraw(0, usdc(1000) + 1n, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientMarginBalance")
        .withArgs(alice.address, 0n, usdc(1000) + 1n, usdc(1000));
      await exchange.connect(alice).withdraw(0, usdc(925), alice.address);
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(75));
      expect(await exchange.isLiquidatable(alice.address, 0)).to.equal(false);
      await expect(exchange.connect(alice).withdraw(0, 1, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(75) - 1n, usdc(75));
      await expectPerpBooks(s);
    });

    it("the limit is value - maintenance, a loss or a profit alike: profit beyond the margin is realized first", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice, bob } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      await openPosition(s, bob, usdc(1000), wad("0.06"));
      await btcFeed.updateAnswer(feedPrice(45_000));
      // value 1,000 - 300 = 700; maintenance 0.06 x 45,000 x 2.5% = 67.5
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(700));
      await expect(exchange.connect(alice).withdraw(0, usdc("632.5") + 1n, alice.address))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc("67.5") - 1n, usdc("67.5"));
      await exchange.connect(alice).withdraw(0, usdc("632.5"), alice.address);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc("367.5"));

      await btcFeed.updateAnswer(feedPrice(60_000));
      // bob: margin 1,000, unrealized +600, maintenance 0.06 x 60,000 x 2.5% = 90: 1,510 may go
      await exchange.connect(bob).withdraw(0, usdc(1000), bob.address);
      expect((await exchange.accountState(bob.address, 0)).value).to.equal(usdc(600));
      // beyond the margin and the realizable profit: refused with what is available
      await expect(exchange.connect(bob).withdraw(0, usdc(600) + 1n, bob.address))
        .to.be.revertedWithCustomError(exchange, "PerpInsufficientMarginBalance")
        .withArgs(bob.address, 0n, usdc(600) + 1n, usdc(600));
      await expect(exchange.connect(bob).withdraw(0, usdc(510) + 1n, bob.address))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(bob.address, 0n, usdc(90) - 1n, usdc(90));
      // the profit the withdrawal needs is realized: the fund pays it, the cost basis moves by as much
      const fundBefore = await exchange.fundBalance();
      await expect(exchange.connect(bob).withdraw(0, usdc(510), bob.address))
        .to.emit(exchange, "AccountSettled")
        .withArgs(bob.address, 0n, wad(510), 0n, 0n, usdc(510), 0n);
      expect(await exchange.fundBalance()).to.equal(fundBefore - usdc(510));
      expect((await exchange.accountState(bob.address, 0)).margin).to.equal(0n);
      expect((await exchange.position(bob.address, 0)).openNotional).to.equal(wad(3_000) + wad(510));
      expect((await exchange.accountState(bob.address, 0)).value).to.equal(usdc(90));
      await expectPerpBooks(s);
    });
  });

  describe("PnL of longs and shorts", () => {
    // [size, new price, account value and closing margin]
    const cases: [string, string, number, number][] = [
      ["long", "0.06", 60_000, 1_600],
      ["long", "0.06", 40_000, 400],
      ["short", "-0.06", 60_000, 400],
      ["short", "-0.06", 40_000, 1_600],
    ];
    for (const [side, size, newPrice, value] of cases) {
      it(`1,000 USDC, ${side} 0.06 BTC at 50,000 -> ${newPrice}: account value ${value}, realized on close`, async () => {
        const s = await loadFixture(perpFixture);
        const { exchange, btcFeed, alice } = s;
        await openPosition(s, alice, usdc(1000), wad(size));
        expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(50_000));
        expect((await accountFigures(exchange, alice.address, 0)).notional).to.equal(wad(size) * 50_000n);
        expect((await exchange.position(alice.address, 0)).openNotional).to.equal(wad(size) * 50_000n);

        await btcFeed.updateAnswer(feedPrice(newPrice));
        const pnl = usdc(value) - usdc(1000);
        expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(value));
        expect((await accountFigures(exchange, alice.address, 0)).unrealizedPnl).to.equal(pnl * SCALE);
        expect((await accountFigures(exchange, alice.address, 0)).notional).to.equal(wad(size) * BigInt(newPrice));
        expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000));

        const preview = await exchange.previewTrade(alice.address, 0, 0, -wad(size));
        expect([preview.valueBefore, preview.valueAfter, preview.price]).to.deep.equal([
          usdc(value),
          usdc(value),
          wad(newPrice),
        ]);
        const close = exchange.connect(alice).trade(0, -wad(size));
        await expect(close)
          .to.emit(exchange, "Traded")
          .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [pnl * SCALE, 0n, 0n, pnl, 0n]);
        await expect(close)
          .to.emit(exchange, "Traded")
          .withArgs(alice.address, 0n, -wad(size), wad(newPrice), 0n, 0n, anyValue);
        expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(value));
        expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(value));
        expect(await exchange.fundBalance()).to.equal(FUND - pnl);
        const position = await exchange.position(alice.address, 0);
        expect([position.size, position.openNotional]).to.deep.equal([0n, 0n]);
        expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(0n);
        await expectPerpBooks(s);
      });
    }

    it("trade returns the fill price and PnL follows a second account independently", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice, bob } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      expect((await exchange.connect(alice).trade.staticCall(0, wad("0.06")))[0]).to.equal(wad(50_000));
      await exchange.connect(alice).trade(0, wad("0.06"));
      await btcFeed.updateAnswer(feedPrice("52345.67"));
      await openPosition(s, bob, usdc(500), wad("-0.01"));
      await btcFeed.updateAnswer(feedPrice(51_000));
      // alice: 0.06 x (51,000 - 50,000) = +60; bob: 0.01 x (52,345.67 - 51,000) = +13.4567
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1060));
      expect((await exchange.accountState(bob.address, 0)).value).to.equal(usdc("513.4567"));
      await expectPerpBooks(s);
    });
  });

  describe("average entry price, reduce, close and flip", () => {
    it("averages the entry price of a long over several fills", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(10_000), wad("0.01"));
      await btcFeed.updateAnswer(feedPrice(54_000));
      await exchange.connect(alice).trade(0, wad("0.03"));
      // (0.01 x 50,000 + 0.03 x 54,000) / 0.04 = 2,120 / 0.04 = 53,000
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(53_000));
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(wad(2_120));
      await btcFeed.updateAnswer(feedPrice(45_000));
      await exchange.connect(alice).trade(0, wad("0.04"));
      // (2,120 + 1,800) / 0.08 = 49,000
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(49_000));
      await btcFeed.updateAnswer(feedPrice(55_000));
      expect((await accountFigures(exchange, alice.address, 0)).unrealizedPnl).to.equal(wad(480));
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(10_000));
      await expectPerpBooks(s);
    });

    it("averages the entry price of a short over several fills", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(10_000), wad("-0.02"));
      await btcFeed.updateAnswer(feedPrice(40_000));
      await exchange.connect(alice).trade(0, wad("-0.02"));
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(45_000));
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(-wad(1_800));
      await btcFeed.updateAnswer(feedPrice(42_000));
      expect((await accountFigures(exchange, alice.address, 0)).unrealizedPnl).to.equal(wad(120));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(10_120));
    });

    it("rounds the cost basis against the trader, for both sides", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice, bob } = s;
      await btcFeed.updateAnswer(feedPrice("50000.12345678"));
      const price = wad("50000.12345678");
      // 3 wei x 50,000.12345678 = 150,000.37... wei of USD
      await openPosition(s, alice, usdc(1), 3n);
      await openPosition(s, bob, usdc(1), -3n);
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(150_001n);
      expect((await exchange.position(bob.address, 0)).openNotional).to.equal(-150_000n);
      expect(mulDivUp(3n, price, WAD)).to.equal(150_001n);
      // each side starts one wei of USD under water, never above
      expect((await accountFigures(exchange, alice.address, 0)).unrealizedPnl).to.equal(-1n);
      expect((await accountFigures(exchange, bob.address, 0)).unrealizedPnl).to.equal(-1n);
      // and the account value is rounded down to the unit
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1) - 1n);
    });

    it("reduces a long: the closed part's PnL goes into margin, the entry price stays", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      await btcFeed.updateAnswer(feedPrice(60_000));
      const tx = exchange.connect(alice).trade(0, wad("-0.02"));
      await expect(tx)
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, wad("-0.02"), wad(60_000), wad("0.04"), wad(2_000), anyValue);
      await expect(tx)
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [wad(200), 0n, 0n, usdc(200), 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1200));
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(50_000));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1600));
      expect(await exchange.fundBalance()).to.equal(FUND - usdc(200));
      await expectPerpBooks(s);
    });

    it("reduces a short at a loss: the loss goes to the fund", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("-0.06"));
      await btcFeed.updateAnswer(feedPrice(55_000));
      await expect(exchange.connect(alice).trade(0, wad("0.03")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [-wad(150), 0n, 0n, -usdc(150), 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(850));
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(-wad(1_500));
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(50_000));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(700));
      expect(await exchange.fundBalance()).to.equal(FUND + usdc(150));
      await expectPerpBooks(s);
    });

    it("rounds realized PnL in favour of the fund (a gain down, a loss up, to the unit)", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice, bob } = s;
      const size = 123_456_789_012_345_678n; // 0.123456789012345678 BTC
      await openPosition(s, alice, usdc(1000), size);
      await openPosition(s, bob, usdc(1000), -size);
      const entry = wad(50_000);
      const exit = wad("50000.01");
      await btcFeed.updateAnswer(feedPrice("50000.01"));
      // alice gains 0.0012345... USDC, bob loses as much; neither is a whole number of units
      const aliceRealized = mulDivDown(size, exit, WAD) - mulDivUp(size, entry, WAD);
      const bobRealized = mulDivDown(-size, exit, WAD) - mulDivUp(-size, entry, WAD);
      expect(aliceRealized % SCALE).to.not.equal(0n);
      await expect(exchange.connect(alice).trade(0, -size))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [
          aliceRealized,
          0n,
          0n,
          aliceRealized / SCALE,
          0n,
        ]);
      await expect(exchange.connect(bob).trade(0, size))
        .to.emit(exchange, "Traded")
        .withArgs(bob.address, 0n, anyValue, anyValue, anyValue, anyValue, [
          bobRealized,
          0n,
          0n,
          divFloor(bobRealized, SCALE),
          0n,
        ]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) + 1_234n);
      expect((await exchange.accountState(bob.address, 0)).margin).to.equal(usdc(1000) - 1_235n);
      expect(await exchange.fundBalance()).to.equal(FUND + 1n);
      await expectPerpBooks(s);
    });

    it("a partial reduce realizes the closed share of the cost basis rounded against the trader", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice, bob } = s;
      // two fills at different prices: a cost basis of 1,500.0000000002 USD that a third of does not divide
      await openPosition(s, alice, usdc(1000), wad("0.01"));
      await openPosition(s, bob, usdc(1000), -wad("0.01"));
      await btcFeed.updateAnswer(feedPrice("50000.00000001"));
      await exchange.connect(alice).trade(0, wad("0.02"));
      await exchange.connect(bob).trade(0, -wad("0.02"));
      const basis = 1_500_000_000_000_200_000_000n;
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(basis);
      expect((await exchange.position(bob.address, 0)).openNotional).to.equal(-basis);
      await btcFeed.updateAnswer(feedPrice(50_000));

      // the long closes a third: 500.0000000000666... of cost rounded up, so it realizes 1 wei less
      const longClosed = mulDivUp(basis, 1n, 3n);
      expect(longClosed).to.equal(500_000_000_000_066_666_667n);
      await expect(exchange.connect(alice).trade(0, -wad("0.01")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [wad(500) - longClosed, 0n, 0n, -1n, 0n]);
      expect((await exchange.position(alice.address, 0)).openNotional).to.equal(basis - longClosed);

      // the short closes a third: its (negative) cost rounded toward zero, so it too realizes 1 wei less
      const shortClosed = mulDivUp(-basis, 1n, 3n);
      expect(shortClosed).to.equal(-500_000_000_000_066_666_666n);
      await expect(exchange.connect(bob).trade(0, wad("0.01")))
        .to.emit(exchange, "Traded")
        .withArgs(bob.address, 0n, anyValue, anyValue, anyValue, anyValue, [-wad(500) - shortClosed, 0n, 0n, 0n, 0n]);
      expect((await exchange.position(bob.address, 0)).openNotional).to.equal(-basis - shortClosed);
      await expectPerpBooks(s);
    });

    it("flips a long into a short: PnL realized on the old side, entry price = fill price", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      await btcFeed.updateAnswer(feedPrice(60_000));
      const tx = exchange.connect(alice).trade(0, wad("-0.1"));
      await expect(tx)
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, wad("-0.1"), wad(60_000), wad("-0.04"), -wad(2_400), anyValue);
      await expect(tx)
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [wad(600), 0n, 0n, usdc(600), 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1600));
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad(60_000));
      await btcFeed.updateAnswer(feedPrice(55_000));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1800));
      await expectPerpBooks(s);
    });

    it("flips a short into a long: entry price = fill price", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("-0.06"));
      await btcFeed.updateAnswer(feedPrice("40000.5"));
      await exchange.connect(alice).trade(0, wad("0.1"));
      const position = await exchange.position(alice.address, 0);
      expect(position.size).to.equal(wad("0.04"));
      expect(position.openNotional).to.equal(wad("1600.02"));
      expect((await accountFigures(exchange, alice.address, 0)).entryPrice).to.equal(wad("40000.5"));
      // 0.06 x (50,000 - 40,000.5) = 599.97
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc("1599.97"));
      await expectPerpBooks(s);
    });

    it("a flip must leave the new side backed by the initial margin", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      // a 0.4 BTC short at 50,000 needs exactly 1,000 USDC of initial margin
      const tooFar = -wad("0.46") - 1n;
      await expect(exchange.connect(alice).trade(0, tooFar))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(1000), requirement(wad("0.4") + 1n, wad(50_000), 500n));
      await exchange.connect(alice).trade(0, -wad("0.46"));
      expect((await exchange.position(alice.address, 0)).size).to.equal(-wad("0.4"));
      expect((await accountFigures(exchange, alice.address, 0)).initialMargin).to.equal(usdc(1000));
    });
  });

  describe("initial margin on trades that increase exposure", () => {
    it("opening exactly at the initial margin passes; one wei of size more reverts with the values", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      const required = requirement(wad("0.4") + 1n, wad(50_000), 500n);
      expect(required).to.equal(usdc(1000) + 1n);
      await expect(exchange.connect(alice).trade(0, wad("0.4") + 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(1000), required);
      await expect(exchange.connect(alice).trade(0, -wad("0.4") - 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(1000), required);
      await exchange.connect(alice).trade(0, wad("0.4"));
      expect((await accountFigures(exchange, alice.address, 0)).initialMargin).to.equal(usdc(1000));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(1000));
    });

    it("increasing an open position is checked on the whole new size", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.2"));
      await expect(exchange.connect(alice).trade(0, wad("0.2") + 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(1000), usdc(1000) + 1n);
      await exchange.connect(alice).trade(0, wad("0.2"));
      expect((await exchange.position(alice.address, 0)).size).to.equal(wad("0.4"));
    });

    it("reductions are always allowed: under the initial margin, under maintenance, even into bad debt", async () => {
      const s = await loadFixture(perpFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.4"));
      await btcFeed.updateAnswer(feedPrice(49_000));
      // value 600 < initial margin 980: no increase, but a reduction
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(600));
      await expect(exchange.connect(alice).trade(0, 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, usdc(600), requirement(wad("0.4") + 1n, wad(49_000), 500n));
      await exchange.connect(alice).trade(0, -wad("0.1"));
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(900));

      await btcFeed.updateAnswer(feedPrice(48_000));
      // value 900 - 0.3 x 2,000 = 300 < maintenance 0.3 x 48,000 x 2.5% = 360
      expect(await exchange.isLiquidatable(alice.address, 0)).to.equal(true);
      await exchange.connect(alice).trade(0, -wad("0.01"));
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(880));

      await btcFeed.updateAnswer(feedPrice(45_000));
      // closing 0.29 realizes -1,450 against a margin of 880: 570 of bad debt, absorbed by the fund
      const fundBefore = await exchange.fundBalance();
      await expect(exchange.connect(alice).trade(0, -wad("0.29")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [
          -wad(1_450),
          0n,
          0n,
          -usdc(880),
          usdc(570),
        ]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(0n);
      expect(await exchange.fundBalance()).to.equal(fundBefore + usdc(880));
      await expectPerpBooks(s);
    });
  });

  describe("taker fee", () => {
    it("charges |size| x price x fee bps to the margin, paid to the fund", async () => {
      const s = await loadFixture(feeFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      // 0.06 x 50,000 x 0.1% = 3 USDC
      const tx = exchange.connect(alice).trade(0, wad("0.06"));
      await expect(tx)
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [0n, 0n, wad(3), -usdc(3), 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(997));
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(usdc(997));
      expect(await exchange.fundBalance()).to.equal(FUND + usdc(3));
      await expectPerpBooks(s);
    });

    it("rounds the fee up, in USD WAD and then to the collateral unit", async () => {
      const s = await loadFixture(feeFixture);
      const { exchange, btcFeed, alice } = s;
      await btcFeed.updateAnswer(feedPrice("50000.12345678"));
      const price = wad("50000.12345678");
      const size = 123_456_789_012_345_679n;
      const exact = size * price * FEE_BPS;
      expect(exact % (WAD * 10_000n)).to.not.equal(0n); // the WAD fee is not whole: it is rounded
      const fee = takerFee(size, price, FEE_BPS);
      expect(fee).to.equal(exact / (WAD * 10_000n) + 1n);
      await openPosition(s, alice, usdc(1000), 0n);
      await expect(exchange.connect(alice).trade(0, -size))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [0n, 0n, fee, -(fee / SCALE) - 1n, 0n]);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) - fee / SCALE - 1n);
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc(1000) + toCollateral(-fee));
      await expectPerpBooks(s);
    });

    it("charges the fee on the whole traded size when reducing, closing and flipping", async () => {
      const s = await loadFixture(feeFixture);
      const { exchange, btcFeed, alice } = s;
      await openPosition(s, alice, usdc(1000), wad("0.06"));
      await btcFeed.updateAnswer(feedPrice(60_000));
      // reduce 0.02: +200 PnL, fee 1.2
      await expect(exchange.connect(alice).trade(0, -wad("0.02")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [
          wad(200),
          0n,
          wad("1.2"),
          usdc("198.8"),
          0n,
        ]);
      // flip by 0.1: +400 PnL on the 0.04 closed, fee on 0.1 = 6
      await expect(exchange.connect(alice).trade(0, -wad("0.1")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [wad(400), 0n, wad(6), usdc(394), 0n]);
      // close the 0.06 short at 60,000: no PnL, fee 3.6
      await expect(exchange.connect(alice).trade(0, wad("0.06")))
        .to.emit(exchange, "Traded")
        .withArgs(alice.address, 0n, anyValue, anyValue, anyValue, anyValue, [0n, 0n, wad("3.6"), -usdc("3.6"), 0n]);
      // 1,000 - 3 (opening fee) + 198.8 + 394 - 3.6
      expect((await exchange.accountState(alice.address, 0)).margin).to.equal(usdc("1586.2"));
      await expectPerpBooks(s);
    });

    it("the initial margin check counts the fee: exact largest size, and one wei more", async () => {
      const s = await loadFixture(feeFixture);
      const { exchange, alice } = s;
      await openPosition(s, alice, usdc(1000), 0n);
      const price = wad(50_000);
      const valueAfter = (size: bigint) =>
        accountValue(
          usdc(1000) + toCollateral(-takerFee(size, price, FEE_BPS)),
          size,
          mulDivUp(size, price, WAD),
          price,
        );
      const passes = (size: bigint) => valueAfter(size) >= requirement(size, price, 500n);
      // the largest size that passes (about 1,000 / 0.051 / 50,000 = 0.3921...)
      let lo = 1n;
      let hi = wad("0.4");
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        if (passes(mid)) lo = mid;
        else hi = mid;
      }
      expect(passes(lo) && !passes(lo + 1n)).to.equal(true);
      expect(lo / 10n ** 12n).to.equal(392_156n);
      await expect(exchange.connect(alice).trade(0, lo + 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(alice.address, 0n, valueAfter(lo + 1n), requirement(lo + 1n, price, 500n));
      await exchange.connect(alice).trade(0, lo);
      expect((await exchange.accountState(alice.address, 0)).value).to.equal(valueAfter(lo));
      await expectPerpBooks(s);
    });
  });

  describe("zero trades and unknown markets", () => {
    it("rejects a zero size and an unknown market", async () => {
      const { exchange, alice } = await loadFixture(perpFixture);
      await expect(exchange.connect(alice).trade(0, 0)).to.be.revertedWithCustomError(exchange, "PerpZeroAmount");
      await expect(exchange.connect(alice).trade(1, 1))
        .to.be.revertedWithCustomError(exchange, "PerpUnknownMarket")
        .withArgs(1n);
    });

    it("a trade without margin cannot open anything", async () => {
      const { exchange, stranger } = await loadFixture(perpFixture);
      await expect(exchange.connect(stranger).trade(0, 1n))
        .to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet")
        .withArgs(stranger.address, 0n, 0n, 1n);
    });
  });
});
