import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { InvariantLens, LeveragedToken, MintRedeemer } from "../../typechain-types";
import type { System } from "../helpers/system";
import { createToken, deploySystem } from "../helpers/system";
import { abs } from "../../src/model/fixedPoint";
import { feedPrice, usdc, wad } from "../helpers/units";

/**
 * Stateful, model-based property test of two tokens (BTC3L and BTC3S) on one market, with every fee and funding on.
 * Commands: mint, redeem (part or all), transfer, permit + transferFrom, price moves (small, large, gaps from -60%
 * to +150%), time jumps (refreshed, or leaving the price stale), rebalance (direct, performUpkeep, batch), fee
 * changes, pause/unpause, settings changes by strangers, stablecoin donations (to the token's exchange account,
 * and plain transfers to the token and to the exchange), and a mint + redeem in one call. The invariants are
 * checked after every command with one eth_call (contracts/mocks/InvariantLens.sol); at the end every holder
 * redeems everything in a random order.
 *
 * `npm test`: FUZZ_RUNS (default 100) sequences of 25-40 commands with the fixed seed FUZZ_SEED (default 20250101).
 * `npm run fuzz`: 2,000 sequences, a random seed unless given: `FUZZ_SEED=123 npm run fuzz`. A failure prints the
 * seed, the path and the shrunk command list; replay it with FUZZ_SEED (and FUZZ_PATH).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const FUZZ_MODE = process.env.FUZZ_RUNS !== undefined;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : FUZZ_MODE ? Date.now() : 20250101;
const PATH = process.env.FUZZ_PATH;
const MIN_COMMANDS = 25;
const MAX_COMMANDS = 40;
const MAX_PRICE_AGE = 3600;
const TAKER_FEE_BPS = 5n;
const L = [wad(3), wad(-3)];
/** LeveragedToken.MIN_REBALANCE_EQUITY in collateral units (0.01 USDC): no rebalance is due below it. */
const DUST = 10_000n;

/** Errors a command may meet legitimately in some states; the command decides which, from the model. */
type Outcome = { ok: true } | { ok: false; name: string };

interface Model {
  price: bigint; // feed answer, 8 decimals
  stale: boolean; // the feed's last update is older than the market's maxPriceAge
  stray: bigint; // plain transfers to the exchange: held by it, credited to nobody
  recipientShares: bigint[];
  recipientCollateral: bigint;
  wipedOut: boolean[];
  paused: boolean[];
  equity: bigint[];
  leverage: bigint[];
  commands: number;
}

interface Real {
  s: System;
  tokens: LeveragedToken[];
  actors: HardhatEthersSigner[];
  admin: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  lens: InvariantLens;
  redeemer: MintRedeemer;
  batch: string;
  holders: string[];
}

