import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { InvariantLens, LeveragedToken, MintRedeemer } from "../../typechain-types";
import type { System } from "../helpers/system";
import { createToken, deploySystem } from "../helpers/system";
import { ExactTokenModel, ModelRevert, REBALANCE_ACTIONS } from "../../src/model/exactToken";
import { readMarketParams, readTokenParams } from "../../src/model/fromChain";
import { signPermit } from "../../src/permit";
import { abs, COLLATERAL_SCALE, FEED_TO_WAD, WAD, YEAR } from "../../src/model/fixedPoint";
import { feedPrice, usdc, wad } from "../helpers/units";

/**
 * Stateful, model-based property test of two tokens (BTC3L and BTC3S) on one market, with every fee and funding on.
 * Commands: mint, redeem (part or all), transfer, permit + transferFrom, price moves (small, large, gaps from -60%
 * to +150%), time jumps (refreshed, or leaving the price stale), rebalance (direct, performUpkeep, batch), fee
 * changes, pause/unpause, settings changes by strangers, stablecoin donations (to the token's exchange account,
 * and plain transfers to the token and to the exchange), a mint + redeem in one call, and liquidations of a token's
 * exchange account by anyone (as it is, or after a price push that puts it under the maintenance margin or under
 * water). The invariants are checked after every command with one eth_call (contracts/mocks/InvariantLens.sol); at
 * the end every holder redeems everything in a random order.
 *
 * Each token also has an exact model (src/model/exactToken.ts), built from the chain's settings when the fixture is.
 * Every transaction that moves a token's money (mint, redeem, the round trip, rebalances, price pushes, fee changes,
 * donations to its exchange account, liquidations, and the wipe-outs these do) is replayed in the model at the block
 * time of its receipt, only when it succeeded on chain; after every command the token's NAV, equity, supply, pending
 * fee shares, position, margin, leverage, due action and wipe-out flag must equal the model's to the wei.
 *
 * `npm test`: FUZZ_RUNS (default 100) sequences of 25-40 commands with the fixed seed FUZZ_SEED (default 20250101).
 * `npm run fuzz`: 2,000 sequences, a random seed unless given: `FUZZ_SEED=123 npm run fuzz`. A failure prints the
 * seed, the path and the shrunk command list with its replayPath; replay it with FUZZ_SEED, FUZZ_PATH and
 * FUZZ_REPLAY_PATH (the command list's replayPath), e.g. `FUZZ_RUNS=500 FUZZ_SEED=4242 FUZZ_PATH=5:2:6
 * FUZZ_REPLAY_PATH=Eaa:F npx hardhat test test/fuzz/invariants.fuzz.ts`.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const FUZZ_MODE = process.env.FUZZ_RUNS !== undefined;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : FUZZ_MODE ? Date.now() : 20250101;
const PATH = process.env.FUZZ_PATH;
const REPLAY_PATH = process.env.FUZZ_REPLAY_PATH;
const MIN_COMMANDS = 25;
const MAX_COMMANDS = 40;
const MAX_PRICE_AGE = 3600;
const TAKER_FEE_BPS = 5n;
const L = [wad(3), wad(-3)];
/** LeveragedToken.MIN_REBALANCE_EQUITY in collateral units (0.01 USDC): no rebalance is due below it. */
const DUST = 10_000n;

/** The exchange's maintenance margin (2.5%): above 40x a token's account is liquidatable. */
const MAINTENANCE_LEVERAGE = 40;
const NAMES = ["3x long", "3x short"];

/** Errors a command may meet legitimately in some states; the command decides which, from the model. */
type Outcome = { ok: true; receipt: ContractTransactionReceipt } | { ok: false; name: string };

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
  exact: ExactTokenModel[]; // one exact model per token, following every successful transaction that moves money
  mirrored: number; // transactions replayed in the models
  liquidations: number;
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
  models: ExactTokenModel[]; // as the tokens are in the fixture; each sequence works on clones
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
  const models = await modelsOf(s, tokens);
  return { s, tokens, actors, admin, stranger, lens, redeemer, batch: await batch.getAddress(), holders, models };
}

