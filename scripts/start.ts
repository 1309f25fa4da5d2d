/**
 * `npm start`: the whole system live on this machine. Compiles, starts a Hardhat node on loopback, deploys with
 * `npm run deploy` (tasks/deploy.ts, the Ignition module), builds and serves the app, and runs the services side by side: the
 * market (moves the price feeds a day at a time), the keeper and the arbitrageur, each signing with its own dev
 * account. Prints the app's URL and one line per service; logs go to out/start/. Ctrl-C (SIGINT) or SIGTERM stops
 * everything and exits 0; a port in use, a failed step or a service that dies prints one line and exits 1, leaving
 * no process behind.
 *
 *   npm start [-- --port 5173] [--rpc-port 8545] [--indexer-port 42069] [--speed 3] [--from 2021-01-01] [--random-walk] [--seed 1]
 *             [--no-market]
 */
import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import { createServer } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { JsonRpcProvider } from "ethers";
import { readAddressBook } from "../src/node/addressBookFile";
import { UserError } from "../src/text/userError";
import { parseDate } from "../src/backtest/candles";
import { FIRST_USER_ACCOUNT } from "../src/chain/devAccounts";
import { SEED_USDC, seedEmptyTokens } from "../src/start/seed";
import { lastErrorLine, Supervisor, type RunningChild } from "../src/start/supervisor";
import { indexerUrl, SERVICES, type StartContext, type StartOptions } from "../src/start/services";
import { buildApp, serveApp } from "../app/server/serve";

const ROOT = path.resolve(__dirname, "..");
/** The services' logs (LT_START_LOG_DIR: elsewhere, as the tests do). */
const LOG_DIR = process.env.LT_START_LOG_DIR ?? path.join(ROOT, "out", "start");
/** A path as the user sees it: relative to the project when inside it. */
const shown = (file: string) => (file.startsWith(ROOT) ? path.relative(ROOT, file) : file);
const HARDHAT = require.resolve("hardhat/internal/cli/cli");

export function parseStartOptions(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string", default: "5173" },
      "rpc-port": { type: "string", default: "8545" },
      "indexer-port": { type: "string", default: "42069" },
      speed: { type: "string", default: "3" },
      from: { type: "string", default: "2021-01-01" },
      "random-walk": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      "no-market": { type: "boolean", default: false },
    },
  });
  const port = (text: string, flag: string) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > 65_535) throw new UserError(`${flag} must be a port from 1 to 65535`);
    return n;
  };
  const speed = Number(values.speed);
  if (!/^\d+(\.\d+)?$/.test(values.speed) || speed < 0.2 || speed > 3600) {
    throw new UserError(`--speed is the seconds per market day, from 0.2 to 3600, not "${values.speed}"`);
  }
  if (!/^\d+$/.test(values.seed)) throw new UserError(`--seed must be a whole number, not "${values.seed}"`);
  return {
    port: port(values.port, "--port"),
    rpcPort: port(values["rpc-port"], "--rpc-port"),
    indexerPort: port(values["indexer-port"], "--indexer-port"),
    speedSeconds: speed,
    from: parseDate(values.from, "--from"),
    randomWalk: values["random-walk"],
    seed: Number(values.seed),
    market: !values["no-market"],
  };
}

/** Midnight UTC of the day before `date` (YYYY-MM-DD), as an ISO time. */
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString();
}

