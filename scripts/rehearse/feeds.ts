/**
 * Chainlink-like feeds at a network's real feed addresses, on a local node: `plantFeed` puts RehearsalFeed's code at
 * an address and writes its storage (owner, decimals, description, a first round), and `FeedDriver` pushes a new
 * round only when the price moved by the feed's deviation threshold or its heartbeat passed, so that answers go
 * stale between rounds as they do on the real network.
 */
import {
  AbiCoder,
  keccak256,
  toBeHex,
  toQuantity,
  toUtf8Bytes,
  zeroPadValue,
  type ContractRunner,
  type Provider,
} from "ethers";
import { deployedBytecode } from "../../artifacts/contracts/rehearsal/RehearsalFeed.sol/RehearsalFeed.json";
import { loadSpec } from "../../src/deployment/spec";
import { PROJECT_ROOT } from "../../src/node/projectRoot";
import { RehearsalFeed__factory } from "../../typechain-types/factories/contracts/rehearsal/RehearsalFeed__factory";
import type { RehearsalFeed } from "../../typechain-types/contracts/rehearsal/RehearsalFeed";
import { rehearsalPricePath, type PricePath, type PricePathOptions } from "./pricePath";

/** When a Chainlink feed publishes a round. */
export interface FeedRule {
  /** A move of at least this much from the last answer (basis points: 50 = 0.5%). */
  deviationBps: number;
  /** Or this long since the last round (seconds of chain time). */
  heartbeatSeconds: number;
}

/**
 * The specs list no thresholds, so these are assumptions in the range Chainlink uses for BTC / USD and ETH / USD
 * (0.5% or more, and a heartbeat of an hour or a day); a rehearsal that wants to see heartbeats within minutes
 * passes a shorter one.
 */
export const DEFAULT_FEED_RULE: FeedRule = { deviationBps: 50, heartbeatSeconds: 3_600 };

export type RoundReason = "deviation" | "heartbeat";

/** Why a round is due at `now` for `price` after the last round, or undefined: no round (the answer goes stale). */
export function roundDue(
  last: { answer: bigint; updatedAt: number },
  price: bigint,
  now: number,
  rule: FeedRule,
): RoundReason | undefined {
  const moved = price > last.answer ? price - last.answer : last.answer - price;
  if (moved * 10_000n >= BigInt(rule.deviationBps) * last.answer) return "deviation";
  if (now - last.updatedAt >= rule.heartbeatSeconds) return "heartbeat";
  return undefined;
}

/** A USD price as a feed answer with `decimals` decimals, rounded. */
export const toAnswer = (price: number, decimals: number): bigint => BigInt(Math.round(price * 10 ** decimals));

/** Round ids start in Chainlink's phase 1, as a proxy's do: (1 << 64) + n. */
export const FIRST_ROUND = (1n << 64n) + 1n;

export type Send = (method: string, params: unknown[]) => Promise<unknown>;

export interface FeedSetup {
  address: string;
  owner: string;
  decimals: number;
  /** e.g. "BTC / USD" (at most 31 bytes: stored in one slot). */
  description: string;
  answer: bigint;
  updatedAt: number;
}

const word = (value: bigint) => zeroPadValue(toBeHex(value), 32);

/** A short string's storage word: its bytes left-aligned, its length times two in the last byte. */
function shortString(text: string): string {
  const bytes = toUtf8Bytes(text);
  if (bytes.length > 31) throw new Error(`a feed description must fit 31 bytes: "${text}"`);
  const padded = new Uint8Array(32);
  padded.set(bytes);
  padded[31] = bytes.length * 2;
  return `0x${Buffer.from(padded).toString("hex")}`;
}

/** The storage words of RehearsalFeed's layout (slot 0: owner, decimals, latest round; 1: description; 2: rounds). */
export function feedStorage(setup: FeedSetup): [slot: bigint, value: string][] {
  const slot0 = BigInt(setup.owner) | (BigInt(setup.decimals) << 160n) | (FIRST_ROUND << 168n);
  const roundSlot = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [FIRST_ROUND, 2])));
  const round = BigInt.asUintN(192, setup.answer) | (BigInt(setup.updatedAt) << 192n);
  return [
    [0n, word(slot0)],
    [1n, shortString(setup.description)],
    [roundSlot, word(round)],
  ];
}

/** Plants RehearsalFeed at `setup.address` with its first round (`hardhat_setCode`, `hardhat_setStorageAt`). */
export async function plantFeed(send: Send, setup: FeedSetup): Promise<void> {
  await send("hardhat_setCode", [setup.address, deployedBytecode]);
  for (const [slot, value] of feedStorage(setup)) {
    await send("hardhat_setStorageAt", [setup.address, toQuantity(slot), value]);
  }
}

