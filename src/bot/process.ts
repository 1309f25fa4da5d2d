import { createServer, type Server } from "node:http";
import {
  formatUnits,
  getAddress,
  Network,
  type JsonRpcApiProviderOptions,
  type JsonRpcProvider,
  type Provider,
  type Signer,
} from "ethers";
import type { Registry } from "prom-client";
import path from "node:path";
import { config as loadDotenv } from "dotenv";
import { readAddressBook, type AddressBook } from "../addressBook";
import { CONTRACT_INTERFACES } from "../contracts";
import { describeError } from "../errors";
import { onStopRequest } from "../lifecycle";
import type { Logger } from "../logger";
import { ResilientJsonRpcProvider } from "../rpc/provider";
import { sleep } from "../rpc/faults";
import { retrying, syncNonce, type Retry, type TxContext } from "../tx";
import { PROJECT_ROOT } from "../projectRoot";
import { ConfigError } from "./settings";

/**
 * What every bot process (the keeper, the arbitrageur) does the same way around its passes: the provider (resilient
 * to dropped connections), the chain check at start, the dev-account fallback on a local chain, the metrics server, stopping on
 * SIGINT/SIGTERM after the transaction in flight, and the loop of passes with its exit code.
 */

/**
 * How a bot's JSON-RPC provider is built: the chain id is checked once at start (`staticNetwork`), and no answer
 * is reused (ethers reuses an identical request's answer for 250 ms by default; a nonce read right after a send
 * must not be).
 */
export const PROVIDER_OPTIONS: JsonRpcApiProviderOptions = { staticNetwork: true, cacheTimeout: -1 };