/** One exact model per token, its settings and the market's read from the chain, started at the token's creation. */
async function modelsOf(s: System, tokens: LeveragedToken[]): Promise<ExactTokenModel[]> {
  const market = await readMarketParams(s.exchange, s.btcMarket);
  const price = await s.exchange.markPrice(s.btcMarket);
  const models: ExactTokenModel[] = [];
  for (const t of tokens) {
    const params = await readTokenParams(t);
    // Nothing has happened to the token since its creation (its clocks start then) but the price it was made at.
    expect(await t.totalSupply()).to.equal(0n);
    models.push(new ExactTokenModel(market, params, await t.lastRebalanceTime(), price));
  }
  return models;
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
    const receipt = await (await send()).wait();
    if (!receipt) throw new Error("no receipt");
    return { ok: true, receipt };
  } catch (error) {
    return { ok: false, name: errorName(r, error) };
  }
}

function expectOutcome(outcome: Outcome, allowed: string[], label: string): void {
  if (!outcome.ok) expect(allowed, `${label} reverted with ${outcome.name}`).to.include(outcome.name);
}

/** Sends a transaction that must succeed; its receipt. */
async function mined(send: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await send).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt;
}

/**
 * Replays on token `i`'s model, at the block time of `receipt`, what that transaction did on chain. The chain did
 * it, so a model that refuses (ModelRevert) is a mismatch.
 */
async function mirror<T>(
  m: Model,
  i: number,
  receipt: ContractTransactionReceipt,
  what: string,
  apply: (model: ExactTokenModel) => T,
): Promise<T> {
  const time = BigInt((await receipt.getBlock()).timestamp);
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
function eventsOf(receipt: ContractTransactionReceipt, token: LeveragedToken, address: string) {
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => token.interface.parseLog(log))
    .filter((event) => event !== null);
}

/** Replays a successful mint of `amount` on the model and checks the shares the chain minted (Minted). */
async function mirrorMint(m: Model, r: Real, i: number, receipt: ContractTransactionReceipt, amount: bigint) {
  const t = r.tokens[i];
  const minted = eventsOf(receipt, t, await t.getAddress()).filter((e) => e.name === "Minted");
  expect(minted.length, "one Minted event").to.equal(1);
  const { shares, fee } = await mirror(m, i, receipt, `mint(${amount})`, (model) => model.mint(amount));
  expect(minted[0].args.shares, `token ${i} (${NAMES[i]}): shares minted, chain vs model`).to.equal(shares);
  expect(minted[0].args.fee, `token ${i} (${NAMES[i]}): mint fee, chain vs model`).to.equal(fee);
  return shares;
}

/** Replays a successful redeem of `shares` on the model and checks what the chain paid (Redeemed). */
async function mirrorRedeem(m: Model, r: Real, i: number, receipt: ContractTransactionReceipt, shares: bigint) {
  const t = r.tokens[i];
  const redeemed = eventsOf(receipt, t, await t.getAddress()).filter((e) => e.name === "Redeemed");
  expect(redeemed.length, "one Redeemed event").to.equal(1);
  const out = await mirror(m, i, receipt, `redeem(${shares})`, (model) => model.redeem(shares));
  expect(redeemed[0].args.collateralOut, `token ${i} (${NAMES[i]}): collateral out, chain vs model`).to.equal(
    out.collateralOut,
  );
  expect(redeemed[0].args.fee, `token ${i} (${NAMES[i]}): redeem fee, chain vs model`).to.equal(out.fee);
}

/** A feed push: both models take the new price at its block time. */
async function mirrorPrice(m: Model, receipt: ContractTransactionReceipt): Promise<void> {
  for (const i of m.exact.keys()) {
    await mirror(m, i, receipt, `a price push to ${m.price}`, (model) => model.setPrice(m.price * FEED_TO_WAD));
  }
}

