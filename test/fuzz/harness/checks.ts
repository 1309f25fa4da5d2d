import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { InvariantLens } from "../../../typechain-types";
import { MINIMUM_SHARES } from "../../../src/model/token/types";
import { REBALANCE_ACTIONS } from "../../../src/chain/enums";
import { abs, COLLATERAL_SCALE, WAD } from "../../../src/model/fixedPoint";
import { errorName, eventsOf, mined, mirrorPrice, mirrorRedeem, mirrorTrader, replayOn } from "./mirror";
import { DEAD, DUST, NAMES, type Model, type Real } from "./world";

type Reports = Awaited<ReturnType<InvariantLens["check"]>>[0];
type States = Awaited<ReturnType<InvariantLens["check"]>>[2];

/** LeveragedToken's views that value its position (bits of InvariantLens.TokenReport.failedViews): equity,
 * navPerShare, currentLeverage, positionNotional, capHeadroom. */
const TOKEN_VALUING_VIEWS = (1n << 0n) | (1n << 1n) | (1n << 2n) | (1n << 6n) | (1n << 13n);

/**
 * The token's state as the chain's views show it equals the exact model's, to the wei, at the latest block's time
 * (the time views run at). The lens counts the pending management fee shares apart from totalSupply (the ERC-20
 * supply) and in navPerShare; the model does the same. The model has no staleness: its price is the feed's last
 * answer, which is what keeperStatus values at on a stale price; the valuing views answer only on a fresh one (or
 * without a position), and `rebalanceAction` is NONE on chain while the price is not fresh.
 */
function expectModelState(m: Model, reports: Reports, fresh: boolean, now: bigint, command: string): void {
  reports.forEach((t, i) => {
    const x = m.exact[i].at(now);
    const label = `token ${i} (${NAMES[i]}) after ${command}, chain vs model`;
    if (fresh || t.positionSize === 0n) {
      expect(t.navPerShare, `${label}: navPerShare`).to.equal(x.navPerShare());
      expect(t.equity, `${label}: equity`).to.equal(x.equity());
      expect(t.currentLeverage, `${label}: currentLeverage`).to.equal(x.currentLeverage());
      expect(t.capHeadroom, `${label}: capHeadroom`).to.equal(x.capHeadroom());
    }
    // maxMint never reverts: 0 while paused or on a price that is not fresh, else the model's.
    const mintable = m.paused[i] || !fresh ? 0n : x.maxMint();
    expect(t.maxMint, `${label}: maxMint`).to.equal(mintable);
    expect(t.failedViews & (1n << 9n), `${label}: maxMint reverted`).to.equal(0n);
    expect(t.keeperEquity, `${label}: keeperStatus equity`).to.equal(x.equity());
    expect(t.keeperLeverage, `${label}: keeperStatus leverage`).to.equal(x.currentLeverage());
    expect(t.totalSupply, `${label}: totalSupply`).to.equal(x.supply);
    expect(t.pendingFeeShares, `${label}: pendingManagementFeeShares`).to.equal(x.pendingManagementFeeShares());
    expect(t.positionSize, `${label}: positionSize`).to.equal(x.size);
    expect(t.margin, `${label}: margin`).to.equal(x.state.margin);
    if (fresh) expect(REBALANCE_ACTIONS[Number(t.action)], `${label}: rebalanceAction`).to.equal(x.rebalanceAction());
    expect(t.wipedOut, `${label}: wipedOut`).to.equal(x.wipedOut);
  });
}

/**
 * Every mirrored exchange account (the tokens', the traders', the retired tokens') equals its model to the wei:
 * margin, size, cost basis and value (accountState, which answers on any price; the model's price is the feed's last
 * answer). The books: the fund holds what it held when the sequence started plus what every account paid it, net (the
 * models' ledgers; a liquidation's ledger counts the penalty less the liquidator's reward, which left from the
 * margin). Bad debt: the models' grows by exactly what the chain's events booked during the command (each booking
 * audited when mirrored: only on a close, and minus the account's value at the close, net of its fee).
 */
function expectAccounts(m: Model, r: Real, states: States, fund: bigint, now: bigint, command: string): void {
  const models = [...m.exact, ...m.traders, ...m.retiredModels];
  const names = [
    ...m.exact.map((_, i) => `token ${i} (${NAMES[i]})`),
    ...m.traders.map((_, j) => `trader ${j}`),
    ...m.retiredModels.map((_, k) => `retired token ${k}`),
  ];
  expect(states.length, "an account state per model").to.equal(models.length);
  let toFund = 0n;
  let badDebt = 0n;
  states.forEach((chain, k) => {
    const x = models[k].at(now);
    const { margin, size, openNotional } = x.state;
    expect(
      [chain.margin, chain.size, chain.openNotional, chain.value],
      `${names[k]}'s account (margin, size, openNotional, value) after ${command}, chain vs model`,
    ).to.deep.equal([margin, size, openNotional, x.accountValue()]);
    toFund += x.ledger.toFund;
    badDebt += x.ledger.badDebt;
  });
  expect(fund, `books after ${command}: the fund = the fund at the start + every account's payments (models)`).to.equal(
    r.fundAtStart + toFund,
  );
  expect(badDebt - m.badDebt, `bad debt booked by ${command}: the models' vs the chain's events`).to.equal(m.chainDebt);
  m.badDebt = badDebt;
  m.chainDebt = 0n;
}

