/**
 * The demo's world: the system deployed on the in-process chain exactly as `npm run deploy` does, four funded
 * wallets, typed contracts, the few moves the stories make (time passes, BTC moves, the keeper acts), and what a
 * story returns (Story, its Outcomes).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import { formatAmount } from "../../src/text/format";
import { feedAnswer, parseUsdc, USDC_DECIMALS, WAD } from "../../src/text/units";
import { connectSettableFeed, connectSystem, connectToken, type System } from "../../src/chain/contracts";
import { rebalanceActionName } from "../../src/chain/enums";
import { loadSpec } from "../../src/deployment/spec";
import type { LeveragedToken, SettablePriceFeed } from "../../typechain-types";

export const DAY = 86_400;
/** Where every story starts. */
export const START_PRICE = 50_000;
/** What each wallet holds at the start. */
const WALLET_USDC = parseUsdc(100_000);

export const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
export const usdc = (units: bigint) => formatAmount(units, USDC_DECIMALS, 2);
/** A stablecoin amount as a float, for returns in the tables (never for money). */
export const usdcNumber = (units: bigint) => Number(units) / 10 ** USDC_DECIMALS;

/** One outcome of a story: the underlying's return, the token's, and what the rule of thumb predicts. */
export interface Outcome {
  name: string;
  underlying: number;
  token: number;
  ruleOfThumb: number;
}

/** What a story returns: its table and its outcomes (stories.ts and dex.ts play them, report.ts draws them). */
export interface Story {
  title: string;
  table: string;
  outcomes: Outcome[];
  /** Day by day, for the story's own chart (the choppy week). */
  days?: { day: number; series: string; value: number }[];
}

export interface DemoWorld {
  book: AddressBook;
  system: System;
  btcFeed: SettablePriceFeed;
  btc3l: LeveragedToken;
  btc2l: LeveragedToken;
  wallets: {
    alice: HardhatEthersSigner;
    bob: HardhatEthersSigner;
    carol: HardhatEthersSigner;
    dave: HardhatEthersSigner;
  };
  /** The chain's time (unix seconds). */
  now(): Promise<number>;
  advance(seconds: number): Promise<void>;
  /** Pushes a BTC price (USD) to the feed. */
  setBtc(price: number): Promise<void>;
  /** The keeper: rebalances `token` when it says a rebalance is due; returns what it did ("-" for nothing). */
  keeper(token: LeveragedToken): Promise<string>;
  /** `who`'s holding of `token` at NAV, in stablecoin units. */
  holding(token: LeveragedToken, who: string): Promise<bigint>;
  mint(token: LeveragedToken, who: Signer, amount: bigint): Promise<void>;
  /** Back to the state right after the wallets were funded (BTC at 50,000, nothing minted by them). */
  fresh(): Promise<void>;
}

/** Deploys the local spec on the in-process chain and funds alice, bob, carol and dave with 100,000 USDC each. */
export async function createWorld(hre: HardhatRuntimeEnvironment, log: (line: string) => void): Promise<DemoWorld> {
  if (hre.network.name !== "hardhat") {
    throw new Error(`the demo runs on the in-process network, not ${hre.network.name}`);
  }
  const provider = hre.network.provider;
  log("deploying the system (stablecoin, feeds, exchange, factory, 9 tokens, Uniswap V2 and a BTC3L pool)...");
  const book = await deploySystem(hre, loadSpec(hre.config.paths.root, "hardhat"));
  const [admin, alice, bob, carol, dave] = await hre.ethers.getSigners();
  const system = connectSystem(book, admin);
  const btcFeed = connectSettableFeed(book.markets.BTC.feed, admin);
  const [btc3l, btc2l] = [connectToken(book.tokens.BTC3L, admin), connectToken(book.tokens.BTC2L, admin)];

  log("funding wallets: 100,000 USDC each for alice, bob, carol and dave...");
  for (const wallet of [alice, bob, carol, dave]) {
    await (await system.stablecoin.mint(wallet.address, WALLET_USDC)).wait();
    for (const token of [btc3l, btc2l]) {
      await (await system.stablecoin.connect(wallet).approve(token, WALLET_USDC)).wait();
    }
  }

  let snapshot = (await provider.send("evm_snapshot", [])) as string;
  const now = async () => (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  return {
    book,
    system,
    btcFeed,
    btc3l,
    btc2l,
    wallets: { alice, bob, carol, dave },
    now,
    async advance(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },
    async setBtc(price) {
      await (await btcFeed.updateAnswer(feedAnswer(price))).wait();
    },
    async keeper(token) {
      const action = rebalanceActionName(await token.rebalanceAction());
      if (action === "none") return "-";
      await (await token.rebalance()).wait();
      return `rebalance (${action})`;
    },
    async holding(token, who) {
      return ((await token.balanceOf(who)) * (await token.navPerShare())) / WAD;
    },
    async mint(token, who, amount) {
      await (await token.connect(who).mint(amount, 0, await who.getAddress())).wait();
    },
    async fresh() {
      await provider.send("evm_revert", [snapshot]);
      snapshot = (await provider.send("evm_snapshot", [])) as string;
    },
  };
}