/** The chain's errors that the model's refusals of a mint stand for. */
const MINT_ERRORS: Record<string, string> = {
  "wiped out": "LeveragedTokenWipedOut", // supply > 0 and an account value <= 0
  "initial margin requirement not met": "PerpMarginRequirementNotMet",
  "mint gives 0 shares": "LeveragedTokenMintSlippage",
};

/** What the model says a mint of `amount` into token `i` at `time` does: "ok", or the error the chain reverts with. */
function modelMint(m: Model, i: number, time: bigint, amount: bigint): string {
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
async function revertedAt(to: string): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest", true);
  const tx = block?.prefetchedTransactions[0];
  const receipt = tx ? await ethers.provider.getTransactionReceipt(tx.hash) : null;
  expect([receipt?.status, tx?.to], "the reverted transaction is the latest block's").to.deep.equal([0, to]);
  return BigInt(block!.timestamp);
}

/**
 * The token's state as the chain's views show it equals the exact model's, to the wei, at the latest block's time
 * (the time views run at). The lens counts the pending management fee shares apart from totalSupply (the ERC-20
 * supply) and in navPerShare; the model does the same. `rebalanceAction` is NONE on chain while the price is not
 * fresh; the model has no staleness, so it is compared only on a fresh price.
 */
async function expectModelState(
  m: Model,
  reports: Awaited<ReturnType<InvariantLens["check"]>>[0],
  fresh: boolean,
  command: string,
): Promise<void> {
  const now = BigInt(await time.latest());
  reports.forEach((t, i) => {
    const x = m.exact[i].at(now);
    const label = `token ${i} (${NAMES[i]}) after ${command}, chain vs model`;
    expect(t.navPerShare, `${label}: navPerShare`).to.equal(x.navPerShare());
    expect(t.equity, `${label}: equity`).to.equal(x.equity());
    expect(t.totalSupply, `${label}: totalSupply`).to.equal(x.supply);
    expect(t.pendingFeeShares, `${label}: pendingManagementFeeShares`).to.equal(x.pendingManagementFeeShares());
    expect(t.positionSize, `${label}: positionSize`).to.equal(x.size);
    expect(t.margin, `${label}: margin`).to.equal(x.state.margin);
    expect(t.currentLeverage, `${label}: currentLeverage`).to.equal(x.currentLeverage());
    if (fresh) expect(REBALANCE_ACTIONS[Number(t.action)], `${label}: rebalanceAction`).to.equal(x.rebalanceAction());
    expect(t.wipedOut, `${label}: wipedOut`).to.equal(x.wipedOut);
  });
}

