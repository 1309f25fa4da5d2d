/**
 * A `hardhat node` child process on a loopback port, Hardhat commands and the bots run as child processes: what the bench's
 * start-up figure and the tests that play an operator's commands need.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A `hardhat node` child process on a loopback port, stopped by `stop()`. */
export interface LocalNode {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface NodeOptions {
  /** A fixed port, so that a node can be restarted at the same URL; a free one when omitted. */
  port?: number;
  /** How long to wait for the node to answer. */
  timeoutMs?: number;
  /** How `stop()` ends it (SIGKILL to play a crash). */
  stopSignal?: NodeJS.Signals;
  /** Hardhat's arguments instead of `node --hostname 127.0.0.1 --port <port>` (a script that starts the node itself,
   * on `port`, which must then be given). */
  args?: string[];
  /** Extra environment variables of the child. */
  env?: Record<string, string>;
}

export async function startNode(options: NodeOptions = {}): Promise<LocalNode> {
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 90_000;
  const url = `http://127.0.0.1:${port}`;
  const args = options.args ?? ["node", "--hostname", "127.0.0.1", "--port", String(port)];
  const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: "ignore",
  });
  const stopIt = () => stopChild(child, options.stopSignal ?? "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) return { url, port, stop: stopIt };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopIt();
  throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms`);
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

/** Signals a child process and resolves once it has exited (at once if it already has). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hardhat <args>` as a child process in the project, with extra environment variables. */
export function runHardhat(args: string[], env: Record<string, string>, timeoutMs = 300_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} ran past ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** The keeper run as its own process (`ts-node --transpile-only scripts/keeper.ts`), its JSON logs collected. */
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
 * Starts a bot (`keeper` or `arbitrage`: `scripts/<bot>.ts`) as its own process, its JSON logs collected; `viaNpm`:
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
    : [process.execPath, [TS_NODE, "--transpile-only", `scripts/${bot}.ts`, ...args]];
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
