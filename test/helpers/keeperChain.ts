import { spawn } from "node:child_process";
import path from "node:path";
import { HDNodeWallet, parseUnits, type Signer } from "ethers";
import {
  BatchRebalancer__factory,
  LeveragedToken__factory,
  LeveragedTokenDeployer__factory,
  LeveragedTokenFactory__factory,
  MockStablecoin__factory,
  PerpExchange__factory,
  SettablePriceFeed__factory,
  type BatchRebalancer,
  type LeveragedToken,
  type LeveragedTokenFactory,
  type MockStablecoin,
  type PerpExchange,
  type SettablePriceFeed,
} from "../../typechain-types";
import { startNode, stopChild, type LocalNode } from "./node";

const ROOT = path.resolve(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** The private key of Hardhat's default account `index` (the well-known test mnemonic). */
export function hardhatAccountKey(index: number): string {
  return HDNodeWallet.fromPhrase(
    "test test test test test test test test test test test junk",
    "",
    `m/44'/60'/0'/0/${index}`,
  ).privateKey;
}

export interface KeeperChain {
  usdc: MockStablecoin;
  exchange: PerpExchange;
  btcFeed: SettablePriceFeed;
  factory: LeveragedTokenFactory;
  /** BTC3L, BTC3S and BTC2L, each with 1,000 USDC minted. */
  tokens: Record<"BTC3L" | "BTC3S" | "BTC2L", LeveragedToken>;
  batcher: BatchRebalancer;
}

export const BTC_MARKET = {
  maxPriceAge: 3600,
  takerFeeBps: 0,
  initialMarginBps: 500,
  maintenanceMarginBps: 250,
  liquidationPenaltyBps: 100,
  fundingRatePerYear: 0n,
};

/**
 * A small system for the keeper, deployed with plain ethers by `admin` (so it works on the in-process chain and on
 * a `hardhat node` alike, and a fresh node gets the same addresses): BTC at 50,000, three minted tokens and a
 * BatchRebalancer.
 */
export async function deployKeeperChain(admin: Signer): Promise<KeeperChain> {
  const adminAddress = await admin.getAddress();
  const usdc = await new MockStablecoin__factory(admin).deploy(
    "Mock USD Coin",
    "USDC",
    adminAddress,
    10n ** 10n,
    10n ** 11n,
  );
  const exchange = await new PerpExchange__factory(admin).deploy(usdc, adminAddress);
  const btcFeed = await new SettablePriceFeed__factory(admin).deploy(
    8,
    "BTC / USD",
    adminAddress,
    parseUnits("50000", 8),
  );
  await (await exchange.createMarket("BTC", { feed: btcFeed, ...BTC_MARKET })).wait();
  const fund = parseUnits("1000000", 6);
  await (await usdc.mint(adminAddress, fund + parseUnits("3000", 6))).wait();
  await (await usdc.approve(exchange, fund)).wait();
  await (await exchange.depositToFund(fund)).wait();
  const deployer = await new LeveragedTokenDeployer__factory(admin).deploy();
  const factory = await new LeveragedTokenFactory__factory(admin).deploy(exchange, deployer, adminAddress, {
    fees: { mintFeeBps: 0, redeemFeeBps: 0, managementFeePerYear: 0, recipient: adminAddress },
    rebalanceSettings: { interval: 86_400, band: 10n ** 18n / 3n },
    initialNav: parseUnits("100", 6),
    equityCap: 2n ** 256n - 1n,
    tokenAdmin: adminAddress,
  });
  const tokens = {} as KeeperChain["tokens"];
  for (const [symbol, leverage] of [
    ["BTC3L", 3n],
    ["BTC3S", -3n],
    ["BTC2L", 2n],
  ] as const) {
    await (await factory.createToken(0, leverage * 10n ** 18n)).wait();
    const token = LeveragedToken__factory.connect(await factory.tokenBySymbol(symbol), admin);
    await (await usdc.approve(token, parseUnits("1000", 6))).wait();
    await (await token.mint(parseUnits("1000", 6), 1n, adminAddress)).wait();
    tokens[symbol] = token;
  }
  const batcher = await new BatchRebalancer__factory(admin).deploy();
  return { usdc, exchange, btcFeed, factory, tokens, batcher };
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
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number... as null code: -1). */
  exited: Promise<number>;
  /** Waits until a log line satisfies `match` (bounded), and returns it. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): Promise<number>;
}

export function startKeeper(args: string[], env: Record<string, string>): KeeperProcess {
  const child = spawn(process.execPath, [TS_NODE, "--transpile-only", "src/keeper/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
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
        `keeper log not seen (exit ${child.exitCode}); last lines:\n${logs
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