/** One eth_call: every view of both tokens and of the exchange, then the invariants after every command. */
export async function checkInvariants(m: Model, r: Real, command: string): Promise<void> {
  const accounts = [...r.traders.map((t) => t.address), ...r.retired.map((t) => String(t.target))];
  const [reports, ex, states] = await r.lens.check(r.tokens, r.holders, accounts, r.s.exchange, 0);
  // No exchange view reverts (accountState, isLiquidatable, position, market, takerFeeBps), whatever the price; the
  // books balance (plain transfers to the exchange are extra, credited to nobody); traders' and retired tokens'
  // margins are in the sum.
  const fresh = ex.priceStatus === 0n;
  expect(ex.failedViews, "exchange views that reverted").to.equal(0n);
  expect(ex.sumOfMargins + ex.fund + m.stray, "books: margins + fund + stray").to.equal(ex.balance);
  // The stranger's margin (in the sum above: it is a holder) is the keeper rewards it was paid: it never trades.
  expect(
    (await r.s.exchange.accountState(r.stranger.address, r.s.btcMarket)).margin,
    "the keeper's rewards, chain vs models",
  ).to.equal(m.counts.rewardUnits);
  expect(fresh, "freshness").to.equal(!m.stale);
  const now = BigInt(await time.latest()); // the time the views ran at
  expectAccounts(m, r, states, ex.fund, now, command);
  let recipientCollateral = 0n;
  for (const [i, t] of reports.entries()) {
    const label = `token ${i} after ${command}`;
    // The valuing views revert exactly while a position meets a price that is not fresh; no other view ever does.
    const valued = fresh || t.positionSize === 0n;
    expect(t.failedViews, `${label}: views that reverted`).to.equal(valued ? 0n : TOKEN_VALUING_VIEWS);
    expect(t.priceStatus, `${label}: keeperStatus' price status`).to.equal(ex.priceStatus);
    // Previews revert only as the action would: on a price that is not fresh.
    if (!m.stale) {
      expect(t.previewMintReverted, `${label}: previewMint reverted on a fresh price`).to.equal(false);
      expect(t.previewRedeemReverted, `${label}: previewRedeem reverted on a fresh price`).to.equal(false);
    }
    expect(t.sumOfBalances, `${label}: balances sum to the supply`).to.equal(t.totalSupply);
    // The dead shares stay: once minted, the supply never falls below them (no share inflation at tiny supply).
    if (t.totalSupply > 0n) expect(t.totalSupply, `${label}: dead shares`).to.be.at.least(MINIMUM_SHARES);
    // equity and NAV are unsigned: the views returning at all is the "never negative" half. NAV (units per whole
    // share, rounded down) is 0 iff equity is below one unit per whole share.
    const shares = t.totalSupply + t.pendingFeeShares;
    if (shares > 0n && valued) {
      expect(t.navPerShare === 0n, `${label}: NAV 0 iff equity < 1 unit per share`).to.equal(t.equity * WAD < shares);
    }
    if (t.wipedOut) expect(t.positionSize, `${label}: wiped out means closed`).to.equal(0n);
    // A dust account (its holders' part besides the dead shares below 0.01 USD) holds no position: one the price
    // left open is due to be closed (on a fresh price).
    const live =
      t.totalSupply > MINIMUM_SHARES ? (t.keeperEquity * (t.totalSupply - MINIMUM_SHARES)) / t.totalSupply : 0n;
    if (!t.wipedOut && !m.stale && t.keeperEquity > 0n && live < DUST && t.positionSize !== 0n) {
      expect(t.action, `${label}: a dust account's position is due to be closed`).to.equal(2n);
    }
    // Not in drift, a position is within the band on the levered equity (at most the cap): |notional| <= upper x
    // min(equity, cap), as the chain's leverage (truncated) is <= upper.
    if (fresh && !t.wipedOut && t.totalSupply > 0n && t.positionSize !== 0n && t.action !== 2n) {
      const levered = t.equity < t.equityCap ? t.equity : t.equityCap;
      expect(
        abs(t.positionNotional) * WAD < (t.bandUpper + 1n) * levered * COLLATERAL_SCALE,
        `${label}: |notional| ${t.positionNotional} within the band on min(equity, cap) (${levered})`,
      ).to.equal(true);
    }
    // Whatever is due can be done, now, by anyone.
    if (t.action !== 0n) await expectRebalanceWorks(r, i, label);
    expect(m.wipedOut[i] && !t.wipedOut, `${label}: wipe-out is terminal`).to.equal(false);
    expect(t.paused, `${label}: paused`).to.equal(m.paused[i]);
    // Fees only grow: the recipient never acts, so its shares and stablecoin never go down.
    expect(t.recipientShares, `${label}: fee shares only grow`).to.be.at.least(m.recipientShares[i]);
    recipientCollateral = t.recipientCollateral;
    m.recipientShares[i] = t.recipientShares;
    m.wipedOut[i] = t.wipedOut;
    m.equity[i] = t.keeperEquity;
    m.leverage[i] = t.keeperLeverage;
  }
  expect(recipientCollateral, "fee stablecoin only grows").to.be.at.least(m.recipientCollateral);
  m.recipientCollateral = recipientCollateral;
  // NAV, equity, supply, position, ... equal the exact model's.
  expectModelState(m, reports, fresh, now, command);
  m.commands++;
}

