import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { InvariantLens, LeveragedToken, MintRedeemer, PreviewProbe } from "../../../typechain-types";
import type { System } from "../../helpers/system";
import { createToken, deploySystem } from "../../helpers/system";
import { ExactTokenModel } from "../../../src/model/exactToken";
import { FEED_TO_WAD } from "../../../src/model/fixedPoint";
import { ExactTrader } from "../../../src/model/perp/trader";
import { readMarketParams, readTokenParams } from "../../../src/model/fromChain";
import { feedPrice, usdc, wad } from "../../helpers/units";

/**
 * The world of the stateful fuzz: two tokens (BTC3L and BTC3S) on one market with every fee and funding on, three
 * actors (actor 2 plays the attacker in the attacker's commands), two traders of the market (the exchange's other
 * users, each with TRADER_MARGIN in its account from the fixture), a stranger, the fee recipient, the test-only
 * InvariantLens (every view in one eth_call), MintRedeemer (a round trip in one call) and PreviewProbe (a preview and
 * its action in one call), and one exact model per token and per trader.
 */

export const MAX_PRICE_AGE = 3600;
export const TAKER_FEE_BPS = 5n;
export const MINT_FEE_BPS = 10n;
export const LEVERAGES = [wad(3), wad(-3)];
export const NAMES = ["3x long", "3x short"];
/** LeveragedToken.MIN_POSITION_EQUITY in collateral units (0.01 USDC): a dust account holds no position. */
export const DUST = 10_000n;
/** The exchange's maintenance margin (2.5%): above 40x a token's account is liquidatable. */
export const MAINTENANCE_LEVERAGE = 40;
export const DEAD = "0x000000000000000000000000000000000000dEaD";
/** What each trader holds in its exchange account when a sequence starts (collateral units). */
export const TRADER_MARGIN = usdc(20_000);
export const TRADERS = 2;

/** What the test remembers between commands, beside the exact models. */
export interface Model {
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
  retiredModels: ExactTokenModel[]; // the models of the retired tokens (r.retired's), their ledgers kept
  traders: ExactTrader[]; // one exact model per trader (r.traders's)
  badDebt: bigint; // the models' bad debt, all accounts, at the last check
  chainDebt: bigint; // bad debt the chain's events booked since the last check (each receipt once)
  audited: Set<string>; // receipts whose exchange events were audited
  mirrored: number; // transactions replayed in the models
  liquidations: number;
  victims: number; // mints at minSharesOut = previewMint that went through
  probed: number; // previews checked against their action in the same call
  retired: number; // tokens retired and relisted
  counts: Counts;
}

/** The newer commands' counts (end-of-run totals). */
export interface Counts {
  traderTrades: number; // trades by traders that went through
  traderRefusals: number; // trades the chain refused as the model did
  maxWithdrawals: number; // withdrawals down to the maintenance requirement (or the whole margin without a position)
  realizingWithdrawals: number; // of those, ones that realized unrealized profit (beyond the settled margin)
  settlements: number; // settleFunding by a trader, with a position
  settledOnProfit: number; // of those, with no settled margin left: the funding charged to the position
  settleRoundings: number; // of those, ones that cost the account a unit to the fund's rounding
  traderLiquidations: number;
  longWaits: number;
  capDeposits: number; // deposits into a token's account taking its equity around its cap
  capMints: number; // the mints after them that went through
  capRefusals: number; // the mints after them refused for the cap
  badDebts: number; // closes that booked bad debt
  feeDebts: number; // of those, closes of an account whose value before the close's own fee was >= 0
  rewards: number; // rebalances that paid the stranger (their keeper) a reward
  rewardUnits: bigint; // what they paid, collateral units: the stranger's margin (it never withdraws)
}

export const noCounts = (): Counts => ({
  traderTrades: 0,
  traderRefusals: 0,
  maxWithdrawals: 0,
  realizingWithdrawals: 0,
  settlements: 0,
  settledOnProfit: 0,
  settleRoundings: 0,
  traderLiquidations: 0,
  longWaits: 0,
  capDeposits: 0,
  capMints: 0,
  capRefusals: 0,
  badDebts: 0,
  feeDebts: 0,
  rewards: 0,
  rewardUnits: 0n,
});

