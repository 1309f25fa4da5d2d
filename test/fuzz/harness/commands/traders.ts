import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionReceipt } from "ethers";
import { abs, BPS, COLLATERAL_SCALE, divFloor, WAD } from "../../../../src/model/fixedPoint";
import { requirement, unrealizedPnl } from "../../../../src/model/perp/math";
import type { ExactTrader } from "../../../../src/model/perp/trader";
import { ModelRevert } from "../../../../src/model/perp/types";
import {
  attempt,
  expectLiquidation,
  expectOutcome,
  mined,
  mirrorPrice,
  mirrorTrader,
  strangerLiquidates,
  type Outcome,
} from "../mirror";
import { Step } from "../step";
import { TRADER_MARGIN, type Model, type Real } from "../world";
import { pushedAnswer } from "./market";

/**
 * The exchange's other users: traders of the same market, each followed by its own exact model (ExactTrader) to the
 * wei. Deposits, trades (open, increase, reduce, close, flip, dust) within the initial margin or just beyond it,
 * withdrawals down to the maintenance requirement (and one unit beyond, which must revert), settling their own
 * funding at any time, and liquidations of their accounts by a stranger.
 */

/** The chain's errors that the model's refusals of a trade stand for. */
const TRADE_ERRORS: Record<string, string> = {
  "initial margin requirement not met": "PerpMarginRequirementNotMet",
  "zero amount": "PerpZeroAmount",
};

/** The chain's errors that the model's refusals of a withdrawal stand for. */
const WITHDRAW_ERRORS: Record<string, string> = {
  "withdrawal beyond the margin and the realizable profit": "PerpInsufficientMarginBalance",
  "maintenance margin requirement not met": "PerpMarginRequirementNotMet",
  "zero amount": "PerpZeroAmount",
};

/** What the model says an action does: "ok", or the chain's error its refusal stands for. */
function modelSays(errors: Record<string, string>, act: () => void): string {
  try {
    act();
    return "ok";
  } catch (error) {
    if (error instanceof ModelRevert) {
      if (error.message in errors) return errors[error.message];
      throw new Error(`the model refused with a reason the chain has no error for: ${error.message}`);
    }
    throw error;
  }
}

/** A trader with less value than this tops up (TRADER_MARGIN) in the trade that opens or flips. */
const TOP_UP_BELOW = 1_000_000_000n; // 1,000 USDC

const outcomeName = (outcome: Outcome) => (outcome.ok ? "ok" : outcome.name);

/** Trader `j`'s model, cloned, at the time of the next block (which the caller then mines at that time). */
async function nextBlock(m: Model, j: number): Promise<{ at: bigint; x: ExactTrader }> {
  const at = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(at);
  return { at, x: m.traders[j].clone().at(at) };
}

export const traderDeposit = (j: number, amount: bigint) =>
  new Step(`trader ${j} deposits ${amount}`, async (m, r) => {
    const who = r.traders[j];
    // A deposit reads no price: it goes through stale or not.
    const receipt = await mined(r.s.exchange.connect(who).deposit(r.s.btcMarket, who.address, amount));
    await mirrorTrader(m, r, j, receipt, `deposit(${amount})`, (x) => x.deposit(amount));
  });

export type TradeKind = "open" | "reduce" | "close" | "flip" | "dust";

/**
 * Trader `j` trades: `open` a position (or increase the one it holds) by `fraction` bps of the room its value leaves
 * at the initial margin (of the most it carries when there is no room left), `reduce` it by `fraction` % (mod 99, +1),
 * `close` it, `flip` it to the other side at `fraction` bps of the most, or trade a `dust` size of `dust` wei
 * (without a position, a reduce or a close opens one). An account short of value tops up in the same transaction.
 * Fractions up to 110% ask beyond the initial margin: the chain refuses exactly when the model does, with the model's
 * reason.
 */
