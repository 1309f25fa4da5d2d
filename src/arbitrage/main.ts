import type { Server } from "node:http";
import { requireSupportedNode } from "../nodeVersion";
requireSupportedNode();
import { formatUnits } from "ethers";
import { USDC_DECIMALS } from "../units";
import { botProvider, listenForStop, loadBotConfig, readChainId, runPasses, serveMetrics } from "../bot/process";
import { createLogger } from "../logger";
import { redactUrl } from "../networks";
import { parseConfig } from "./config";
import { arbitrageContext, arbitrageSigner, nativePriceSource } from "./context";
import { ArbitrageMetrics } from "./metrics";
import { runOnce } from "./runOnce";

/**
 * The arbitrageur process (`npm run arbitrage -- --network <name> [--once] [--dry-run]`): validates its
 * configuration, checks the endpoint's chain and the contracts, then runs `runOnce` every poll interval until
 * SIGINT, SIGTERM or the end of its parent process (the transaction in flight is finished first, then exit 0). Exit codes: 0 stopped cleanly (or
 * `--once` found nothing failing), 1 bad configuration or start-up failure, or a `--once` pass with a failure.
 */
async function main(argv: string[]): Promise<number> {
  const stop = listenForStop();
  const loaded = loadBotConfig(argv, parseConfig); // one line and an exit code on a bad configuration
  if (typeof loaded === "number") return loaded;
  const config = loaded;
  const logger = createLogger(config.logLevel, config.logFormat, undefined, "arbitrage");
  stop.logTo(logger);

  const chainId = await readChainId(config, logger);
  if (typeof chainId === "string") return fail(chainId);
  const provider = botProvider(config.rpcUrl, chainId, logger);
  for (const [what, address] of [
    ["factory", config.factory],
    ["Uniswap V2 factory", config.dexFactory],
    ["FlashArbitrage", config.arbitrage],
  ]) {
    if ((await provider.getCode(address)) === "0x") {
      provider.destroy();
      return fail(`no contract at the ${what} address ${address} on chain ${chainId}`);
    }
  }
  const price = await nativePriceSource(config, provider);
  if (typeof price === "string") {
    provider.destroy();
    return fail(price);
  }
  const metrics = new ArbitrageMetrics();
  const signer = await arbitrageSigner(config, provider, logger);
  const context = arbitrageContext(config, config, provider, logger, {
    signer,
    metrics,
    nativePrice: price.read,
    stopping: stop.stopping,
  });

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
            pending: context.state.pending.size,
          },
        };
      });
    } catch (error) {
      provider.destroy();
      return fail(`cannot serve metrics on 127.0.0.1:${config.metricsPort}: ${String(error)}`);
    }
  }

  const signerAddress = context.signer ? await context.signer.getAddress() : null;
  logger.info(
    {
      rpcUrl: redactUrl(config.rpcUrl),
      rpcUrlFrom: config.rpcUrlSource,
      chainId,
      factory: config.factory,
      dexFactory: config.dexFactory,
      arbitrage: config.arbitrage,
      signer: signerAddress,
      receiver: config.receiver ?? signerAddress,
      minProfit: formatUnits(config.minProfit, USDC_DECIMALS),
      nativePrice: `${formatUnits(await price.read(), USDC_DECIMALS)} (${price.source})`,
      dryRun: config.dryRun,
      pollIntervalMs: config.pollIntervalMs,
      metrics: server ? `http://127.0.0.1:${config.metricsPort}/metrics` : null,
    },
    "arbitrageur started",
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
      if (report.opportunities.length > 0 || report.pending.length > 0 || report.failed.length > 0) {
        logger.info(
          {
            pass,
            ...report,
            profit: formatUnits(report.profit, USDC_DECIMALS),
            gasCost: formatUnits(report.gasCost, USDC_DECIMALS),
          },
          "pass done",
        );
      }
      return { failed: report.failed.length > 0 };
    },
  });

  logger.info({ exitCode }, "arbitrageur stopped");
  server?.close();
  provider.destroy();
  return exitCode;
}

function fail(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
