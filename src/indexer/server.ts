import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { DEFAULT_INDEXER_PORT } from "./constants";
import { deploymentBlock, indexerSettings, type IndexerSettings } from "./settings";

/*
 * Starts the indexer (Ponder, in indexer/) for one network as a child process: writes its settings, runs
 * `ponder start` on a loopback port, and reports its URL once its API answers. The database is PGlite in
 * `dataDir` (out/indexer/<network>/ by default) unless `databaseUrl` (DATABASE_URL) names a Postgres.
 */

export interface IndexerOptions {
  root: string;
  book: AddressBook;
  rpcUrl: string;
  port?: number;
  dataDir: string;
  /** Postgres instead of PGlite. */
  databaseUrl?: string;
  /** The database schema the tables go in; default lt_<network>_<hash of the chain, settings and code>. */
  schema?: string;
  /** Start from an empty database (PGlite: its directory is removed first). */
  fresh?: boolean;
  /** Blocks between two refreshes of every NAV; default 1,000. */
  refreshInterval?: number;
  /** Called with Ponder's process as soon as it is spawned (so that a caller can stop it before it answers). */
  onSpawn?: (child: ChildProcess) => void;
  /** Where Ponder's output goes (a file descriptor or "inherit"); default "inherit". */
  output?: "inherit" | "ignore" | number;
}

export interface RunningIndexer {
  url: string;
  child: ChildProcess;
  startBlock: number;
  schema: string;
  stop(): Promise<void>;
}

/** Every file of the indexer's code: a change to any of them is a new build that indexes from the start. */
function indexerSources(root: string): string[] {
  const dir = path.join(root, "indexer");
  const files = ["ponder.config.ts", "ponder.schema.ts", "abis.ts", "settings.ts"].map((f) => path.join(dir, f));
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".ts") ? [path.join(d, e.name)] : [],
    );
  return [...files, ...walk(path.join(dir, "src")).sort(), path.join(root, "src", "indexer", "ledger.ts")];
}

/**
 * The database schema of one chain and one build: lt_<network>_<hash of the start block's hash, the settings and the
 * indexer's code>. Ponder resumes a schema only with the build that wrote it, so a restart of the same build resumes
 * where it stopped, and a new build (or a new chain at the same addresses, as a fresh local node gives) starts a
 * schema of its own from the start block.
 */
function defaultSchema(root: string, network: string, startHash: string, settings: IndexerSettings): string {
  const { rpcUrl: _url, pgliteDirectory: _dir, ...chosen } = settings;
  const hash = createHash("sha256").update(startHash).update(JSON.stringify(chosen));
  for (const file of indexerSources(root)) hash.update(readFileSync(file));
  return `lt_${network.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_${hash.digest("hex").slice(0, 10)}`;
}

/** The processes `pid` started (Ponder's esbuild service), from `ps`; none where `ps` cannot tell. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** Whether process `pid` still exists (a signal 0 reaches it). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops Ponder: SIGTERM (it shuts down in about 2 s), SIGKILL after 5 s, then whatever it started and left (its
 * esbuild service) by PID; resolves when all of them are gone (at most 3 s after the kill), so that whoever stops
 * the indexer leaves no process behind.
 */
export function stopPonder(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const started = childrenOf(child.pid);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      for (const pid of started) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      const until = Date.now() + 3_000;
      const poll = setInterval(() => {
        if (started.some(exists) && Date.now() < until) return;
        clearInterval(poll);
        resolve();
      }, 50);
    });
    child.kill("SIGTERM");
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const port = options.port ?? DEFAULT_INDEXER_PORT;
  const provider = new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: true });
  let startBlock: number;
  let startHash = "";
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    if (chainId !== options.book.chainId) {
      throw new Error(
        `the RPC endpoint is chain ${chainId} but the address book of ${options.book.network} is chain ${options.book.chainId}`,
      );
    }
    startBlock = await deploymentBlock(provider, options.book.exchange);
    startHash = (await provider.getBlock(startBlock))?.hash ?? "";
  } finally {
    provider.destroy();
  }
  const pglite = path.join(options.dataDir, "pglite");
  if (options.fresh && !options.databaseUrl) rmSync(pglite, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const settingsFile = path.join(options.dataDir, "settings.json");
  const settings = indexerSettings(options.book, options.rpcUrl, startBlock, pglite, options.refreshInterval ?? 1_000);
  writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LT_INDEXER_SETTINGS: settingsFile,
    PONDER_TELEMETRY_DISABLED: "true",
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const schema = options.schema ?? defaultSchema(options.root, options.book.network, startHash, settings);
  const bin = path.join(options.root, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
  const args = [bin, "--root", path.join(options.root, "indexer"), "--log-level", "warn", "start"];
  args.push("--port", String(port), "--hostname", "127.0.0.1", "--schema", schema);
  const output = options.output ?? "inherit";
  const child = spawn(process.execPath, args, {
    cwd: path.join(options.root, "indexer"),
    env,
    stdio: ["ignore", output, output],
  });
  options.onSpawn?.(child);
  const url = `http://127.0.0.1:${port}`;
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? 1));

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopPonder(child));
  // Ponder's /health answers once its server is up; /ready once the history is indexed.
  for (;;) {
    if (exited !== null) throw new Error(`the indexer exited with code ${exited} before it answered at ${url}`);
    if (await answers(`${url}/health`)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, startBlock, schema, stop };
}

/** Waits until the indexer has indexed up to the chain's head (Ponder's /ready), at most `timeoutMs`. */
export async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await answers(`${url}/ready`)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the indexer at ${url} did not catch up with the chain within ${timeoutMs / 1000} s`);
}

/** Waits until the indexer has indexed `block` (Ponder's /status), at most `timeoutMs`. */
export async function waitForBlock(url: string, block: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        const status = (await response.json()) as Record<string, { block?: { number: number } | null }>;
        const indexed = Object.values(status)[0]?.block?.number ?? -1;
        if (indexed >= block) return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the indexer at ${url} did not reach block ${block} within ${timeoutMs / 1000} s`);
}