export const traderTrade = (j: number, kind: TradeKind, fraction: number, long: boolean, dust: bigint) =>
  new Step(`trader ${j} ${kind}(${kind === "dust" ? dust : fraction}${long ? ", long" : ", short"})`, async (m, r) => {
    const who = r.traders[j];
    const { x } = await nextBlock(m, j);
    const { size, price } = x.state;
    // Without a position, a reduce or a close opens one; an account with less than TOP_UP_BELOW of value tops up
    // by TRADER_MARGIN in the same transaction (depositAndTrade).
    if (size === 0n && (kind === "reduce" || kind === "close")) kind = "open";
    const topUp = x.accountValue() < TOP_UP_BELOW && kind !== "reduce" && kind !== "close" ? TRADER_MARGIN : 0n;
    const value = x.accountValue() + topUp;
    // The most notional the account's value carries at the initial margin (USD WAD), and its size at the price.
    const most = value > 0n ? (value * COLLATERAL_SCALE * BPS) / x.market.initialMarginBps : 0n;
    const sizeOf = (notional: bigint) => (notional * WAD) / price;
    const part = (whole: bigint) => (whole * BigInt(fraction)) / 10_000n;
    const side = size !== 0n ? (size > 0n ? 1n : -1n) : long ? 1n : -1n;
    const held = (abs(size) * price) / WAD;
    let delta: bigint;
    if (kind === "open") delta = side * sizeOf(part(most > held ? most - held : most));
    else if (kind === "reduce") delta = -(size * BigInt((fraction % 99) + 1)) / 100n;
    else if (kind === "close") delta = -size;
    else if (kind === "flip") delta = -size - side * sizeOf(part(most));
    else delta = (long ? 1n : -1n) * dust;
    if (delta === 0n) return;
    const exchange = r.s.exchange.connect(who);
    const outcome = await attempt(r, () =>
      topUp > 0n ? exchange.depositAndTrade(r.s.btcMarket, topUp, delta) : exchange.trade(r.s.btcMarket, delta),
    );
    if (m.stale) {
      // A trade always reads the price: a stale one refuses it first (the model has no staleness).
      expect(outcomeName(outcome), "a trade on a stale price").to.equal("PerpStalePrice");
      return;
    }
    const trade = (y: ExactTrader) => {
      if (topUp > 0n) y.deposit(topUp);
      y.trade(delta);
    };
    const expected = modelSays(TRADE_ERRORS, () => trade(x.clone()));
    const what = `${topUp > 0n ? `depositAndTrade(${topUp}, ` : "trade("}${delta})`;
    expect(outcomeName(outcome), `trader ${j}: ${what}, chain vs model`).to.equal(expected);
    if (!outcome.ok) {
      m.counts.traderRefusals++;
      return;
    }
    await mirrorTrader(m, r, j, outcome.receipt, what, trade);
    m.counts.traderTrades++;
  });

/**
 * The largest withdrawal the model allows trader `x` now: funding settled first (what the withdrawal does), then
 * its value less the maintenance requirement with a position (the withdrawal realizes what unrealized profit it
 * needs beyond the settled margin, which leaves the value unchanged), or its whole margin without one. Checked on the
 * model itself: it allows that much and refuses one unit more.
 */
function largestWithdrawal(x: ExactTrader): { largest: bigint; settledMargin: bigint; maintenance: bigint } {
  const settled = x.clone();
  settled.settleFunding();
  const { size, price, margin } = settled.state;
  const maintenance = size === 0n ? 0n : requirement(size, price, x.market.maintenanceMarginBps!);
  const largest = settled.accountValue() - maintenance;
  if (largest > 0n) {
    expect(
      modelSays(WITHDRAW_ERRORS, () => x.clone().withdraw(largest)),
      "the model allows the largest",
    ).to.equal("ok");
  }
  expect(modelSays(WITHDRAW_ERRORS, () => x.clone().withdraw(largest > 0n ? largest + 1n : 1n))).to.not.equal("ok");
  return { largest, settledMargin: margin, maintenance };
}

/**
 * Trader `j` first asks one unit more than the largest withdrawal the model allows (it must revert with the model's
 * reason: PerpInsufficientMarginBalance beyond margin + realizable profit, else PerpMarginRequirementNotMet), then, a
 * second later, withdraws the largest (`maintenance`: down to the maintenance requirement) or its whole settled
 * margin (`margin`: what is left of its value is then unrealized profit), as the model says.
 */
export const traderWithdraw = (j: number, kind: "maintenance" | "margin") =>
  new Step(
    `trader ${j} withdraws ${kind === "maintenance" ? "down to the maintenance margin" : "its margin"}`,
    (m, r) => withdrawLargest(m, r, j, kind),
  );

async function withdrawLargest(m: Model, r: Real, j: number, kind: "maintenance" | "margin"): Promise<void> {
  const who = r.traders[j];
  const send = (amount: bigint) => () => r.s.exchange.connect(who).withdraw(r.s.btcMarket, amount, who.address);
  if (m.stale && m.traders[j].state.size !== 0n) {
    // With a position a withdrawal reads the price (funding is settled first).
    expectOutcome(await attempt(r, send(1n)), ["PerpStalePrice"], "a withdrawal on a stale price");
    return;
  }
  const first = await nextBlock(m, j);
  const { largest } = largestWithdrawal(first.x);
  const above = largest > 0n ? largest + 1n : 1n;
  const refused = await attempt(r, send(above));
  const expected = modelSays(WITHDRAW_ERRORS, () => first.x.clone().withdraw(above));
  expect(outcomeName(refused), `trader ${j}: one unit above the largest withdrawal, chain vs model`).to.equal(expected);
  const { x } = await nextBlock(m, j);
  const { largest: most, settledMargin, maintenance } = largestWithdrawal(x);
  const amount = kind === "maintenance" ? most : settledMargin;
  if (amount <= 0n) return;
  const outcome = await attempt(r, send(amount));
  expect(outcomeName(outcome), `trader ${j}: withdraw(${amount}), chain vs model`).to.equal(
    modelSays(WITHDRAW_ERRORS, () => x.clone().withdraw(amount)),
  );
  if (!outcome.ok) return;
  await mirrorTrader(m, r, j, outcome.receipt, `withdraw(${amount})`, (y) => y.withdraw(amount));
  const after = m.traders[j];
  if (kind === "maintenance" && after.state.size !== 0n) {
    expect(after.accountValue(), "a withdrawal down to the maintenance margin leaves exactly it").to.equal(maintenance);
  }
  m.counts.maxWithdrawals++;
  if (amount > settledMargin) m.counts.realizingWithdrawals++;
}

/** The funding an account paid in `receipt` outside a trade (AccountSettled; < 0: received), USD WAD. */
function fundingSettled(r: Real, receipt: ContractTransactionReceipt, account: string): bigint {
  let paid = 0n;
  for (const log of receipt.logs) {
    const event = r.s.exchange.interface.parseLog(log);
    if (event?.name === "AccountSettled" && String(event.args.account).toLowerCase() === account.toLowerCase()) {
      paid += event.args.fundingPaid as bigint;
    }
  }
  return paid;
}

/**
 * Trader `j` settles its own funding (anyone may, for itself, at any time: `settleFunding` settles the caller's
 * account), whatever its margin: with none left and a value made of unrealized profit, the funding is charged to the
 * position. The value the model shows does not move but for the fund's rounding: before, margin + floor((pnl -
 * funding) / unit); after, margin + floor(-funding / unit) + floor(pnl / unit), in either case (paid from the margin,
 * or charged to the cost basis): the same, or one unit less. With `emptyFirst` the trader first takes out its whole
 * settled margin (as `traderWithdraw(j, "margin")`), and settles `wait` seconds later on a fresh price.
 */
export const traderSettles = (j: number, emptyFirst: boolean, wait: number) =>
  new Step(
    `trader ${j} settles its funding${emptyFirst ? `, its margin taken out ${wait}s before` : ""}`,
    async (m, r) => {
      const who = r.traders[j];
      if (emptyFirst) {
        // Its settled margin out first (when the model allows it): what is left of its value is unrealized profit.
        await withdrawLargest(m, r, j, "margin");
        await time.increase(wait);
        await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price))); // the same price, pushed again
        m.stale = false;
      }
      const { x } = await nextBlock(m, j);
      const { size, margin, openNotional, price } = x.state;
      const outcome = await attempt(r, () => r.s.exchange.connect(who).settleFunding(r.s.btcMarket));
      if (m.stale && size !== 0n) {
        expect(outcomeName(outcome), "settling funding on a stale price").to.equal("PerpStalePrice");
        return;
      }
      if (!outcome.ok) expect.fail(`trader ${j}: settleFunding reverted with ${outcome.name}`);
      const before = x.accountValue();
      await mirrorTrader(m, r, j, outcome.receipt, "settleFunding", (y) => y.settleFunding());
      const after = m.traders[j].accountValue();
      if (size === 0n) {
        expect(after, "settling without a position changes nothing").to.equal(before);
        return;
      }
      const funding = fundingSettled(r, outcome.receipt, who.address);
      const pnl = unrealizedPnl(size, openNotional, price);
      expect(before, "the value before: the chain's funding is the model's").to.equal(
        margin + divFloor(pnl - funding, COLLATERAL_SCALE),
      );
      expect(after, "the value after a settlement").to.equal(
        margin + divFloor(-funding, COLLATERAL_SCALE) + divFloor(pnl, COLLATERAL_SCALE),
      );
      expect(before - after, "settling moves the value by the fund's rounding only").to.be.oneOf([0n, 1n]);
      m.counts.settlements++;
      if (before !== after) m.counts.settleRoundings++;
      if (margin + divFloor(-funding, COLLATERAL_SCALE) < 0n) m.counts.settledOnProfit++;
    },
  );

