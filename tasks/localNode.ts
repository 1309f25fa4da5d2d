/**
 * A `hardhat node` child process on a loopback port, and Hardhat commands run as child processes: what the bench's
 * start-up figure and the tests that play an operator's commands need.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli");

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
