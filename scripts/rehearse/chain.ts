/**
 * A chain shaped like a public network, on loopback: a Hardhat node (`chainNode.ts`) with the network's chain id and
 * interval mining at its block time, and a shaper beside it that sets the base fee of the next block (a floor and
 * seeded spikes, see `chainShape.ts`) and drops a seeded share of the pending transactions, as a public mempool
 * sometimes does: the sender must notice and send again with the same nonce.
 *
 *   ts-node --transpile-only scripts/rehearse/chain.ts --network sepolia [--seed 1] [--port 8545] [--block-ms 12000]
 */
import { toQuantity } from "ethers";
import { parseArgs } from "node:util";
import type { TestnetName } from "../../src/chain/networks";
import { freePort, rpc, startNode } from "../localNode";
import { NETWORK_OPTIONS, runMain, stopOnRequest, testnetOption } from "./cli";
import {
  BaseFeeSchedule,
  DEFAULT_SHAPE_RULES,
  isDropped,
  NETWORK_SHAPES,
  type ChainShape,
  type ShapeRules,
} from "./chainShape";

export interface ChainCounters {
  /** Blocks the shaper saw. */
  blocks: number;
  /** Base-fee spikes started. */
  spikes: number;
  /** Pending transactions dropped. */
  dropped: number;
}

export interface RehearsalChain {
  url: string;
  shape: ChainShape;
  /** The shaper's rules, read at every look: a test may change them while the chain runs. */
  rules: ShapeRules;
  counters: ChainCounters;
  /** The hashes of the dropped transactions. */
  droppedHashes: string[];
  stop(): Promise<void>;
}

export interface ChainOptions extends Partial<ShapeRules> {
  port?: number;
  /** Another block time than the network's (milliseconds). */
  blockMs?: number;
}

type Block = { number: string; baseFeePerGas: string; transactions: string[] };

export async function startChain(network: TestnetName, options: ChainOptions = {}): Promise<RehearsalChain> {
  const shape = { ...NETWORK_SHAPES[network], ...(options.blockMs ? { blockMs: options.blockMs } : {}) };
  const rules: ShapeRules = { ...DEFAULT_SHAPE_RULES };
  for (const key of Object.keys(DEFAULT_SHAPE_RULES) as (keyof ShapeRules)[]) {
    if (options[key] !== undefined) Object.assign(rules, { [key]: options[key] });
  }
  const port = options.port ?? (await freePort());
  const node = await startNode({
    port,
    args: ["run", "scripts/rehearse/chainNode.ts"],
    env: {
      REHEARSE_CHAIN: JSON.stringify({
        chainId: shape.chainId,
        blockMs: shape.blockMs,
        initialBaseFeePerGas: shape.baseFeeFloorWei.toString(),
        port,
      }),
    },
  });
  const call = (method: string, params: unknown[]) => rpc(node.url, method, params);

  const counters: ChainCounters = { blocks: 0, spikes: 0, dropped: 0 };
  const droppedHashes: string[] = [];
  const schedule = new BaseFeeSchedule(rules, shape.baseFeeFloorWei);
  const decided = new Set<string>();
  let seen = Number(await call("eth_blockNumber", []));
  let stopping = false;

  /** One look at the chain: a new block gets its successor's base fee; each new pending transaction its fate. */
  const look = async () => {
    const latest = (await call("eth_getBlockByNumber", ["latest", false])) as Block;
    const number = Number(latest.number);
    if (number > seen) {
      counters.blocks += number - seen;
      seen = number;
      const fee = schedule.next(number, BigInt(latest.baseFeePerGas));
      counters.spikes = schedule.spikes;
      if (fee !== undefined) await call("hardhat_setNextBlockBaseFeePerGas", [toQuantity(fee)]);
    }
    const pending = (await call("eth_getBlockByNumber", ["pending", false])) as Block;
    for (const hash of pending.transactions) {
      if (decided.has(hash)) continue;
      decided.add(hash);
      if (isDropped(rules, hash) && (await call("hardhat_dropTransaction", [hash])) === true) {
        counters.dropped += 1;
        droppedHashes.push(hash);
      }
    }
  };
  const everyMs = Math.max(50, Math.min(250, shape.blockMs / 8));
  const shaping = (async () => {
    while (!stopping) {
      await look().catch((error: unknown) => {
        if (!stopping) console.error(`chain shaper: ${error instanceof Error ? error.message : String(error)}`);
      });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();

  return {
    url: node.url,
    shape,
    rules,
    counters,
    droppedHashes,
    async stop() {
      stopping = true;
      await shaping;
      await node.stop();
      // The node is the Hardhat CLI's child (`hardhat run` forks the script): it stops within a second of its parent.
      for (
        let i = 0;
        i < 50 &&
        (await call("eth_chainId", []).then(
          () => true,
          () => false,
        ));
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      ...NETWORK_OPTIONS,
      port: { type: "string", default: "8545" },
      "block-ms": { type: "string" },
    },
  });
  const network = testnetOption(values.network);
  const blockMs = values["block-ms"] === undefined ? undefined : Number(values["block-ms"]);
  const chain = await startChain(network, { seed: Number(values.seed), port: Number(values.port), blockMs });
  console.log(
    `${network}-shaped chain ${chain.url} (chain ${chain.shape.chainId}, a block every ${chain.shape.blockMs} ms)`,
  );
  stopOnRequest(
    () => chain.stop(),
    () => chain.counters,
  );
}

runMain(module, main);
