import type { Server } from "node:http";
import { existsSync } from "node:fs";
import path from "node:path";
import { requireSupportedNode } from "../nodeVersion";
requireSupportedNode();
import { config as loadDotenv } from "dotenv";
import { Network } from "ethers";
import { readAddressBook } from "../addressBook";
import { CONTRACT_INTERFACES } from "../contracts";
import { describeError } from "../errors";
import { ConfigError, parseConfig, type KeeperConfig } from "./config";
import { onStopRequest } from "../lifecycle";
import { redactUrl } from "../networks";
import { ResilientJsonRpcProvider } from "../rpc/provider";
import { keeperContext, keeperSigner, PROVIDER_OPTIONS } from "./context";
import { createLogger, type Logger } from "../logger";
import { KeeperMetrics, serveMetrics } from "./metrics";
import { sleep } from "../rpc/faults";
import { pendingTransactions, runOnce } from "./runOnce";

/** The project root: two levels up under ts-node (src/keeper), three once built (dist/src/keeper). */
const ROOT =
  [path.resolve(__dirname, "..", ".."), path.resolve(__dirname, "..", "..", "..")].find((dir) =>
    existsSync(path.join(dir, "package.json")),
  ) ?? process.cwd();

/**
 * The keeper process: validates its configuration, checks the endpoint's chain, then runs `runOnce` every poll
 * interval until SIGINT, SIGTERM or the end of its parent process (the transaction in flight is finished first, then
 * exit 0). Exit codes: 0 stopped cleanly (or `--once` found nothing failing), 1 bad configuration or start-up
 * failure, or a `--once` pass with a failure.
 */
async function main(argv: string[]): Promise<number> {
  let logger: Logger | undefined = undefined; // set once the configuration is read; signals may come first
  let stopping = false;
  let wake: (() => void) | undefined;
  onStopRequest((reason) => {
    stopping = true;
    logger?.info({ reason }, "stopping after the transaction in flight");
    wake?.();
  });

  // The same rules as every entry point: the environment, then .env at the project root (never overriding).
  loadDotenv({ path: path.join(ROOT, ".env"), quiet: true });
  let config: KeeperConfig;
  try {
    config = parseConfig(argv, process.env, (network) => readAddressBook(ROOT, network));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
  logger = createLogger(config.logLevel, config.logFormat);

  const chainId = await readChainId(config, logger);
  if (typeof chainId === "string") {
    process.stderr.write(`error: ${chainId}\n`);
    return 1;
  }
  const provider = new ResilientJsonRpcProvider(config.rpcUrl, Network.from(chainId), PROVIDER_OPTIONS, {
    onRetry: (method, attempt) => logger?.debug({ method, attempt }, "connection dropped, asking again"),
  });
  const factoryAddress = config.factory;
  if ((await provider.getCode(factoryAddress)) === "0x") {
    process.stderr.write(`error: no contract at the factory address ${factoryAddress} on chain ${chainId}\n`);
    provider.destroy();
    return 1;
  }
  if (config.batcher && (await provider.getCode(config.batcher)) === "0x") {
    logger.warn({ batcher: config.batcher }, "no contract at the batcher address; one transaction per token");
    config = { ...config, batcher: undefined };
  }
  const metrics = new KeeperMetrics();
  const signer = await keeperSigner(config, provider, logger);
  const context = keeperContext(config, provider, logger, { signer, metrics, stopping: () => stopping });

  let lastPassOk = 0;
  let server: Server | undefined;
  if (config.metricsPort !== undefined) {
    try {
      server = await serveMetrics(metrics, config.metricsPort, () => {
        const ageMs = Date.now() - lastPassOk;
        return {
          ok: lastPassOk > 0 && ageMs <= 3 * config.pollIntervalMs + 60_000,
          detail: {
            lastPassAgeSeconds: lastPassOk > 0 ? Math.round(ageMs / 1000) : null,
            pending: pendingTransactions(context.state),
          },
        };
      });
    } catch (error) {
      process.stderr.write(`error: cannot serve metrics on 127.0.0.1:${config.metricsPort}: ${String(error)}\n`);
      provider.destroy();
      return 1;
    }
  }

  logger.info(
    {
      rpcUrl: redactUrl(config.rpcUrl),
      rpcUrlFrom: config.rpcUrlSource,
      chainId,
      factory: factoryAddress,
      signer: context.signer ? await context.signer.getAddress() : null,
      batcher: config.batcher ?? null,
      maxBatch: config.maxBatch,
      dryRun: config.dryRun,
      pollIntervalMs: config.pollIntervalMs,
      metrics: server ? `http://127.0.0.1:${config.metricsPort}/metrics` : null,
    },
    "keeper started",
  );

  let exitCode = 0;
  for (let pass = 1; !stopping; pass++) {
    try {
      const report = await runOnce(context);
      lastPassOk = Date.now();
      metrics.ticks.inc({ result: "ok" });
      if (report.due.length > 0 || report.pending.length > 0 || report.failed.length > 0) {
        logger.info({ pass, ...report }, "pass done");
      }
      if (config.once && report.failed.length > 0) exitCode = 1;
    } catch (error) {
      metrics.ticks.inc({ result: "failed" });
      metrics.errors.inc({ kind: "tick" });
      logger.error({ pass, error: describeError(error, CONTRACT_INTERFACES) }, "pass failed; retrying next interval");
      if (config.once) exitCode = 1;
    }
    if (config.once || stopping) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, config.pollIntervalMs);
    });
    wake = undefined;
  }

  logger.info({ exitCode }, "keeper stopped");
  server?.close();
  provider.destroy();
  return exitCode;
}

/** The endpoint's chain id (retried a few times), or a one-line reason to stop. */
async function readChainId(config: KeeperConfig, logger: Logger): Promise<number | string> {
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
