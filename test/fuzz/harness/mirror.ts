import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { LeveragedToken } from "../../../typechain-types";
import { blockTime, mined } from "../../helpers/mirrored";
import { ExactTokenModel } from "../../../src/model/exactToken";
import { ModelRevert } from "../../../src/model/perp/types";
import { COLLATERAL_SCALE, divFloor, FEED_TO_WAD } from "../../../src/model/fixedPoint";
import type { ExactTrader } from "../../../src/model/perp/trader";
import type { FundLedger } from "../../../src/model/perp/types";
import { NAMES, type Model, type Real } from "./world";

/** What a transaction did: mined with its receipt, or reverted with a named error. */
export type Outcome = { ok: true; receipt: ContractTransactionReceipt } | { ok: false; name: string };

export function errorName(r: Real, error: unknown): string {
  const data = (error as { data?: string }).data;
  if (!data) throw error;
  for (const contract of [r.tokens[0], r.s.exchange, r.redeemer, r.s.factory]) {
    const parsed = contract.interface.parseError(data);
    if (parsed) return parsed.name;
  }
  throw error;
}

export async function attempt(r: Real, send: () => Promise<ContractTransactionResponse>): Promise<Outcome> {
  try {
    const receipt = await (await send()).wait();
    if (!receipt) throw new Error("no receipt");
    return { ok: true, receipt };
  } catch (error) {
    return { ok: false, name: errorName(r, error) };
  }
}

export function expectOutcome(outcome: Outcome, allowed: string[], label: string): void {
  if (!outcome.ok) expect(allowed, `${label} reverted with ${outcome.name}`).to.include(outcome.name);
}

/** Sending a transaction that must succeed, and its block's time: the helpers' own, for the commands too. */
export { blockTime, mined };

/** What `replayOn` needs of a model: a token's or a trader's. */
interface Mirrored<M> {
  at(time: bigint): M;
  clone(): M;
  accountValue(): bigint;
  readonly ledger: FundLedger;
}

/**
 * Replays on `model` (the exchange account `account`'s), at the block time of `receipt`, what that transaction did
 * on chain. The chain did it, so a model that refuses (ModelRevert) is a mismatch. The bad debt the receipt's events
 * book is audited (`auditDebts`).
 */