/** One eth_call: every view of both tokens and of the exchange, then the invariants after every command. */
async function checkInvariants(m: Model, r: Real, command: string): Promise<void> {
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
    // equity and NAV are unsigned: the views returning at all is the "never negative" half. NAV (units per whole
    // share, rounded down) is 0 iff equity is below one unit per whole share: at equity 0, or with a few units left
    // (a liquidation whose penalty took nearly all the margin leaves 1-2 units under a supply of whole tokens).
    const shares = t.totalSupply + t.pendingFeeShares;
    if (shares > 0n) {
      expect(t.navPerShare === 0n, `${label}: NAV 0 iff equity < 1 unit per share`).to.equal(t.equity * WAD < shares);
    }
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
  // NAV, equity, supply, position, ... equal the exact model's.
  await expectModelState(m, reports, ex.priceIsFresh, command);
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
    const token = r.tokens[this.t];
    const outcome = await attempt(r, () => token.connect(who).mint(this.amount, 0, who.address));
    if (outcome.ok) await mirrorMint(m, r, this.t, outcome.receipt, this.amount);
    else if (m.paused[this.t] || m.wipedOut[this.t] || m.stale)
      expectOutcome(outcome, this.allowed(m), this.toString());
    else {
      // Every other revert is the model's, for the same reason, at the time the chain refused the mint (the last
      // check's equity and leverage are a block older: funding or a price tick can have taken the last unit).
      const predicted = modelMint(m, this.t, await revertedAt(await token.getAddress()), this.amount);
      expect(outcome.name, `${this.toString()}: reverted, chain vs model`).to.equal(predicted);
    }
    await checkInvariants(m, r, this.toString());
  }
  /** The reverts a mint may meet, from the last check (the model, which has no pause and no staleness, aside). */
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
      if (outcome.ok) await mirrorRedeem(m, r, this.t, outcome.receipt, shares);
    }
    await checkInvariants(m, r, this.toString());
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
      const signature = await signPermit(from, t, to.address, value, deadline);
      await t.connect(to).permit(from.address, to.address, value, deadline, signature.v, signature.r, signature.s);
      expect(await t.allowance(from.address, to.address)).to.equal(value);
      await t.connect(to).transferFrom(from.address, to.address, value);
    } else {
      await t.connect(from).transfer(to.address, value);
    }
    await checkInvariants(m, r, this.toString()); // shares move between holders, the token's money does not
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
    await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price)));
    m.stale = false;
    await checkInvariants(m, r, this.toString());
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
      await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price))); // the same price, pushed again
      m.stale = false;
    }
    await checkInvariants(m, r, this.toString()); // the models' clocks move to the latest block's
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
    else if (due) expect(outcome.ok ? "ok" : outcome.name, this.toString()).to.equal("ok");
    else expectOutcome(outcome, [m.stale ? "PerpStalePrice" : "LeveragedTokenRebalanceNotDue"], this.toString());
    if (outcome.ok) {
      // Mirrored only when the chain did rebalance (a batch skips a token with nothing due, or whose rebalance
      // reverts); a rebalance with no equity left wipes the token out (WipedOut, no Rebalanced).
      const events = eventsOf(outcome.receipt, t, await t.getAddress()).map((e) => e.name);
      const did = events.includes("Rebalanced") || events.includes("WipedOut");
      if (this.via !== "batch") expect(did, `${this.toString()} succeeded without rebalancing`).to.equal(true);
      if (did) await mirror(m, this.t, outcome.receipt, this.toString(), (model) => model.rebalance());
    }
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
    await checkInvariants(m, r, this.toString());
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
      const receipt = await mined(t.connect(r.admin).setFees(fees));
      // The management fee is accrued at the old rate up to this block, then the new fees apply.
      await mirror(m, this.t, receipt, this.toString(), (model) =>
        model.setFees({
          mintFeeBps: BigInt(this.mintBps),
          redeemFeeBps: BigInt(this.redeemBps),
          managementFeePerYear: this.perYear,
        }),
      );
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
    await checkInvariants(m, r, this.toString());
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
    await checkInvariants(m, r, this.toString());
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
    if (this.kind === "exchangeDeposit") {
      const receipt = await mined(r.s.exchange.connect(donor).deposit(0, target, this.amount));
      await mirror(m, this.t, receipt, this.toString(), (model) => model.deposit(this.amount));
    } else if (this.kind === "toToken") await r.s.usdc.connect(donor).transfer(target, this.amount);
    else {
      await r.s.usdc.connect(donor).transfer(await r.s.exchange.getAddress(), this.amount);
      m.stray += this.amount;
    }
    await checkInvariants(m, r, this.toString()); // a plain transfer to the token is not its equity
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
    const allowed = new MintCommand(this.t, this.a, this.amount).allowed(m);
    if (!outcome.ok && !m.stale) {
      // As for a mint, the reason the model gives for refusing the mint at that block is allowed too.
      allowed.push(modelMint(m, this.t, await revertedAt(await r.redeemer.getAddress()), this.amount));
    }
    expectOutcome(outcome, allowed, this.toString());
    if (outcome.ok) {
      // Two operations in one block, at one time: the mint, then the redeem of every share it gave.
      const shares = await mirrorMint(m, r, this.t, outcome.receipt, this.amount);
      await mirrorRedeem(m, r, this.t, outcome.receipt, shares);
    }
    // A mint and a redeem in one call never return more than was put in.
    expect(await r.s.usdc.balanceOf(who.address), "round trip").to.be.at.most(before);
    await checkInvariants(m, r, this.toString());
  }
  toString = () => `mintAndRedeem(token ${this.t}, actor ${this.a}, ${this.amount})`;
}