/** The endpoint's chain id (retried a few times), or a one-line reason to stop. */
export async function readChainId(
  config: { rpcUrl: string; expectedChainId?: number; network?: string; rpcRetries: number; rpcBackoffMs: number },
  logger: Logger,
): Promise<number | string> {
  let lastError = "";
  for (let attempt = 0; attempt <= config.rpcRetries; attempt++) {
    try {
      const response = await fetch(config.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { result?: string };
      if (!body.result) throw new Error(`no chain id in the answer (HTTP ${response.status})`);
      const chainId = Number(BigInt(body.result));
      if (config.expectedChainId !== undefined && chainId !== config.expectedChainId) {
        return `the RPC at ${config.rpcUrl} is chain ${chainId}, but the ${config.network ?? "configured"} address book is for chain ${config.expectedChainId}`;
      }
      return chainId;
    } catch (error) {
      lastError =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      logger.warn({ rpcUrl: config.rpcUrl, attempt: attempt + 1, error: lastError }, "cannot reach the RPC yet");
      if (attempt < config.rpcRetries) await sleep(Math.min(config.rpcBackoffMs * 2 ** attempt, 30_000));
    }
  }
  return `cannot reach the RPC at ${config.rpcUrl}: ${lastError}`;
}

/**
 * One of the local node's unlocked dev accounts, for a bot started with no key on the local chain: the
 * `position`-th (from 0) that is not the deployer's. The keeper takes position 0 and the arbitrageur position 1, so
 * that the two can run side by side against one node without sharing nonces. Logged, with the variable that would
 * set a key instead.
 */
export async function devSigner(
  provider: JsonRpcProvider,
  logger: Logger,
  { deployer, position, keyVariable }: { deployer?: string; position: number; keyVariable: string },
): Promise<Signer> {
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const excluded = deployer ? getAddress(deployer) : undefined;
  const account = accounts.map((a) => getAddress(a)).filter((a) => a !== excluded)[position];
  if (!account) throw new Error(`${keyVariable} is required: the local node has no unlocked account to use`);
  const which = position === 0 ? "first" : position === 1 ? "second" : `${position + 1}th`;
  logger.info(
    { signer: account, deployer: excluded ?? null },
    `no ${keyVariable}: signing with the local node's ${which} dev account that is not the deployer`,
  );
  return provider.getSigner(account);
}

/**
 * `/metrics` (Prometheus text of `registry`) and `/healthz` (200 while `health()` says ok, else 503) on 127.0.0.1
 * only.
 */
export function serveMetrics(
  registry: Registry,
  port: number,
  health: () => { ok: boolean; detail: Record<string, unknown> },
): Promise<Server> {
  const server = createServer((request, response) => {
    const url = (request.url ?? "/").split("?")[0];
    if (url === "/metrics") {
      registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
      return;
    }
    if (url === "/healthz") {
      const { ok, detail } = health();
      response.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok, ...detail }));
      return;
    }
    response.writeHead(404);
    response.end("not found\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * SIGINT, SIGTERM or the parent process gone (see `src/lifecycle.ts`): no new transaction starts, the one in flight
 * finishes, the loop ends.
 */
export interface StopSignal {
  stopping(): boolean;
  /** Waits `ms`, or less if a signal arrives. */
  sleep(ms: number): Promise<void>;
  /** Where to log the signal once a logger exists (signals may come before). */
  logTo(logger: Logger): void;
}

export function listenForStop(): StopSignal {
  let stopping = false;
  let logger: Logger | undefined;
  let wake: (() => void) | undefined;
  onStopRequest((reason) => {
    stopping = true;
    logger?.info({ reason }, "stopping after the transaction in flight");
    wake?.();
  });
  return {
    stopping: () => stopping,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => (wake = undefined)),
    logTo: (l) => (logger = l),
  };
}

/** A bot's provider for its endpoint: resilient to dropped connections and a busy endpoint (logged at debug), on the checked chain. */
export function botProvider(rpcUrl: string, chainId: number, logger: Logger): ResilientJsonRpcProvider {
  return new ResilientJsonRpcProvider(rpcUrl, Network.from(chainId), PROVIDER_OPTIONS, {
    onRetry: (method, attempt) =>
      logger.debug({ method, attempt }, "connection dropped or endpoint busy, asking again"),
  });
}

/** What the loop needs of a bot's metrics: passes by result, errors by kind. */
export interface LoopMetrics {
  ticks: { inc(labels: { result: string }): void };
  errors: { inc(labels: { kind: string }): void };
}

/**
 * Runs `pass` every `pollIntervalMs` until a stop signal (or once). A pass that throws is logged and counted, and
 * the loop goes on. Returns the exit code: 0, or 1 when `--once` met a failed pass or `pass` reported a failure.
 */
export async function runPasses(options: {
  once: boolean;
  pollIntervalMs: number;
  stop: StopSignal;
  logger: Logger;
  metrics: LoopMetrics;
  /** One pass; resolves whether anything in it failed. */
  pass: (index: number) => Promise<{ failed: boolean }>;
  /** Called after each pass that did not throw. */
  onPassOk?: () => void;
}): Promise<number> {
  const { once, stop, logger, metrics } = options;
  let exitCode = 0;
  for (let index = 1; !stop.stopping(); index++) {
    try {
      const { failed } = await options.pass(index);
      options.onPassOk?.();
      metrics.ticks.inc({ result: "ok" });
      if (once && failed) exitCode = 1;
    } catch (error) {
      metrics.ticks.inc({ result: "failed" });
      metrics.errors.inc({ kind: "tick" });
      logger.error(
        { pass: index, error: describeError(error, CONTRACT_INTERFACES) },
        "pass failed; retrying next interval",
      );
      if (once) exitCode = 1;
    }
    if (once || stop.stopping()) break;
    await stop.sleep(options.pollIntervalMs);
  }
  return exitCode;
}

/** A gauge as the balance check sets it. */
interface SettableGauge {
  set(value: number): void;
}

/**
 * Reads the signer's native balance each pass: sets the two gauges and warns when it is below `minBalance` (wei),
 * so that a bot is refilled before it cannot pay for gas.
 */
/**
 * What every pass of a bot does first: a retry for its reads, the nonce realigned with the chain when no transaction
 * of its own is pending, and the signer's balance checked (see `checkSignerBalance`). Returns the retry.
 */
export async function beginPass(
  tx: TxContext,
  bot: {
    state: { pending: { size: number } };
    config: { minBalance: bigint };
    metrics?: { signerBalance: SettableGauge; signerBalanceLow: SettableGauge };
  },
): Promise<Retry> {
  const retry = retrying(tx);
  syncNonce(tx, bot.state.pending.size);
  const { metrics } = bot;
  const gauges = metrics && { balance: metrics.signerBalance, low: metrics.signerBalanceLow };
  await checkSignerBalance(tx, bot.config.minBalance, retry, gauges);
  return retry;
}

export async function checkSignerBalance(
  context: { signer?: { getAddress(): Promise<string> }; provider: Provider; logger: Logger },
  minBalance: bigint,
  retry: Retry,
  gauges?: { balance: SettableGauge; low: SettableGauge },
): Promise<void> {
  const { signer, provider, logger } = context;
  if (!signer) return;
  const address = await signer.getAddress();
  const balance = await retry("getBalance", () => provider.getBalance(address));
  gauges?.balance.set(Number(formatUnits(balance, 18)));
  const low = balance < minBalance;
  gauges?.low.set(low ? 1 : 0);
  if (low) {
    logger.warn(
      { signer: address, balance: formatUnits(balance, 18), minimum: formatUnits(minBalance, 18) },
      "signer balance is low",
    );
  }
}

/**
 * A bot's configuration, by the rules of every entry point: the environment, then `.env` at the project root (never
 * overriding the environment), parsed by the bot's `parse` with the project's address books. A bad configuration is
 * printed as one line (`error: ...`) and its exit code returned instead.
 */
export function loadBotConfig<C extends object>(
  argv: string[],
  parse: (argv: string[], env: NodeJS.ProcessEnv, readBook: (network: string) => AddressBook) => C,
): C | number {
  loadDotenv({ path: path.join(PROJECT_ROOT, ".env"), quiet: true });
  try {
    return parse(argv, process.env, (network) => readAddressBook(PROJECT_ROOT, network));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
}
