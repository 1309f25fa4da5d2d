import { expect } from "chai";
import fc from "fast-check";
import type { ContractTransactionReceipt } from "ethers";
import { COLLATERAL_SCALE } from "../../../src/model/fixedPoint";
import { checkInvariants } from "./checks";
import { expectOutcome, mintGuards, mirrorMint, modelMint, revertedAt, type Outcome } from "./mirror";
import type { Model, Real } from "./world";

/**
 * One command of the stateful fuzz: a label and an action that asserts its own outcome; `run` then checks every
 * invariant (checks.ts). The commands are in commands/ (holders', the market's, the operator's), their table in
 * commands/table.ts.
 */
export class Step implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly label: string,
    readonly act: (m: Model, r: Real) => Promise<void>,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await this.act(m, r);
    await checkInvariants(m, r, this.label);
  }
  toString = () => this.label;
}

/**
 * A mint's outcome: mirrored when it went through; otherwise a guard the model does not have (pause, staleness, a
 * wipe-out), or exactly the model's reason at the block the chain refused it (sent to `to`).
 */
export async function expectMint(
  m: Model,
  r: Real,
  t: number,
  outcome: Outcome,
  amount: bigint,
  to: string,
  label: string,
) {
  if (outcome.ok) return mirrorMint(m, r, t, outcome.receipt, amount);
  const guards = mintGuards(m, t);
  if (guards.length > 0) expectOutcome(outcome, guards, label);
  else
    expect(outcome.name, `${label}: reverted, chain vs model`).to.equal(modelMint(m, t, await revertedAt(to), amount));
  return 0n;
}

export function expectExactPreview(r: Real, receipt: ContractTransactionReceipt, what: string): void {
  const event = receipt.logs.map((log) => r.probe.interface.parseLog(log)).find((e) => e?.name === "Probed");
  expect(event?.args.actual, `${what} = the action, in the same call`).to.equal(event?.args.preview);
}

/** The taker fee (collateral units, rounded up) of the last trade of `account` in `receipt`. */
export function tradeFee(r: Real, receipt: ContractTransactionReceipt, account: string): bigint {
  const trades = receipt.logs
    .map((log) => r.s.exchange.interface.parseLog(log))
    .filter((e) => e?.name === "Traded" && String(e.args.account).toLowerCase() === account.toLowerCase());
  const fee = trades.length === 0 ? 0n : (trades[trades.length - 1]!.args.settlement.fee as bigint);
  return (fee + COLLATERAL_SCALE - 1n) / COLLATERAL_SCALE;
}
