import type { Server } from "node:http";
import { requireSupportedNode } from "../nodeVersion";
requireSupportedNode();
import { botProvider, listenForStop, loadBotConfig, readChainId, runPasses, serveMetrics } from "../bot/process";
import { createLogger } from "../logger";
import { redactUrl } from "../networks";
import { parseConfig } from "./config";
import { keeperContext, keeperSigner } from "./context";
import { KeeperMetrics } from "./metrics";
import { pendingTransactions, runOnce } from "./runOnce";

/**
 * The keeper process: validates its configuration, checks the endpoint's chain, then runs `runOnce` every poll
 * interval until SIGINT, SIGTERM or the end of its parent process (the transaction in flight is finished first, then
 * exit 0). Exit codes: 0 stopped cleanly (or `--once` found nothing failing), 1 bad configuration or start-up
 * failure, or a `--once` pass with a failure.
 */
async function main(argv: string[]): Promise<number> {
  const stop = listenForStop(); // signals may come before the configuration is read

  const loaded = loadBotConfig(argv, parseConfig); // one line and an exit code on a bad configuration
  if (typeof loaded === "number") return loaded;
  let config = loaded;
  const logger = createLogger(config.logLevel, config.logFormat);
  stop.logTo(logger);

  const chainId = await readChainId(config, logger);
  if (typeof chainId === "string") {
    process.stderr.write(`error: ${chainId}\n`);
    return 1;
  }
  const provider = botProvider(config.rpcUrl, chainId, logger);
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
  if (config.lens && (await provider.getCode(config.lens)) === "0x") {
    logger.warn({ lens: config.lens }, "no contract at the lens address; statuses from the factory");
    config = { ...config, lens: undefined };
  }
  const metrics = new KeeperMetrics();
  const signer = await keeperSigner(config, provider, logger);
  const context = keeperContext(config, provider, logger, { signer, metrics, stopping: stop.stopping });

  let lastPassOk = 0;
  let server: Server | undefined;
  if (config.metricsPort !== undefined) {
    try {
      server = await serveMetrics(metrics.registry, config.metricsPort, () => {
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
      lens: config.lens ?? null,
      maxBatch: config.maxBatch,
      dryRun: config.dryRun,
      pollIntervalMs: config.pollIntervalMs,
      metrics: server ? `http://127.0.0.1:${config.metricsPort}/metrics` : null,
    },
    "keeper started",
  );

  const exitCode = await runPasses({
    once: config.once,
    pollIntervalMs: config.pollIntervalMs,
    stop,
    logger,
    metrics,
    onPassOk: () => (lastPassOk = Date.now()),
    pass: async (pass) => {
      const report = await runOnce(context);
      if (report.due.length > 0 || report.pending.length > 0 || report.failed.length > 0) {
        logger.info({ pass, ...report }, "pass done");
      }
      return { failed: report.failed.length > 0 };
    },
  });

  logger.info({ exitCode }, "keeper stopped");
  server?.close();
  provider.destroy();
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
