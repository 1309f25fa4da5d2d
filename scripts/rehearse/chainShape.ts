/**
 * What makes a local node look like a public chain (`chain.ts` applies it): the network's chain id and block time, a
 * base fee that EIP-1559 moves with the blocks' fullness above a floor and that spikes now and then, and pending
 * transactions dropped now and then. Every choice is a function of the seed and the block number (or the
 * transaction's hash), so that a run can be replayed.
 */
import { Random } from "../../src/model/random";
import { TESTNETS, type TestnetName } from "../../src/chain/networks";

export interface ChainShape {
  chainId: number;
  /** Interval mining: a block every this many milliseconds, full or empty. */
  blockMs: number;
  /** The base fee never stays below this (wei): an empty chain's EIP-1559 fee would fall towards zero. */
  baseFeeFloorWei: bigint;
}

const GWEI = 1_000_000_000n;

/**
 * Block times as the networks have them (Arbitrum's 0.25 s works here: blocks then share timestamps); the floors
 * are assumptions of the order these testnets show (Sepolia about a gwei, the L2s far less).
 */
export const NETWORK_SHAPES: Record<TestnetName, ChainShape> = {
  sepolia: { chainId: TESTNETS.sepolia.chainId, blockMs: 12_000, baseFeeFloorWei: GWEI },
  baseSepolia: { chainId: TESTNETS.baseSepolia.chainId, blockMs: 2_000, baseFeeFloorWei: GWEI / 1_000n },
  arbitrumSepolia: { chainId: TESTNETS.arbitrumSepolia.chainId, blockMs: 250, baseFeeFloorWei: GWEI / 10n },
};

export interface ShapeRules {
  seed: number;
  /** Chance that a block starts a base-fee spike. */
  spikeChance: number;
  /** A spike multiplies the base fee by this. */
  spikeFactor: number;
  /** A spike lasts a uniform [min, max] blocks, then the base fee before it comes back. */
  spikeBlocks: readonly [number, number];
  /** Chance that a pending transaction is dropped from the mempool (decided once per transaction). */
  dropChance: number;
}

export const DEFAULT_SHAPE_RULES: ShapeRules = {
  seed: 1,
  spikeChance: 0.02,
  spikeFactor: 10,
  spikeBlocks: [2, 5],
  dropChance: 0.02,
};

const mix = (seed: number, n: number) => (Math.imul(seed, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0;

/** Whether the pending transaction `hash` is dropped under `rules` (the same answer for the same seed and hash). */
export const isDropped = (rules: ShapeRules, hash: string): boolean =>
  new Random(mix(rules.seed, Number.parseInt(hash.slice(2, 10), 16))).next() < rules.dropChance;

/** The base fee of each next block: left to EIP-1559 above the floor, the floor below it, and spikes. */
export class BaseFeeSchedule {
  #spike: { left: number; fee: bigint; restore: bigint } | undefined;
  spikes = 0;

  constructor(
    private readonly rules: ShapeRules,
    private readonly floor: bigint,
  ) {}

  /** The base fee to set for the block after `block` (whose base fee was `baseFee`), or undefined to leave it. */
  next(block: number, baseFee: bigint): bigint | undefined {
    const spike = this.#spike;
    if (spike) {
      if (spike.left > 0) {
        spike.left -= 1;
        return spike.fee;
      }
      this.#spike = undefined;
      return spike.restore;
    }
    const random = new Random(mix(this.rules.seed, block));
    if (random.next() < this.rules.spikeChance) {
      const [min, max] = this.rules.spikeBlocks;
      const restore = baseFee > this.floor ? baseFee : this.floor;
      const fee = restore * BigInt(this.rules.spikeFactor);
      this.#spike = { left: random.int(min, max) - 1, fee, restore };
      this.spikes += 1;
      return fee;
    }
    return baseFee < this.floor ? this.floor : undefined;
  }
}