class LiquidateCommand implements fc.AsyncCommand<Model, Real> {
  /**
   * `push`: first move the price to where the token's account would be at that leverage (45x, 60x, ...: under
   * the exchange's maintenance margin, 40x), or, when negative, under water by notional / |push| (bad debt);
   * null: liquidate at the price as it is (usually not liquidatable).
   */
  constructor(
    readonly t: number,
    readonly push: number | null,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const account = await r.tokens[this.t].getAddress();
    let answer = this.push === null ? 0n : this.pushedAnswer(m, BigInt(await time.latest()));
    // Within the gaps the price commands make (-60% .. +150%): a token with a tiny position against its margin (a
    // dust mint after a liquidation) would need a price far beyond, whose profit the other side's fund cannot pay.
    if (answer < (m.price * 4n) / 10n || answer > (m.price * 25n) / 10n) answer = 0n;
    if (answer > 0n) {
      m.price = answer;
      await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(answer)));
      m.stale = false;
    }
    const label = this.toString();
    const model = m.exact[this.t].at(BigInt(await time.latest()));
    const liquidatable = await r.s.exchange.isLiquidatable(account, r.s.btcMarket);
    expect(liquidatable, `${label}: isLiquidatable, chain vs model`).to.equal(model.isLiquidatable());
    if (answer > 0n && this.push! > MAINTENANCE_LEVERAGE) expect(liquidatable, `${label}: pushed`).to.equal(true);
    const rewardBefore = await r.s.usdc.balanceOf(r.stranger.address);
    const outcome = await attempt(r, () => r.s.exchange.connect(r.stranger).liquidate(account, r.s.btcMarket));
    // Anyone may try; the exchange refuses a stale price first, then an account above its maintenance margin.
    expectOutcome(outcome, [m.stale ? "PerpStalePrice" : "PerpNotLiquidatable"], label);
    if (outcome.ok) {
      const { penalty, reward } = await mirror(m, this.t, outcome.receipt, label, (x) => x.liquidate());
      const event = outcome.receipt.logs
        .map((log) => r.s.exchange.interface.parseLog(log))
        .find((e) => e?.name === "Liquidated");
      expect(event?.args.liquidatorReward, `${label}: liquidator's reward, chain vs model`).to.equal(reward);
      expect(event?.args.fundPenalty, `${label}: fund's penalty, chain vs model`).to.equal(penalty - reward);
      const paid = (await r.s.usdc.balanceOf(r.stranger.address)) - rewardBefore;
      expect(paid, `${label}: reward paid to the liquidator`).to.equal(reward);
      await this.holdersCanRedeem(m, r);
      m.liquidations++;
    }
    await checkInvariants(m, r, label);
  }

  /** After a liquidation every holder can still redeem all its shares, for what the model pays (an eth_call each). */
  async holdersCanRedeem(m: Model, r: Real): Promise<void> {
    const t = r.tokens[this.t];
    const now = BigInt(await time.latest());
    for (const who of [...r.actors, await ethers.getSigner(r.s.feeRecipient)]) {
      const shares = await t.balanceOf(who.address);
      if (shares === 0n) continue;
      const out = await t.connect(who).redeem.staticCall(shares, 0, who.address);
      const expected = m.exact[this.t].clone().at(now).redeem(shares).collateralOut;
      expect(out, `${this.toString()}: ${who.address} redeems all after the liquidation, chain vs model`).to.equal(
        expected,
      );
    }
  }

  /**
   * The feed answer at which `push` holds one second after `now`, from the model's account (rounding aside), or 0 if
   * there is none. Funding pending since the last settlement is size x p x d / (WAD^2 x YEAR), d the funding index
   * accrued since, so the account's value is margin - openNotional + p x size x (WAD x YEAR - d) / (WAD^2 x YEAR);
   * setting it to |size| x p / (WAD x k) gives p.
   */
  pushedAnswer(m: Model, now: bigint): bigint {
    const x = m.exact[this.t];
    const { size, openNotional, margin, cumulativeFunding, lastFundingUpdate, fundingIndex } = x.state;
    if (size === 0n || x.wipedOut) return 0n;
    const accrued = cumulativeFunding + x.market.fundingRatePerYear * (now + 1n - lastFundingUpdate) - fundingIndex;
    const k = BigInt(this.push!);
    const numerator = (openNotional - margin * COLLATERAL_SCALE) * WAD * WAD * YEAR * k;
    const denominator = size * (WAD * YEAR - accrued) * k - abs(size) * WAD * YEAR;
    const price = numerator / denominator;
    return price > 0n ? price / FEED_TO_WAD : 0n;
  }
  toString = () =>
    `liquidate(token ${this.t}${this.push === null ? "" : this.push > 0 ? `, price pushed to ${this.push}x` : `, price pushed under water by notional/${-this.push}`})`;
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
  fc
    .tuple(token, fc.option(fc.constantFrom(45, 60, 100, 1_000, -100, -5), { freq: 2 }))
    .map(([t, push]) => new LiquidateCommand(t, push)),
];