/** "Nothing due forever that cannot be done": a due rebalance simulates without a revert from a stranger. */
async function expectRebalanceWorks(r: Real, i: number, label: string): Promise<void> {
  try {
    await r.tokens[i].connect(r.stranger).rebalance.staticCall();
  } catch (error) {
    expect.fail(`${label}: a rebalance is due but reverts with ${errorName(r, error)}`);
  }
}

/**
 * Every holder (the fee recipient last) redeems everything; per token, paid <= what its account held; then only the
 * dead shares (and the management fee accrued on them since) are left, with no position. Retired tokens' holders
 * leave too, for what is left of them, and the traders close their positions and withdraw their margins: every
 * transaction mirrored in its model.
 */
export async function everyoneLeaves(m: Model, r: Real, order: number[]): Promise<void> {
  await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price)));
  m.stale = false;
  const recipient = await ethers.getSigner(r.s.feeRecipient);
  const leavers = [...order.map((k) => r.actors[k]), recipient, recipient, recipient];
  for (const [i, t] of r.tokens.entries()) {
    if (m.paused[i]) await t.connect(r.admin).unpause();
    m.paused[i] = false;
    const held = await t.equity();
    let paid = 0n;
    for (const who of leavers) {
      const shares = await t.balanceOf(who.address);
      if (shares === 0n) continue;
      const before = await r.s.usdc.balanceOf(who.address);
      const feesBefore = who === recipient ? 0n : await r.s.usdc.balanceOf(recipient.address);
      await mirrorRedeem(m, r, i, await mined(t.connect(who).redeem(ethers.MaxUint256, 0, who.address)));
      paid += (await r.s.usdc.balanceOf(who.address)) - before;
      if (who !== recipient) paid += (await r.s.usdc.balanceOf(recipient.address)) - feesBefore;
    }
    expect(paid, `token ${i}: paid <= what its account held`).to.be.at.most(held);
    const left = (await t.totalSupply()) - (await t.balanceOf(recipient.address));
    expect(left, `token ${i}: everyone left but the dead shares`).to.be.oneOf([0n, MINIMUM_SHARES]);
    expect(await t.balanceOf(DEAD)).to.equal(left);
    expect(await t.positionSize(), `token ${i}: the last redeem closed the position`).to.equal(0n);
  }
  for (const [k, t] of r.retired.entries()) {
    for (const who of leavers) {
      if ((await t.balanceOf(who.address)) === 0n) continue;
      const receipt = await mined(t.connect(who).redeem(ethers.MaxUint256, 0, who.address));
      const [redeemed] = eventsOf(receipt, t, String(t.target)).filter((e) => e.name === "Redeemed");
      const out = await replayOn(m, r, m.retiredModels[k], String(t.target), receipt, `retired ${k}: redeem`, (x) =>
        x.redeem(redeemed.args.shares as bigint),
      );
      expect(redeemed.args.collateralOut, `retired token ${k}: collateral out, chain vs model`).to.equal(
        out.collateralOut,
      );
    }
  }
  // The traders close their positions (a reduction needs no margin) and take their margins out.
  for (const [j, who] of r.traders.entries()) {
    const size = m.traders[j].state.size;
    if (size !== 0n) {
      const receipt = await mined(r.s.exchange.connect(who).trade(r.s.btcMarket, -size));
      await mirrorTrader(m, r, j, receipt, "close", (x) => x.trade(-size));
    }
    const margin = (await r.s.exchange.accountState(who.address, r.s.btcMarket)).margin;
    if (margin === 0n) continue;
    const receipt = await mined(r.s.exchange.connect(who).withdraw(r.s.btcMarket, margin, who.address));
    await mirrorTrader(m, r, j, receipt, "withdraw all", (x) => x.withdraw(margin));
  }
  m.recipientShares = await Promise.all(r.tokens.map((t) => t.balanceOf(recipient.address)));
  await checkInvariants(m, r, "everyone left");
}
