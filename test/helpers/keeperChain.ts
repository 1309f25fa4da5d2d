import hre from "hardhat";
import { JsonRpcProvider, parseUnits, type Signer } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import { devPrivateKey } from "../../src/chain/devAccounts";
import type { PassConfig } from "../../src/bots/keeper/types";
import { parseUsdc } from "../../src/text/units";
import { BatchRebalancer__factory, connectSettableFeed, connectSystem, connectToken } from "../../src/chain/contracts";
import type { BatchRebalancer, LeveragedToken } from "../../typechain-types";
import { startBot, startNode, type KeeperProcess, type LocalNode } from "./node";
import { DEFAULT_MARKET, oneMarketSpec, type System } from "./system";

/** The private key of Hardhat's default account `index` (the well-known test mnemonic; one home: src/devAccounts). */
export const hardhatAccountKey = devPrivateKey;

/** The one-market system of the tests, with three minted tokens and the BatchRebalancer. */
export interface KeeperChain extends Omit<System, "feeRecipient"> {
  /** BTC3L, BTC3S and BTC2L, each with 1,000 USDC minted. */
  tokens: Record<"BTC3L" | "BTC3S" | "BTC2L", LeveragedToken>;
  batcher: BatchRebalancer;
}

/**
 * The keeper's pass settings in the tests against this chain: operator mode, a 100 gwei cap, 12-second blocks, no
 * send jitter, one-block turns.
 */
export const TEST_PASS_CONFIG: PassConfig = {
  dryRun: false,
  gasLimitMargin: 1.25,
  maxFeePerGas: parseUnits("100", 9),
  confirmations: 1,
  txTimeoutMs: 30_000,
  maxReplacements: 2,
  rpcRetries: 2,
  rpcBackoffMs: 50,
  minBalance: parseUnits("0.05", 18),
  maxBatch: 50,
  mode: "operator",
  minProfit: 0n,
  profitMargin: 1.2,
  blockTime: 12,
  sendJitterMs: 0,
  turnBlocks: 1,
};

/** The BTC market's settings (no fees, no funding). */
export const BTC_MARKET = DEFAULT_MARKET;

/**
 * A small system for the keeper, deployed through the Ignition module like `npm run deploy` (fees and funding 0,
 * BTC at 50,000, tokens BTC3L, BTC3S and BTC2L, the BatchRebalancer), with 1,000 USDC minted into each token by
 * `admin` (the node's first account). `nodeUrl`: deploy to that `hardhat node` instead of the in-process chain (a
 * fresh node gets the same addresses each time).
 */
export async function deployKeeperChain(admin: Signer, nodeUrl?: string): Promise<KeeperChain> {
  const spec = oneMarketSpec(await admin.getAddress(), {}, {}, [
    { market: "BTC", leverage: 3 },
    { market: "BTC", leverage: -3 },
    { market: "BTC", leverage: 2 },
  ]);
  const node = nodeUrl ? new JsonRpcProvider(nodeUrl, undefined, { staticNetwork: true }) : undefined;
  let book: AddressBook;
  try {
    book = await deploySystem(hre, spec, {
      provider: node && { request: ({ method, params }) => node.send(method, (params as unknown[]) ?? []) },
    });
  } finally {
    node?.destroy();
  }
  const system = connectSystem(book, admin);
  const usdc = system.stablecoin;
  const amount = parseUsdc("1000");
  await (await usdc.mint(await admin.getAddress(), amount * 3n)).wait();
  const tokens = {} as KeeperChain["tokens"];
  for (const symbol of ["BTC3L", "BTC3S", "BTC2L"] as const) {
    const token = connectToken(book.tokens[symbol], admin);
    await (await usdc.approve(token, amount)).wait();
    await (await token.mint(amount, 1n, await admin.getAddress())).wait();
    tokens[symbol] = token;
  }
  return {
    book,
    usdc,
    exchange: system.exchange,
    btcFeed: connectSettableFeed(book.markets.BTC.feed, admin),
    btcMarket: BigInt(book.markets.BTC.id),
    factory: system.factory,
    tokens,
    batcher: BatchRebalancer__factory.connect(book.batcher as string, admin),
  };
}

/** A `hardhat node` child on a given loopback port (so that it can be restarted at the same URL), killed by stop(). */
export type NodeProcess = LocalNode;

export function startNodeAt(port: number, timeoutMs = 90_000): Promise<NodeProcess> {
  return startNode({ port, timeoutMs, stopSignal: "SIGKILL" });
}

export { rpc } from "./node";

/**
 * Starts the keeper as its own process; `viaNpm`: as operators do, `npm run keeper -- <args>` (the child is then
 * npm, and `pid` is npm's).
 */
export function startKeeper(args: string[], env: Record<string, string>, { viaNpm = false } = {}): KeeperProcess {
  return startBot("keeper", args, env, { viaNpm });
}
