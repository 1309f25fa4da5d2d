import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { TermsSourceAccount } from "../../typechain-types";
import { deployPerp, expectBooksOf } from "../helpers/perp";
import { feedPrice, usdc, wad } from "../helpers/units";

const DAY = 86_400n;
const CAP = usdc(2);

/**
 * `tradeToLeverage` pays a keeper reward in the same call (what a token's rebalance pays its keeper): when a reward
 * may be due (an empty band, or the account outside it) it asks the caller for its terms (`keeperRewardTerms`, one
 * word), computes `KeeperReward.rewardAt` on them at the call's target leverage from the account before the trade,
 * and moves it from the caller's margin to the
 * keeper's as a withdrawal takes it, with `MarginTransferred`. The caller here is `TermsSourceAccount`, which answers
 * for its terms as a token does.
 */
describe("PerpExchange.tradeToLeverage: the keeper reward", () => {
  /** An account holding 1,000 USDC at 3x, "rebalanced" a day ago: the budget has accrued, the interval has passed. */
  async function rebalancedADayAgo() {
    const s = await deployPerp();
    const account = await ethers.deployContract("TermsSourceAccount", [await s.exchange.getAddress()]);
    const address = await account.getAddress();
    await s.exchange.connect(s.alice).deposit(0, address, usdc(1_000));
    await account.forward(s.exchange.interface.encodeFunctionData("trade", [0, wad("0.06")]));
    const last = BigInt(await time.latest());
    await setTerms(account, terms(last));
    await time.increase(DAY);
    await s.btcFeed.updateAnswer(feedPrice(50_000));
    return { ...s, account, address, last };
  }

  /**
   * Terms as a token passes them, due a day after `last`, with a band of 1/3 (at 3x: the upper edge just under 4x, the
   * emergency just under 4.5x); a budget that does not bind unless given (a token's is at most 100 bp).
   */
  function terms(last: bigint, rest: Partial<Record<string, bigint>> = {}) {
    return {
      cap: CAP,
      rampTime: 600n,
      maxPerYearBps: 65_535n,
      lastRebalance: last,
      interval: DAY,
      band: wad(1) / 3n,
      ...rest,
    };
  }

  function setTerms(account: TermsSourceAccount, t: ReturnType<typeof terms>) {
    return account.setTerms(t.cap, t.rampTime, t.maxPerYearBps, t.lastRebalance, t.interval, t.band);
  }

  /** `tradeToLeverage(0, leverage, keeper)` from the account; an empty band unless `hold` (one no leverage leaves). */
  function rebalance(account: TermsSourceAccount, keeper: string, hold = false, leverage = wad(3)) {
    const exchange = ethers.Interface.from([
      "function tradeToLeverage(uint256,(int256,uint256,uint256,uint256,uint256,address))",
    ]);
    const band = hold ? [0n, ethers.MaxUint256] : [ethers.MaxUint256, 0n];
    return account.forward(
      exchange.encodeFunctionData("tradeToLeverage", [0, [leverage, 0n, ethers.MaxUint256, ...band, keeper]]),
    );
  }

  it("pays what KeeperReward says into the keeper's margin (which may hold none yet); no stablecoin moves", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    await time.setNextBlockTimestamp(s.last + DAY + 300n);
    const balance = await s.usdc.balanceOf(await s.exchange.getAddress());
    const value = (await s.exchange.accountState(s.address, 0)).value;
    await expect(rebalance(s.account, s.keeper.address))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.keeper.address, 0, CAP / 2n);
    expect((await s.exchange.accountState(s.keeper.address, 0)).margin).to.equal(CAP / 2n);
    expect((await s.exchange.accountState(s.address, 0)).value).to.equal(value - CAP / 2n);
    expect(await s.usdc.balanceOf(await s.exchange.getAddress())).to.equal(balance);
    await expect(s.exchange.connect(s.keeper).withdraw(0, CAP / 2n, s.keeper.address)).to.changeTokenBalance(
      s.usdc,
      s.keeper,
      CAP / 2n,
    );
    await expectBooksOf(s, [s.address]);
  });

  it("beyond the settled margin realizes the profit it needs; paid to the caller itself it changes nothing", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    await s.btcFeed.updateAnswer(feedPrice(60_000)); // +600 USD unrealized
    const withdraw = s.exchange.interface.encodeFunctionData("withdraw", [0, usdc(999), s.alice.address]);
    await s.account.forward(withdraw); // 1 USDC of settled margin left
    await setTerms(s.account, terms(s.last, { interval: 0n })); // due a day ago: past the ramp, the cap
    const value = (await s.exchange.accountState(s.address, 0)).value;
    await expect(rebalance(s.account, s.keeper.address, true)).not.to.emit(s.exchange, "MarginTransferred");
    // To about 6x on 601 USD: the position grows, so nothing is realized by the trade and the margin stays at 1 USDC.
    await expect(rebalance(s.account, s.keeper.address, false, wad(6)))
      .to.emit(s.exchange, "AccountSettled") // the realization
      .and.to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.keeper.address, 0, CAP);
    expect((await s.exchange.accountState(s.keeper.address, 0)).margin).to.equal(CAP);
    expect((await s.exchange.accountState(s.address, 0)).margin).to.equal(0n);
    const after = (await s.exchange.accountState(s.address, 0)).value;
    expect(after).to.be.within(value - CAP - 1n, value - CAP); // less the cap and the trade's unit of rounding
    await expectBooksOf(s, [s.address]);
    // Paid to itself: the value moves by no more than the small trade's unit of rounding, and the books hold.
    await expect(rebalance(s.account, s.address, false, wad(6)))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.address, 0, CAP);
    expect((await s.exchange.accountState(s.address, 0)).value).to.be.within(after - 1n, after);
    await expectBooksOf(s, [s.address]);
  });

  it("may take the account down to its maintenance margin after the trade, not one unit below", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    await s.btcFeed.updateAnswer(feedPrice(51_000)); // the trade to 3x grows the position: the reward is debited after
    // A budget of two years that does not bind, due a year ago (the cap at once), and a cap of nearly all the margin.
    const rich = (cap: bigint) => terms(s.last - 2n * 365n * DAY, { cap, interval: 0n });
    const at = BigInt(await time.latest()) + 10n; // every attempt at this time (a reverted one is mined too)
    const before = await takeSnapshot();
    await setTerms(s.account, rich(usdc(990)));
    await time.setNextBlockTimestamp(at);
    const error = await rebalance(s.account, s.keeper.address).then(
      () => undefined,
      (e: { data?: string }) => s.exchange.interface.parseError(e.data ?? "0x"),
    );
    expect(error?.name).to.equal("PerpMarginRequirementNotMet");
    const [owner, market, value, required] = error!.args.toArray() as [string, bigint, bigint, bigint];
    expect([owner, market]).to.deep.equal([s.address, 0n]);
    expect(value).to.be.lessThan(required); // the value after the trade, less 990 USDC
    // The most it may take: the value after the trade less the requirement, which leaves the requirement exactly.
    const most = usdc(990) - (required - value);
    await before.restore();
    await setTerms(s.account, rich(most + 1n));
    await time.setNextBlockTimestamp(at);
    await expect(rebalance(s.account, s.keeper.address))
      .to.be.revertedWithCustomError(s.exchange, "PerpMarginRequirementNotMet")
      .withArgs(s.address, 0n, required - 1n, required);
    await before.restore();
    await setTerms(s.account, rich(most));
    await time.setNextBlockTimestamp(at);
    await expect(rebalance(s.account, s.keeper.address))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.keeper.address, 0, most);
    expect((await s.exchange.accountState(s.address, 0)).value).to.equal(required);
    expect(await s.exchange.isLiquidatable(s.address, 0)).to.equal(false);
    await expectBooksOf(s, [s.address]);
  });

  it("reads the terms at the call's target leverage: 1.5 band-widths above it pays the cap at once", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    // Not due for 10 days, a band of 1/10: at a 3x target the account (3x) is within it; at a 2x target it is above
    // the emergency leverage (2.3x).
    await setTerms(s.account, terms(s.last, { interval: 10n * DAY, band: wad(1) / 10n }));
    await expect(rebalance(s.account, s.keeper.address)).not.to.emit(s.exchange, "MarginTransferred");
    await expect(rebalance(s.account, s.keeper.address, false, wad(2)))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.keeper.address, 0, CAP);
  });

  it("never more than the budget: levered value x maxPerYearBps x the time since the last rebalance", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    const at = s.last + DAY + 300n;
    await setTerms(s.account, terms(s.last, { maxPerYearBps: 50n }));
    await time.setNextBlockTimestamp(at);
    const levered = (await s.exchange.accountState(s.address, 0)).value;
    const budget = (levered * 50n * (at - s.last)) / (10_000n * 365n * DAY); // 13,746 units: about 0.0137 USDC
    await expect(rebalance(s.account, s.keeper.address))
      .to.emit(s.exchange, "MarginTransferred")
      .withArgs(s.address, s.keeper.address, 0, budget);
  });

  it("pays nothing to the zero keeper, within the band, or before it is due", async () => {
    const s = await loadFixture(rebalancedADayAgo);
    await expect(rebalance(s.account, ethers.ZeroAddress)).not.to.emit(s.exchange, "MarginTransferred");
    await setTerms(s.account, terms(s.last, { interval: 10n * DAY }));
    await expect(rebalance(s.account, s.keeper.address)).not.to.emit(s.exchange, "MarginTransferred");
    expect((await s.exchange.accountState(s.keeper.address, 0)).margin).to.equal(0n);
  });
});