export async function replayOn<M extends Mirrored<M>, T>(
  m: Model,
  r: Real,
  model: M,
  account: string,
  receipt: ContractTransactionReceipt,
  what: string,
  apply: (model: M) => T,
): Promise<T> {
  const time = await blockTime(receipt);
  m.mirrored++;
  auditDebts(m, r, receipt, account, model.clone().at(time).accountValue());
  try {
    return apply(model.at(time));
  } catch (error) {
    if (error instanceof ModelRevert) {
      expect.fail(`${what} at ${time} (account ${account}): the chain did it, the model refused: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Replays on token `i`'s model, at the block time of `receipt`, what that transaction did on chain. The chain did
 * it, so a model that refuses (ModelRevert) is a mismatch.
 */
export async function mirror<T>(
  m: Model,
  r: Real,
  i: number,
  receipt: ContractTransactionReceipt,
  what: string,
  apply: (model: ExactTokenModel) => T,
): Promise<T> {
  const account = await r.tokens[i].getAddress();
  return replayOn(m, r, m.exact[i], account, receipt, `token ${i} (${NAMES[i]}): ${what}`, apply);
}

/** Trader `j`'s transaction replayed on its model (see `replayOn`). */
export async function mirrorTrader<T>(
  m: Model,
  r: Real,
  j: number,
  receipt: ContractTransactionReceipt,
  what: string,
  apply: (model: ExactTrader) => T,
): Promise<T> {
  return replayOn(m, r, m.traders[j], r.traders[j].address, receipt, `trader ${j}: ${what}`, apply);
}

/** The stranger (anyone may) tries to liquidate `account`; with its USDC before, for `expectLiquidation`. */
export async function strangerLiquidates(r: Real, account: string): Promise<{ outcome: Outcome; usdcBefore: bigint }> {
  const usdcBefore = await r.s.usdc.balanceOf(r.stranger.address);
  const outcome = await attempt(r, () => r.s.exchange.connect(r.stranger).liquidate(account, r.s.btcMarket));
  return { outcome, usdcBefore };
}

/** A liquidation's Liquidated event and the stranger's pay, chain vs the model's `penalty` and `reward`. */
export async function expectLiquidation(
  r: Real,
  receipt: ContractTransactionReceipt,
  usdcBefore: bigint,
  { penalty, reward }: { penalty: bigint; reward: bigint },
): Promise<void> {
  const event = receipt.logs.map((log) => r.s.exchange.interface.parseLog(log)).find((e) => e?.name === "Liquidated");
  expect(event?.args.liquidatorReward, "liquidator's reward, chain vs model").to.equal(reward);
  expect(event?.args.fundPenalty, "fund's penalty, chain vs model").to.equal(penalty - reward);
  expect((await r.s.usdc.balanceOf(r.stranger.address)) - usdcBefore, "reward paid").to.equal(reward);
}

/** The exchange's events about one account (`account`, its first argument). */
const ACCOUNT_EVENTS = ["MarginDeposited", "MarginWithdrawn", "AccountSettled", "Traded", "Liquidated"];

/**
 * The bad debt a receipt's exchange events book (each receipt once): only a trade that closes a position books any
 * (a settlement outside a trade never does), and exactly minus the account's value at the close net of the close's
 * own taker fee, which must be < 0 (the margin is then all gone: marginDelta = -margin before). When the close is the
 * account's first exchange event of the transaction, its value at the close (before the fee) is the model's value
 * just before the transaction. The models' bad debt must grow by what the events book (checks.ts).
 */
function auditDebts(m: Model, r: Real, receipt: ContractTransactionReceipt, account: string, valueBefore: bigint) {
  if (m.audited.has(receipt.hash)) return;
  m.audited.add(receipt.hash);
  const exchange = String(r.s.exchange.target).toLowerCase();
  const touched = new Set<string>(); // accounts with an exchange event earlier in the receipt
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== exchange) continue;
    const event = r.s.exchange.interface.parseLog(log);
    if (!event || !ACCOUNT_EVENTS.includes(event.name)) continue;
    const who = String(event.args.account).toLowerCase();
    if (event.name === "AccountSettled") {
      expect(event.args.badDebt, `${who}: a settlement outside a trade books no bad debt`).to.equal(0n);
    }
    if (event.name === "Traded" && event.args.settlement.badDebt > 0n) {
      const s = event.args.settlement as {
        realizedPnl: bigint;
        fundingPaid: bigint;
        fee: bigint;
        marginDelta: bigint;
        badDebt: bigint;
      };
      expect(event.args.newSize, `${who}: bad debt is booked only when the position is closed`).to.equal(0n);
      const marginBefore = -s.marginDelta; // the margin is all gone
      const valueAtClose = marginBefore + divFloor(s.realizedPnl - s.fundingPaid, COLLATERAL_SCALE);
      const valueNet = marginBefore + divFloor(s.realizedPnl - s.fundingPaid - s.fee, COLLATERAL_SCALE);
      expect(valueNet, `${who}: bad debt only for a value < 0 (net of the close's fee)`).to.be.lessThan(0n);
      expect(s.badDebt, `${who}: bad debt = minus the value at the close (net of its fee)`).to.equal(-valueNet);
      if (who === account.toLowerCase() && !touched.has(who)) {
        expect(valueAtClose, `${who}: the value at the close, chain vs the model's before`).to.equal(valueBefore);
      }
      m.chainDebt += s.badDebt;
      m.counts.badDebts++;
      if (valueAtClose >= 0n) m.counts.feeDebts++;
    }
    touched.add(who);
  }
}

/** The named events `token` emitted in `receipt`. */
export function eventsOf(receipt: ContractTransactionReceipt, token: LeveragedToken, address: string) {
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => token.interface.parseLog(log))
    .filter((event) => event !== null);
}

/**
 * Replays a successful mint of `amount` on the model and checks the shares the chain minted (Minted). Never a mint
 * priced against a value <= 0: the model's account was worth more than 0 before it, or the supply was 0.
 */
export async function mirrorMint(m: Model, r: Real, i: number, receipt: ContractTransactionReceipt, amount: bigint) {
  const t = r.tokens[i];
  const minted = eventsOf(receipt, t, await t.getAddress()).filter((e) => e.name === "Minted");
  expect(minted.length, "one Minted event").to.equal(1);
  const before = m.exact[i].clone().at(await blockTime(receipt));
  expect(before.supply === 0n || before.accountValue() > 0n, "no mint priced against a value <= 0").to.equal(true);
  const { shares, fee } = await mirror(m, r, i, receipt, `mint(${amount})`, (model) => model.mint(amount));
  expect(minted[0].args.shares, `token ${i} (${NAMES[i]}): shares minted, chain vs model`).to.equal(shares);
  expect(minted[0].args.fee, `token ${i} (${NAMES[i]}): mint fee, chain vs model`).to.equal(fee);
  return shares;
}

/** Replays a successful redeem on the model (of the shares its Redeemed event names) and checks what it paid. */
export async function mirrorRedeem(m: Model, r: Real, i: number, receipt: ContractTransactionReceipt) {
  const t = r.tokens[i];
  const redeemed = eventsOf(receipt, t, await t.getAddress()).filter((e) => e.name === "Redeemed");
  expect(redeemed.length, "one Redeemed event").to.equal(1);
  const shares = redeemed[0].args.shares as bigint;
  const out = await mirror(m, r, i, receipt, `redeem(${shares})`, (model) => model.redeem(shares));
  expect(redeemed[0].args.collateralOut, `token ${i} (${NAMES[i]}): collateral out, chain vs model`).to.equal(
    out.collateralOut,
  );
  expect(redeemed[0].args.fee, `token ${i} (${NAMES[i]}): redeem fee, chain vs model`).to.equal(out.fee);
  return shares;
}

/** A feed push: every model (the tokens', the retired tokens' and the traders') takes the new price at its block time. */
export async function mirrorPrice(m: Model, receipt: ContractTransactionReceipt): Promise<void> {
  const time = await blockTime(receipt);
  const price = m.price * FEED_TO_WAD;
  m.mirrored += m.exact.length;
  for (const model of [...m.exact, ...m.retiredModels, ...m.traders]) {
    try {
      model.setPrice(price, time);
    } catch (error) {
      if (error instanceof ModelRevert) expect.fail(`a price push to ${m.price} at ${time}: ${error.message}`);
      throw error;
    }
  }
}

/** The chain's errors that the model's refusals of a mint stand for. */
const MINT_ERRORS: Record<string, string> = {
  "wiped out": "LeveragedTokenWipedOut", // wiped out, or a value <= 0 (a wipe-out is due)
  "initial margin requirement not met": "PerpMarginRequirementNotMet",
  "mint gives 0 shares": "LeveragedTokenMintSlippage",
  "first mint too small": "LeveragedTokenFirstMintTooSmall",
  "equity cap exceeded": "LeveragedTokenEquityCapExceeded",
};

/** What the model says a mint of `amount` into token `i` at `time` does: "ok", or the error the chain reverts with. */
export function modelMint(m: Model, i: number, time: bigint, amount: bigint): string {
  try {
    m.exact[i].clone().at(time).mint(amount);
    return "ok";
  } catch (error) {
    if (error instanceof ModelRevert && error.message in MINT_ERRORS) return MINT_ERRORS[error.message];
    throw error;
  }
}

/**
 * The block time of a transaction that just reverted. Hardhat mines a transaction that reverts (in a block of its
 * own, with automining); the revert is checked to be the latest block's, sent to `to`.
 */
export async function revertedAt(to: string): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest", true);
  const tx = block?.prefetchedTransactions[0];
  const receipt = tx ? await ethers.provider.getTransactionReceipt(tx.hash) : null;
  expect([receipt?.status, tx?.to], "the reverted transaction is the latest block's").to.deep.equal([0, to]);
  return BigInt(block!.timestamp);
}

/**
 * The reverts a mint may meet besides the model's own reasons (the model has no pause and no staleness): each guard
 * that applies (a mint checks them in this order; a preview asked first in the same call meets the stale price first).
 */
export function mintGuards(m: Model, t: number): string[] {
  const guards: string[] = [];
  if (m.paused[t]) guards.push("EnforcedPause");
  if (m.wipedOut[t]) guards.push("LeveragedTokenWipedOut");
  if (m.stale) guards.push("PerpStalePrice");
  return guards;
}
