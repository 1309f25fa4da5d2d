import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { LeveragedToken } from "../../../typechain-types";
import { ExactTokenModel, ModelRevert } from "../../../src/model/exactToken";
import { FEED_TO_WAD } from "../../../src/model/fixedPoint";
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

/** Sends a transaction that must succeed; its receipt. */
export async function mined(send: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await send).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt;
}

export async function blockTime(receipt: ContractTransactionReceipt): Promise<bigint> {
  return BigInt((await receipt.getBlock()).timestamp);
}

/**
 * Replays on token `i`'s model, at the block time of `receipt`, what that transaction did on chain. The chain did
 * it, so a model that refuses (ModelRevert) is a mismatch.
 */
export async function mirror<T>(
  m: Model,
  i: number,
  receipt: ContractTransactionReceipt,
  what: string,
  apply: (model: ExactTokenModel) => T,
): Promise<T> {
  const time = await blockTime(receipt);
  m.mirrored++;
  try {
    return apply(m.exact[i].at(time));
  } catch (error) {
    if (error instanceof ModelRevert) {
      expect.fail(`token ${i} (${NAMES[i]}): the chain did ${what} at ${time}, the model refused: ${error.message}`);
    }
    throw error;
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
  const { shares, fee } = await mirror(m, i, receipt, `mint(${amount})`, (model) => model.mint(amount));
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
  const out = await mirror(m, i, receipt, `redeem(${shares})`, (model) => model.redeem(shares));
  expect(redeemed[0].args.collateralOut, `token ${i} (${NAMES[i]}): collateral out, chain vs model`).to.equal(
    out.collateralOut,
  );
  expect(redeemed[0].args.fee, `token ${i} (${NAMES[i]}): redeem fee, chain vs model`).to.equal(out.fee);
  return shares;
}

/** A feed push: both models take the new price at its block time. */
export async function mirrorPrice(m: Model, receipt: ContractTransactionReceipt): Promise<void> {
  for (const i of m.exact.keys()) {
    await mirror(m, i, receipt, `a price push to ${m.price}`, (model) => model.setPrice(m.price * FEED_TO_WAD));
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