export interface Real {
  s: System;
  tokens: LeveragedToken[]; // the live token in each slot (a successor replaces a retired one)
  retired: LeveragedToken[]; // retired tokens: their holders leave at the end
  actors: HardhatEthersSigner[];
  admin: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  traders: HardhatEthersSigner[]; // the exchange's other users: they trade the market directly
  fundAtStart: bigint; // the exchange's fund when a sequence starts (the fixture's)
  lens: InvariantLens;
  redeemer: MintRedeemer;
  probe: PreviewProbe;
  batch: string;
  holders: string[];
  models: ExactTokenModel[]; // as the tokens are in the fixture; each sequence works on clones
  traderModels: ExactTrader[]; // as the traders are in the fixture; each sequence works on clones
}

export async function fixture(): Promise<Real> {
  const s = await deploySystem(
    { mintFeeBps: Number(MINT_FEE_BPS), redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
    { takerFeeBps: Number(TAKER_FEE_BPS), fundingRatePerYear: wad("0.2"), maxPriceAge: MAX_PRICE_AGE },
  );
  const signers = await ethers.getSigners();
  const [admin, alice, bob, carol, stranger] = [signers[0], signers[1], signers[2], signers[3], signers[4]];
  const traders = signers.slice(6, 6 + TRADERS); // signer 5 is the fee recipient (it never acts)
  const tokens = [await createToken(s.factory, LEVERAGES[0]), await createToken(s.factory, LEVERAGES[1])];
  const lens = await ethers.deployContract("InvariantLens");
  const redeemer = await ethers.deployContract("MintRedeemer");
  const probe = await ethers.deployContract("PreviewProbe");
  const batch = await ethers.deployContract("BatchRebalancer");
  // A deep fund: the counterparty of every gap must be able to pay (a fund that cannot pay is a known limit).
  await s.usdc.mint(admin.address, usdc(100_000_000));
  await s.usdc.approve(await s.exchange.getAddress(), usdc(100_000_000));
  await s.exchange.depositToFund(usdc(100_000_000));
  const actors = [alice, bob, carol];
  for (const who of actors) {
    await s.usdc.mint(who.address, usdc(10_000_000));
    for (const spender of [...tokens, s.exchange, redeemer, probe]) {
      await s.usdc.connect(who).approve(await spender.getAddress(), ethers.MaxUint256);
    }
  }
  const holders = [...actors.map((a) => a.address), admin.address, stranger.address, s.feeRecipient, DEAD];
  holders.push(await redeemer.getAddress(), await probe.getAddress());
  // Each trader starts with TRADER_MARGIN in its account and a wallet for more (deposits need no price).
  for (const who of traders) {
    await s.usdc.mint(who.address, usdc(10_000_000));
    await s.usdc.connect(who).approve(await s.exchange.getAddress(), ethers.MaxUint256);
    await s.exchange.connect(who).deposit(s.btcMarket, who.address, TRADER_MARGIN);
  }
  const models = await Promise.all(tokens.map((t) => modelOf(s, t)));
  // A trader's model counts funding from its own origin: only index differences matter, and it holds no position.
  const market = await readMarketParams(s.exchange, s.btcMarket);
  const { price } = await s.exchange.accountState(traders[0].address, s.btcMarket);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const traderModels = traders.map(() => {
    const x = ExactTrader.open(market, now, price);
    x.deposit(TRADER_MARGIN);
    return x;
  });
  expect(price).to.equal(feedPrice(50_000) * FEED_TO_WAD);
  return {
    s,
    tokens,
    retired: [],
    actors,
    admin,
    stranger,
    traders,
    fundAtStart: await s.exchange.fundBalance(),
    lens,
    redeemer,
    probe,
    batch: await batch.getAddress(),
    holders,
    models,
    traderModels,
  };
}

/** The exact model of a token that nothing has happened to since its creation (its clocks start then). */
export async function modelOf(s: System, t: LeveragedToken): Promise<ExactTokenModel> {
  const market = await readMarketParams(s.exchange, s.btcMarket);
  expect(await t.totalSupply()).to.equal(0n);
  // The feed's last price even when it is stale (markPrice would revert): a successor can be listed at any time.
  const { price } = await s.exchange.accountState(await t.getAddress(), s.btcMarket);
  return new ExactTokenModel(market, await readTokenParams(t), await t.lastRebalanceTime(), price);
}

/** A fresh Model for a sequence starting at the fixture (the models cloned). */
export function freshModel(real: Real): Model {
  return {
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
    retiredModels: [],
    traders: real.traderModels.map((x) => x.clone()),
    badDebt: 0n,
    chainDebt: 0n,
    audited: new Set(),
    mirrored: 0,
    liquidations: 0,
    victims: 0,
    probed: 0,
    retired: 0,
    counts: noCounts(),
  };
}
