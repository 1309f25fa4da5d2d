import { mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { PROJECT_ROOT } from "../../src/node/projectRoot";
import { readPortfolio } from "../../src/indexer/client";
import { startIndexer, waitForBlock, type RunningIndexer } from "../../src/indexer/server";
import { deployDexSystem, type DexSystem, type DexSystemOptions } from "../helpers/dexSystem";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { freePort, startNode, type LocalNode } from "../helpers/node";

/** A `hardhat node` child with the DEX system deployed on it, and the indexer (a Ponder child) indexing it. */
export interface IndexedChain {
  node: LocalNode;
  provider: JsonRpcProvider;
  s: DexSystem;
  indexer: RunningIndexer;
  dataDir: string;
  /** Waits until the indexer has indexed the chain's latest block. */
  synced(): Promise<void>;
  portfolio(account: string): ReturnType<typeof readPortfolio>;
  stop(): Promise<void>;
}

export async function startIndexedChain(
  options: DexSystemOptions = {},
  database: { databaseUrl?: string; schema?: string } = {},
): Promise<IndexedChain> {
  const node = await startNode();
  const provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true, pollingInterval: 100 });
  const admin = new NonceManager(new Wallet(hardhatAccountKey(0), provider));
  const s = await deployDexSystem(options, { url: node.url, admin });
  const dataDir = mkdtempSync(path.join(tmpdir(), "lt-indexer-"));
  const log = openSync(path.join(dataDir, "ponder.log"), "a");
  const indexer = await startIndexer({
    root: PROJECT_ROOT,
    book: { ...s.book, network: "localhost" },
    rpcUrl: node.url,
    port: await freePort(),
    dataDir,
    output: log,
    ...database,
  });
  const chain: IndexedChain = {
    node,
    provider,
    s,
    indexer,
    dataDir,
    // `chain.indexer`, not `indexer`: a test may replace it with a restarted one.
    synced: async () => waitForBlock(chain.indexer.url, await provider.getBlockNumber()),
    portfolio: (account) => readPortfolio(chain.indexer.url, account),
    stop: async () => {
      await chain.indexer.stop();
      provider.destroy();
      await node.stop();
    },
  };
  return chain;
}

/**
 * Runs `check` until it passes, at most `timeoutMs`: the indexer reports a block as indexed (its /status) a moment
 * before a read may see all of that block's rows, so a check of its data waits for them rather than fails.
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