/**
 * Plants one of `specFeeds`' feeds (8 decimals, described "<symbol> / USD") with its first round: `price` at
 * `updatedAt`. Returns that round's answer.
 */
export async function plantSpecFeed(
  send: Send,
  feed: { symbol: string; address: string },
  owner: string,
  price: number,
  updatedAt: number,
): Promise<bigint> {
  const answer = toAnswer(price, 8);
  const description = `${feed.symbol} / USD`;
  await plantFeed(send, { address: feed.address, owner, decimals: 8, description, answer, updatedAt });
  return answer;
}

/** The Chainlink feeds of `network`'s spec: market symbol and address (8 decimals, "<symbol> / USD"). */
export function specFeeds(network: string): { symbol: string; address: string }[] {
  return loadSpec(PROJECT_ROOT, network).markets.flatMap((m) =>
    m.feed.kind === "chainlink" ? [{ symbol: m.symbol, address: m.feed.address }] : [],
  );
}

/**
 * Pushes rounds to one planted feed along a price path. `tick(now)` reads the feed's latest round (as a Chainlink
 * node reads the chain), sends a round when one is due, and sends nothing while its last round is still pending; a
 * round the node dropped from its mempool is decided again at the next tick. The owner must sign locally (a Wallet):
 * ethers' JsonRpcSigner waits forever for a transaction that the node dropped before ethers saw it.
 */
export class FeedDriver {
  readonly feed: RehearsalFeed;
  #pending: string | undefined;
  /** The rounds sent, with why. */
  readonly sent: { at: number; answer: bigint; reason: RoundReason; hash: string }[] = [];

  constructor(
    address: string,
    owner: ContractRunner,
    private readonly path: PricePath,
    private readonly startTime: number,
    private readonly decimals = 8,
    private readonly rule: FeedRule = DEFAULT_FEED_RULE,
  ) {
    this.feed = RehearsalFeed__factory.connect(address, owner);
  }

  /** The answer the path gives at chain time `now`. */
  answerAt(now: number): bigint {
    return toAnswer(this.path.priceAt(now - this.startTime), this.decimals);
  }

  async tick(now: number): Promise<RoundReason | undefined> {
    const provider = this.feed.runner?.provider;
    if (this.#pending && provider) {
      const known = await provider.getTransaction(this.#pending);
      if (known && known.blockNumber === null) return undefined;
      this.#pending = undefined;
    }
    const [, answer, , updatedAt] = await this.feed.latestRoundData();
    const price = this.answerAt(now);
    const reason = roundDue({ answer, updatedAt: Number(updatedAt) }, price, now, this.rule);
    if (!reason) return undefined;
    const tx = await this.feed.updateAnswer(price);
    this.#pending = tx.hash;
    this.sent.push({ at: now, answer: price, reason, hash: tx.hash });
    return reason;
  }
}

/**
 * Plants a feed at every Chainlink address of `network`'s spec, its first round at its price path's start (dated
 * `startTime`, the chain's time), and returns a driver per feed: what a rehearsal of `network` ticks.
 */
export async function plantNetworkFeeds(
  send: Send,
  network: string,
  owner: ContractRunner & { getAddress(): Promise<string> },
  startTime: number,
  paths: PricePathOptions,
  rule: FeedRule = DEFAULT_FEED_RULE,
): Promise<Record<string, FeedDriver>> {
  const drivers: Record<string, FeedDriver> = {};
  for (const [i, { symbol, address }] of specFeeds(network).entries()) {
    const path = rehearsalPricePath(symbol, { ...paths, seed: paths.seed + i });
    await plantSpecFeed(send, { symbol, address }, await owner.getAddress(), path.priceAt(0), startTime);
    drivers[symbol] = new FeedDriver(address, owner, path, startTime, 8, rule);
  }
  return drivers;
}

/**
 * Ticks every driver at each new block's time until `stopping()`; a tick that failed (the node busy, a reply lost) is
 * told to `onError` and decided again at the next block, as a Chainlink node would.
 */
export async function driveFeeds(
  drivers: Record<string, FeedDriver>,
  provider: Provider,
  options: { stopping: () => boolean; everyMs: number; onError?: (symbol: string, error: unknown) => void },
): Promise<void> {
  let seen = -1;
  while (!options.stopping()) {
    const block = await provider.getBlock("latest").catch(() => null);
    if (block && block.number > seen) {
      seen = block.number;
      for (const [symbol, driver] of Object.entries(drivers)) {
        await driver.tick(block.timestamp).catch((error: unknown) => options.onError?.(symbol, error));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
}