async function fixture() {
  const s = await deploySystem(
    { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
    { takerFeeBps: Number(TAKER_FEE_BPS), fundingRatePerYear: wad("0.2"), maxPriceAge: MAX_PRICE_AGE },
  );
  const signers = await ethers.getSigners();
  const [admin, alice, bob, carol, stranger] = [signers[0], signers[1], signers[2], signers[3], signers[4]];
  const tokens = [await createToken(s.factory, L[0]), await createToken(s.factory, L[1])];
  const lens = await ethers.deployContract("InvariantLens");
  const redeemer = await ethers.deployContract("MintRedeemer");
  const batch = await ethers.deployContract("BatchRebalancer");
  // A deep fund: the counterparty of every gap must be able to pay (a fund that cannot pay is a known limit).
  await s.usdc.mint(admin.address, usdc(100_000_000));
  await s.usdc.approve(await s.exchange.getAddress(), usdc(100_000_000));
  await s.exchange.depositToFund(usdc(100_000_000));
  const actors = [alice, bob, carol];
  for (const who of actors) {
    await s.usdc.mint(who.address, usdc(10_000_000));
    for (const spender of [...tokens, s.exchange, redeemer]) {
      await s.usdc.connect(who).approve(await spender.getAddress(), ethers.MaxUint256);
    }
  }
  const holders = [...actors.map((a) => a.address), admin.address, stranger.address, s.feeRecipient];
  holders.push(await redeemer.getAddress());
  return { s, tokens, actors, admin, stranger, lens, redeemer, batch: await batch.getAddress(), holders };
}

function errorName(r: Real, error: unknown): string {
  const data = (error as { data?: string }).data;
  if (!data) throw error;
  for (const contract of [r.tokens[0], r.s.exchange, r.redeemer]) {
    const parsed = contract.interface.parseError(data);
    if (parsed) return parsed.name;
  }
  throw error;
}

async function attempt(r: Real, send: () => Promise<ContractTransactionResponse>): Promise<Outcome> {
  try {
    await (await send()).wait();
    return { ok: true };
  } catch (error) {
    return { ok: false, name: errorName(r, error) };
  }
}

function expectOutcome(outcome: Outcome, allowed: string[], label: string): void {
  if (!outcome.ok) expect(allowed, `${label} reverted with ${outcome.name}`).to.include(outcome.name);
}

/** One eth_call: every view of both tokens and of the exchange, then the invariants after every command. */
async function checkInvariants(m: Model, r: Real): Promise<void> {
  const [reports, ex] = await r.lens.check(r.tokens, r.holders, r.s.exchange, 0);
  // No exchange view reverts; the books balance (plain transfers to the exchange are extra, credited to nobody).
  expect(ex.failedViews, "exchange views that reverted").to.equal(0n);
  expect(ex.sumOfMargins + ex.fund + m.stray, "books: margins + fund + stray = balance").to.equal(ex.balance);
  expect(ex.priceIsFresh, "freshness").to.equal(!m.stale);
  let recipientCollateral = 0n;
  reports.forEach((t, i) => {
    const label = `token ${i}`;
    expect(t.failedViews, `${label}: views that reverted`).to.equal(0n);
    // Previews revert only as the action would: on a price that is not fresh.
    if (!m.stale) {
      expect(t.previewMintReverted, `${label}: previewMint reverted on a fresh price`).to.equal(false);
      expect(t.previewRedeemReverted, `${label}: previewRedeem reverted on a fresh price`).to.equal(false);
    }
    expect(t.sumOfBalances, `${label}: balances sum to the supply`).to.equal(t.totalSupply);
    // equity and NAV are unsigned: the views returning at all is the "never negative" half; NAV 0 iff equity 0.
    if (t.totalSupply > 0n) expect(t.navPerShare === 0n, `${label}: NAV 0 iff equity 0`).to.equal(t.equity === 0n);
    if (t.wipedOut) expect(t.positionSize, `${label}: wiped out means closed`).to.equal(0n);
    expect(m.wipedOut[i] && !t.wipedOut, `${label}: wipe-out is terminal`).to.equal(false);
    expect(t.paused, `${label}: paused`).to.equal(m.paused[i]);
    // Fees only grow: the recipient never acts, so its shares and stablecoin never go down.
    expect(t.recipientShares, `${label}: fee shares only grow`).to.be.at.least(m.recipientShares[i]);
    recipientCollateral = t.recipientCollateral;
    m.recipientShares[i] = t.recipientShares;
    m.wipedOut[i] = t.wipedOut;
    m.equity[i] = t.equity;
    m.leverage[i] = t.currentLeverage;
  });
  expect(recipientCollateral, "fee stablecoin only grows").to.be.at.least(m.recipientCollateral);
  m.recipientCollateral = recipientCollateral;
  m.commands++;
}

const token = fc.nat(1);
const actor = fc.nat(2);

class MintCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly a: number,
    readonly amount: bigint,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const who = r.actors[this.a];
    const outcome = await attempt(r, () => r.tokens[this.t].connect(who).mint(this.amount, 0, who.address));
    expectOutcome(outcome, this.allowed(m), this.toString());
    await checkInvariants(m, r);
  }
  allowed(m: Model): string[] {
    if (m.paused[this.t]) return ["EnforcedPause"];
    if (m.wipedOut[this.t]) return ["LeveragedTokenWipedOut"];
    if (m.stale) return ["PerpStalePrice"];
    const allowed = ["LeveragedTokenMintSlippage"]; // dust that buys 0 shares
    if (m.equity[this.t] === 0n) allowed.push("LeveragedTokenWipedOut");
    // Above the band a mint rebalances first, except for dust (no rebalance below MIN_REBALANCE_EQUITY): past the
    // exchange's initial margin (20x) a dust account's mint, which adds exposure at that leverage, is refused.
    if (m.equity[this.t] < DUST && abs(m.leverage[this.t]) > wad(19)) allowed.push("PerpMarginRequirementNotMet");
    return allowed;
  }
  toString = () => `mint(token ${this.t}, actor ${this.a}, ${this.amount})`;
}

class RedeemCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly a: number,
    readonly percent: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const who = r.actors[this.a];
    const shares = ((await r.tokens[this.t].balanceOf(who.address)) * BigInt(this.percent)) / 100n;
    if (shares > 0n) {
      const outcome = await attempt(r, () => r.tokens[this.t].connect(who).redeem(shares, 0, who.address));
      const allowed = m.stale && !m.wipedOut[this.t] ? ["PerpStalePrice"] : [];
      // Above the band a partial redeem rebalances first, except for dust: under the exchange's maintenance margin
      // (40x) the withdrawal of a dust account's partial redeem is refused.
      if (m.equity[this.t] < DUST && abs(m.leverage[this.t]) > wad(39)) allowed.push("PerpMarginRequirementNotMet");
      expectOutcome(outcome, allowed, this.toString()); // never EnforcedPause
    }
    await checkInvariants(m, r);
  }
  toString = () => `redeem(token ${this.t}, actor ${this.a}, ${this.percent}%)`;
}

class TransferCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly from: number,
    readonly to: number,
    readonly percent: number,
    readonly permit: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = r.tokens[this.t];
    const [from, to] = [r.actors[this.from], r.actors[this.to]];
    const value = ((await t.balanceOf(from.address)) * BigInt(this.percent)) / 100n;
    if (this.permit) {
      // `to` spends `from`'s shares on an EIP-2612 signature.
      const deadline = BigInt(await time.latest()) + 3600n;
      const { chainId } = await ethers.provider.getNetwork();
      const signature = ethers.Signature.from(
        await from.signTypedData(
          { name: await t.name(), version: "1", chainId, verifyingContract: await t.getAddress() },
          {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          { owner: from.address, spender: to.address, value, nonce: await t.nonces(from.address), deadline },
        ),
      );
      await t.connect(to).permit(from.address, to.address, value, deadline, signature.v, signature.r, signature.s);
      expect(await t.allowance(from.address, to.address)).to.equal(value);
      await t.connect(to).transferFrom(from.address, to.address, value);
    } else {
      await t.connect(from).transfer(to.address, value);
    }
    await checkInvariants(m, r);
  }
  toString = () =>
    `${this.permit ? "permit+transferFrom" : "transfer"}(token ${this.t}, ${this.from} -> ${this.to}, ${this.percent}%)`;
}

class PriceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly bps: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const next = (m.price * BigInt(10_000 + this.bps)) / 10_000n;
    m.price = next > 0n ? next : 1n;
    await r.s.btcFeed.updateAnswer(m.price);
    m.stale = false;
    await checkInvariants(m, r);
  }
  toString = () => `price(${this.bps / 100}%)`;
}

class TimeCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly seconds: number,
    readonly leaveStale: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    if (this.leaveStale) {
      await time.increase(MAX_PRICE_AGE + this.seconds);
      m.stale = true;
    } else {
      await time.increase(this.seconds);
      await r.s.btcFeed.updateAnswer(m.price);
      m.stale = false;
    }
    await checkInvariants(m, r);
  }
  toString = () => `time(+${this.seconds}s${this.leaveStale ? " past maxPriceAge, stale" : ", feed refreshed"})`;
}

class RebalanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly via: "rebalance" | "performUpkeep" | "batch",
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = r.tokens[this.t];
    const due = (await t.rebalanceAction()) !== 0n;
    const before = await t.lastRebalanceTime();
    const sizeBefore = await t.positionSize();
    const caller = r.stranger;
    const send =
      this.via === "rebalance"
        ? () => t.connect(caller).rebalance()
        : this.via === "performUpkeep"
          ? () => t.connect(caller).performUpkeep("0x")
          : async () => (await ethers.getContractAt("BatchRebalancer", r.batch)).connect(caller).rebalance([t]);
    const outcome = await attempt(r, send);
    if (this.via === "batch") expect(outcome.ok, "a batch never reverts").to.equal(true);
    else if (due) expect(outcome, this.toString()).to.deep.equal({ ok: true });
    else expectOutcome(outcome, [m.stale ? "PerpStalePrice" : "LeveragedTokenRebalanceNotDue"], this.toString());
    const rebalanced = (await t.lastRebalanceTime()) !== before;
    expect(rebalanced && !due, "rebalanced although not due").to.equal(false);
    if (rebalanced && !(await t.wipedOut())) {
      // |l - L| <= |L| x (8 units + 2 x the taker fee of the rebalance's trade) / equity: equity is whole units,
      // and the fee, paid after the trade was sized, lowers equity under an unchanged notional.
      const equity = await t.equity();
      const traded =
        sizeBefore > (await t.positionSize())
          ? sizeBefore - (await t.positionSize())
          : (await t.positionSize()) - sizeBefore;
      const feeUnits = (traded * (m.price * 10n ** 10n) * TAKER_FEE_BPS) / 10n ** 18n / 10_000n / 10n ** 12n + 1n;
      const tolerance = (L[0] * (8n + 2n * feeUnits)) / (equity > 0n ? equity : 1n);
      expect(await t.currentLeverage(), "leverage after a rebalance").to.be.closeTo(L[this.t], tolerance);
    }
    await checkInvariants(m, r);
  }
  toString = () => `${this.via}(token ${this.t})`;
}

class FeesCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly byAdmin: boolean,
    readonly mintBps: number,
    readonly redeemBps: number,
    readonly perYear: bigint,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = r.tokens[this.t];
    const fees = {
      mintFeeBps: this.mintBps,
      redeemFeeBps: this.redeemBps,
      managementFeePerYear: this.perYear,
      recipient: r.s.feeRecipient,
    };
    if (this.byAdmin) {
      await t.connect(r.admin).setFees(fees);
    } else {
      // Only role holders change settings.
      await expect(t.connect(r.stranger).setFees(fees)).to.be.revertedWithCustomError(
        t,
        "AccessControlUnauthorizedAccount",
      );
      await expect(
        t.connect(r.stranger).setRebalanceSettings({ interval: 60, band: wad("0.01") }),
      ).to.be.revertedWithCustomError(t, "AccessControlUnauthorizedAccount");
    }
    await checkInvariants(m, r);
  }
  toString = () =>
    `setFees(token ${this.t}, ${this.byAdmin ? "admin" : "stranger"}, ${this.mintBps}/${this.redeemBps} bps, ${this.perYear}/y)`;
}

class PauseCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly byPauser: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = r.tokens[this.t];
    if (!this.byPauser) {
      await expect(t.connect(r.stranger).pause()).to.be.revertedWithCustomError(t, "AccessControlUnauthorizedAccount");
      await expect(t.connect(r.stranger).unpause()).to.be.revertedWithCustomError(
        t,
        "AccessControlUnauthorizedAccount",
      );
    } else if (m.paused[this.t]) {
      await t.connect(r.admin).unpause();
      m.paused[this.t] = false;
    } else {
      await t.connect(r.admin).pause();
      m.paused[this.t] = true;
    }
    await checkInvariants(m, r);
  }
  toString = () => `${this.byPauser ? "toggle pause" : "stranger pauses"}(token ${this.t})`;
}

class DonateCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly kind: "exchangeDeposit" | "toToken" | "toExchange",
    readonly amount: bigint,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const donor = r.actors[0];
    const target = await r.tokens[this.t].getAddress();
    if (this.kind === "exchangeDeposit") await r.s.exchange.connect(donor).deposit(0, target, this.amount);
    else if (this.kind === "toToken") await r.s.usdc.connect(donor).transfer(target, this.amount);
    else {
      await r.s.usdc.connect(donor).transfer(await r.s.exchange.getAddress(), this.amount);
      m.stray += this.amount;
    }
    await checkInvariants(m, r);
  }
  toString = () => `donate(${this.kind}, token ${this.t}, ${this.amount})`;
}

class RoundTripCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly t: number,
    readonly a: number,
    readonly amount: bigint,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const who = r.actors[this.a];
    const before = await r.s.usdc.balanceOf(who.address);
    const t = r.tokens[this.t];
    const outcome = await attempt(r, () => r.redeemer.connect(who).mintAndRedeem(t, r.s.usdc, this.amount));
    expectOutcome(outcome, new MintCommand(this.t, this.a, this.amount).allowed(m), this.toString());
    // A mint and a redeem in one call never return more than was put in.
    expect(await r.s.usdc.balanceOf(who.address), "round trip").to.be.at.most(before);
    await checkInvariants(m, r);
  }
  toString = () => `mintAndRedeem(token ${this.t}, actor ${this.a}, ${this.amount})`;
}

const amount = fc.oneof(
  { arbitrary: fc.bigInt(usdc(10), usdc(50_000)), weight: 5 },
  { arbitrary: fc.bigInt(1n, 1_000n), weight: 1 }, // dust
);

