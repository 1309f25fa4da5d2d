import { spawn } from "node:child_process";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcProvider, type Signer } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/addressBook";
import { devPrivateKey } from "../../src/devAccounts";
import { parseUsdc } from "../../src/units";
import { BatchRebalancer__factory, connectSettableFeed, connectSystem, connectToken } from "../../src/contracts";
import type { BatchRebalancer, LeveragedToken } from "../../typechain-types";
import { startNode, stopChild, type LocalNode } from "./node";
import { DEFAULT_MARKET, oneMarketSpec, type System } from "./system";

const ROOT = path.resolve(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** The private key of Hardhat's default account `index` (the well-known test mnemonic; one home: src/devAccounts). */
export const hardhatAccountKey = devPrivateKey;

/** The one-market system of the tests, with three minted tokens and the BatchRebalancer. */
export interface KeeperChain extends Omit<System, "feeRecipient"> {
  /** BTC3L, BTC3S and BTC2L, each with 1,000 USDC minted. */
  tokens: Record<"BTC3L" | "BTC3S" | "BTC2L", LeveragedToken>;
  batcher: BatchRebalancer;
}

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

/** Sends a JSON-RPC request to a node and returns its result. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** The keeper run as its own process (`ts-node --transpile-only src/keeper/main.ts`), its JSON logs collected. */
export interface KeeperProcess {
  logs: LogLine[];
  /** The process started: the keeper, or npm. */
  pid: number;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number... as null code: -1). */
  exited: Promise<number>;
  /** Waits until a log line satisfies `match` (bounded), and returns it. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts the keeper as its own process; `viaNpm`: as operators do, `npm run keeper -- <args>` (the child is then
 * npm, and `pid` is npm's).
 */
export function startKeeper(args: string[], env: Record<string, string>, { viaNpm = false } = {}): KeeperProcess {
  return startBot("keeper", args, env, { viaNpm });
}

/**
 * Starts a bot (`keeper` or `arbitrage`: `src/<bot>/main.ts`) as its own process, its JSON logs collected; `viaNpm`:
 * `npm run <bot> -- <args>`.
 */
export function startBot(
  bot: "keeper" | "arbitrage",
  args: string[],
  env: Record<string, string>,
  { viaNpm = false } = {},
): KeeperProcess {
  const [command, argv] = viaNpm
    ? ["npm", ["run", "--silent", bot, "--", ...args]]
    : [process.execPath, [TS_NODE, "--transpile-only", `src/${bot}/main.ts`, ...args]];
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env } });
  const logs: LogLine[] = [];
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (data: Buffer) => {
    const text = partial + data.toString();
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  return {
    logs,
    pid: child.pid as number,
    stderr: () => stderr,
    exited,
    async waitForLog(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = logs.find(match);
        if (found) return found;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const found = logs.find(match);
      if (found) return found;
      throw new Error(
        `${bot} log not seen (exit ${child.exitCode}); last lines:\n${logs
          .slice(-15)
          .map((l) => JSON.stringify(l))
          .join("\n")}\nstderr: ${stderr.slice(-2000)}`,
      );
    },
    async kill(signal = "SIGKILL") {
      await stopChild(child, signal);
      return exited;
    },
  };
}