/** Throws a UserError naming the flag when something already listens on 127.0.0.1:`port`. */
function assertPortFree(port: number, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", () =>
      reject(new UserError(`port ${port} is in use on 127.0.0.1: stop what listens there or choose ${flag} <port>`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

async function waitForNode(url: string, node: RunningChild, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.process.exitCode !== null) throw new UserError(`the node stopped: ${lastErrorLine(node.logFile)}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new UserError(`the node did not answer on ${url} within ${timeoutMs / 1000} s (log: ${shown(node.logFile)})`);
}

async function main(argv: string[]): Promise<number> {
  const options = parseStartOptions(argv);
  await assertPortFree(options.rpcPort, "--rpc-port");
  await assertPortFree(options.port, "--port");
  await assertPortFree(options.indexerPort, "--indexer-port");

  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const supervisor = new Supervisor(ROOT, LOG_DIR, (child, how) => {
    const last = lastErrorLine(child.logFile);
    console.error(
      `error: the ${child.name} stopped unexpectedly (${how})${last ? `: ${last}` : ""} (log: ${shown(child.logFile)})`,
    );
    finish(1);
  });
  const onSignal = () => {
    supervisor.beginStop();
    finish(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Run by a shell that died (npm killed hard): stop rather than leave the services running without anyone to stop
  // them.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => process.ppid !== parent && onSignal(), 1_000);
  orphanWatch.unref();

  let app: Awaited<ReturnType<typeof serveApp>> | undefined;
  const run = async (): Promise<void> => {
    const step = async (name: string, args: string[], env: Record<string, string> = {}) => {
      const { code, child } = await supervisor.run({ name, args, env });
      if (code !== 0)
        throw new UserError(`${name} failed: ${lastErrorLine(child.logFile)} (log: out/start/${name}.log)`);
    };
    console.log("compiling the contracts (about a minute the first time)...");
    await step("compile", [HARDHAT, "compile", "--quiet"]);
    const rpcUrl = `http://127.0.0.1:${options.rpcPort}`;
    const node = supervisor.start({
      name: "node",
      args: [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(options.rpcPort)],
      // A replay's chain starts the day before its first day, so that the app's dates are the history's.
      env: options.market && !options.randomWalk ? { LT_CHAIN_START: dayBefore(options.from) } : {},
    });
    await waitForNode(rpcUrl, node);
    console.log("deploying the system to the local node...");
    const env = { LOCALHOST_RPC_URL: rpcUrl };
    await Promise.all([
      step("deploy", [HARDHAT, "deploy", "--network", "localhost", "--skip-estimate"], env),
      buildApp({ localRpcUrl: rpcUrl }),
    ]);
    const book = readAddressBook(ROOT, "localhost");
    const provider = new JsonRpcProvider(rpcUrl, book.chainId, { staticNetwork: true });
    const deployer = await provider.getSigner(book.deployer);
    const seeded = await seedEmptyTokens(book, deployer);
    provider.destroy();
    if (seeded.length > 0) console.log(`minted ${SEED_USDC} USDC of ${seeded.join(", ")} so that every NAV moves`);
    app = await serveApp({ port: options.port, localRpcUrl: rpcUrl, indexerUrl: indexerUrl(options) });
    const context: StartContext = { root: ROOT, logDir: shown(LOG_DIR), rpcUrl, book, options };
    const services = SERVICES.filter((s) => s.enabled?.(options) ?? true);
    console.log(`\nleveraged tokens are live: open ${app.url}`);
    console.log(`  ${"node".padEnd(11)} ${rpcUrl} (chain ${book.chainId}), ${Object.keys(book.tokens).length} tokens`);
    for (const service of services) {
      supervisor.start({
        name: service.name,
        args: service.args(context),
        env: service.env?.(context),
        echo: service.echo,
      });
      console.log(`  ${service.name.padEnd(11)} ${service.describe(context)}`);
    }
    console.log(
      `  ${"app".padEnd(11)} ${app.url} (Connect wallet offers your browser wallet and dev accounts ${FIRST_USER_ACCOUNT}+)`,
    );
    console.log(`logs in ${shown(LOG_DIR)}/; Ctrl-C stops everything\n`);
  };

  let code: number;
  try {
    await Promise.race([run(), finished.then(() => undefined)]);
    code = await finished;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  }
  await supervisor.stopAll();
  await app?.close();
  if (code === 0) console.log("stopped");
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