/** Every holder (the fee recipient last) redeems everything; per token, paid <= what its account held. */
async function everyoneLeaves(m: Model, r: Real, order: number[]): Promise<void> {
  await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price)));
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
      await mirrorRedeem(m, r, i, await mined(t.connect(who).redeem(shares, 0, who.address)), shares);
      paid += (await r.s.usdc.balanceOf(who.address)) - before;
      if (who !== recipient) paid += (await r.s.usdc.balanceOf(recipient.address)) - feesBefore;
    }
    expect(paid, `token ${i}: paid <= what its account held`).to.be.at.most(held);
    expect(await t.totalSupply(), `token ${i}: everyone left`).to.equal(0n);
  }
  m.recipientShares = [0n, 0n]; // the recipient redeemed its own shares
  await checkInvariants(m, r, "everyone left");
}

describe(`LeveragedToken: stateful invariants (${RUNS} sequences of ${MIN_COMMANDS}-${MAX_COMMANDS} commands)`, () => {
  it(`hold after every command (seed ${SEED})`, async function () {
    this.timeout(0);
    let sequences = 0;
    let shrinking = PATH !== undefined; // a replayed path may be a shrunk (shorter) sequence
    let total = 0;
    let mirrored = 0;
    let liquidations = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, {
          maxCommands: MAX_COMMANDS,
          size: "max",
          ...(REPLAY_PATH ? { replayPath: REPLAY_PATH } : {}),
        }),
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        async (cmds, order) => {
          // At least MIN_COMMANDS per generated sequence; once one failed, shorter ones may be tried (shrinking).
          if (!shrinking) fc.pre([...cmds].length >= MIN_COMMANDS);
          const real = await loadFixture(fixture);
          // Every sequence starts one second after the fixture, whatever the wall clock and the time jumps of the
          // sequences before did to the chain's clock (a long run otherwise found the fixture's price stale).
          await time.setNextBlockTimestamp((await time.latest()) + 1);
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
            exact: real.models.map((x) => x.clone()),
            mirrored: 0,
            liquidations: 0,
          };
          try {
            await checkInvariants(model, real, "the fixture");
            await fc.asyncModelRun(() => ({ model, real }), cmds);
            await everyoneLeaves(model, real, order);
          } catch (error) {
            shrinking = true;
            throw error;
          }
          sequences++;
          total += model.commands - 2;
          mirrored += model.mirrored;
          liquidations += model.liquidations;
        },
      ),
      { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), verbose: fc.VerbosityLevel.Verbose },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`      ${sequences} sequences, ${total} commands, ${seconds} s`);
    console.log(`      ${mirrored} transactions replayed in the exact models, ${liquidations} liquidations`);
    if (PATH) return; // a replay runs the one (shrunk) sequence of the path
    expect(sequences).to.equal(RUNS);
    expect(total).to.be.at.least(RUNS * MIN_COMMANDS);
    // The liquidation command is exercised (the default run has about 50 that go through, most after a push).
    if (RUNS >= 20) expect(liquidations, "liquidations that went through").to.be.greaterThan(0);
  });
});