/**
 * A stranger liquidates trader `j`'s account, as it is or after a price push to `push`x leverage (under the
 * maintenance margin beyond 40x) or, when negative, under water by notional / |push|. It goes through exactly when
 * the model says the account is liquidatable (and the price is fresh); the penalty and reward are the model's.
 */
export const liquidateTrader = (j: number, push: number | null) =>
  new Step(`liquidate(trader ${j}${push === null ? "" : `, price pushed to ${push}`})`, async (m, r) => {
    const who = r.traders[j];
    let answer = push === null ? 0n : pushedAnswer(m.traders[j], push, BigInt(await time.latest()));
    // Within the gaps the price commands make (-60% .. +150%).
    if (answer < (m.price * 4n) / 10n || answer > (m.price * 25n) / 10n) answer = 0n;
    if (answer > 0n) {
      m.price = answer;
      await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(answer)));
      m.stale = false;
    }
    const { x } = await nextBlock(m, j);
    const { outcome, usdcBefore } = await strangerLiquidates(r, who.address);
    // A liquidation reads the price first; then it needs a position under the maintenance margin.
    const expected = m.stale ? "PerpStalePrice" : x.isLiquidatable() ? "ok" : "PerpNotLiquidatable";
    expect(outcomeName(outcome), `liquidate trader ${j}, chain vs model`).to.equal(expected);
    if (!outcome.ok) return;
    const paid = await mirrorTrader(m, r, j, outcome.receipt, "liquidate", (y) => y.liquidate());
    await expectLiquidation(r, outcome.receipt, usdcBefore, paid);
    m.counts.traderLiquidations++;
  });