const commands = [
  fc.tuple(token, actor, amount).map(([t, a, x]) => new MintCommand(t, a, x)),
  fc.tuple(token, actor, amount).map(([t, a, x]) => new MintCommand(t, a, x)),
  fc
    .tuple(token, actor, fc.oneof(fc.integer({ min: 1, max: 99 }), fc.constant(100)))
    .map(([t, a, p]) => new RedeemCommand(t, a, p)),
  fc
    .tuple(token, actor, actor, fc.integer({ min: 0, max: 100 }), fc.boolean())
    .map(([t, f, to, p, permit]) => new TransferCommand(t, f, to, p, permit)),
  fc
    .oneof(
      { arbitrary: fc.integer({ min: -300, max: 300 }), weight: 4 }, // small
      { arbitrary: fc.integer({ min: -2_000, max: 2_000 }), weight: 2 }, // large
      { arbitrary: fc.integer({ min: -6_000, max: 15_000 }), weight: 1 }, // gaps: -60% .. +150%
    )
    .map((bps) => new PriceCommand(bps)),
  fc
    .tuple(fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 3_600, max: 3 * 86_400 })), fc.boolean())
    .map(([s, stale]) => new TimeCommand(s, stale && s < 3_000)),
  fc
    .tuple(token, fc.constantFrom("rebalance" as const, "performUpkeep" as const, "batch" as const))
    .map(([t, via]) => new RebalanceCommand(t, via)),
  fc
    .tuple(token, fc.boolean(), fc.nat(100), fc.nat(100), fc.bigInt(0n, wad("0.1")))
    .map(([t, admin, mb, rb, y]) => new FeesCommand(t, admin, mb, rb, y)),
  fc.tuple(token, fc.boolean()).map(([t, pauser]) => new PauseCommand(t, pauser)),
  fc
    .tuple(token, fc.constantFrom("exchangeDeposit" as const, "toToken" as const, "toExchange" as const), amount)
    .map(([t, kind, x]) => new DonateCommand(t, kind, x)),
  fc.tuple(token, actor, amount).map(([t, a, x]) => new RoundTripCommand(t, a, x)),
];

/** Every holder (the fee recipient last) redeems everything; per token, paid <= what its account held. */
async function everyoneLeaves(m: Model, r: Real, order: number[]): Promise<void> {
  await r.s.btcFeed.updateAnswer(m.price);
  m.stale = false;
  for (const [i, t] of r.tokens.entries()) {
    if (m.paused[i]) await t.connect(r.admin).unpause();
    m.paused[i] = false;
    const held = await t.equity();
    const recipient = await ethers.getSigner(r.s.feeRecipient);
    const leavers = [...order.map((k) => r.actors[k]), recipient, recipient, recipient];
    let paid = 0n;
    for (const who of leavers) {
      const shares = await t.balanceOf(who.address);
      if (shares === 0n) continue;
      const before = await r.s.usdc.balanceOf(who.address);
      const feesBefore = who === recipient ? 0n : await r.s.usdc.balanceOf(recipient.address);
      await t.connect(who).redeem(shares, 0, who.address);
      paid += (await r.s.usdc.balanceOf(who.address)) - before;
      if (who !== recipient) paid += (await r.s.usdc.balanceOf(recipient.address)) - feesBefore;
    }
    expect(paid, `token ${i}: paid <= what its account held`).to.be.at.most(held);
    expect(await t.totalSupply(), `token ${i}: everyone left`).to.equal(0n);
  }
  m.recipientShares = [0n, 0n]; // the recipient redeemed its own shares
  await checkInvariants(m, r);
}

describe(`LeveragedToken: stateful invariants (${RUNS} sequences of ${MIN_COMMANDS}-${MAX_COMMANDS} commands)`, () => {
  it(`hold after every command (seed ${SEED})`, async function () {
    this.timeout(0);
    let sequences = 0;
    let shrinking = false;
    let total = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }),
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        async (cmds, order) => {
          // At least MIN_COMMANDS per generated sequence; once one failed, shorter ones may be tried (shrinking).
          if (!shrinking) fc.pre([...cmds].length >= MIN_COMMANDS);
          const real = await loadFixture(fixture);
          const model: Model = {
            price: feedPrice(50_000),
            stale: false,
            stray: 0n,
            recipientShares: [0n, 0n],
            recipientCollateral: 0n,
            wipedOut: [false, false],
            paused: [false, false],
            equity: [0n, 0n],
            leverage: [0n, 0n],
            commands: 0,
          };
          try {
            await checkInvariants(model, real);
            await fc.asyncModelRun(() => ({ model, real }), cmds);
            await everyoneLeaves(model, real, order);
          } catch (error) {
            shrinking = true;
            throw error;
          }
          sequences++;
          total += model.commands - 2;
        },
      ),
      { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), verbose: fc.VerbosityLevel.Verbose },
    );
    console.log(`      ${sequences} sequences, ${total} commands, ${Math.round((Date.now() - started) / 1000)} s`);
    expect(sequences).to.equal(RUNS);
    expect(total).to.be.at.least(RUNS * MIN_COMMANDS);
  });
});
