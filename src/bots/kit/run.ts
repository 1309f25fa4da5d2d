import type { Server } from "node:http";
import type { Registry } from "prom-client";
import { createLogger, type Logger } from "../../node/logger";
import { redactUrl } from "../../chain/networks";
import type { ResilientJsonRpcProvider } from "../../rpc/provider";
import { listenForStop, type StopSignal } from "../../node/lifecycle";
import { loadBotConfig } from "./loadConfig";
import { serveMetrics } from "./metricsServer";
import { runPasses, type LoopMetrics } from "./passes";
import { botProvider, readChainId } from "./provider";

/**
 * A bot process (the keeper, the arbitrageur) from start to stop, made of the parts beside it in `src/bots/kit/`: the start-up
 * checks (`startBot`), then the metrics server with its health check, the start line, the loop of passes and the stop
 * line (`runBot`).
 */

/** A start-up failure: one line on stderr (`error: ...`) and exit code 1. */
export function fail(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 1;
}

/** What every bot's configuration has that the start-up and the loop read. */
export interface BotConfig {
  logLevel: string;
  logFormat: "json" | "pretty";
  rpcUrl: string;
  rpcUrlSource: string;
  expectedChainId?: number;
  network?: string;
  rpcRetries: number;
  rpcBackoffMs: number;
  dryRun: boolean;
  once: boolean;
  pollIntervalMs: number;
  metricsPort?: number;
}

/** A bot process past its start-up checks. */
export interface BotStart<C extends BotConfig> {
  config: C;
  stop: StopSignal;
  logger: Logger;
  chainId: number;
  provider: ResilientJsonRpcProvider;
}

/**
 * A bot process's start-up: listens for stop signals (they may come before the configuration is read), loads the
 * configuration (`loadBotConfig`), makes the logger (named `loggerName` when given), checks the endpoint's chain and
 * that each of `contracts(config)` (what, address) has code there. Returns the bot, or the exit code after one line
 * on stderr.
 */
export async function startBot<C extends BotConfig>(
  argv: string[],
  parse: Parameters<typeof loadBotConfig<C>>[1],
  options: { loggerName?: string; contracts: (config: C) => [what: string, address: string][] },
): Promise<BotStart<C> | number> {
  const stop = listenForStop();
  const config = loadBotConfig(argv, parse); // one line and an exit code on a bad configuration
  if (typeof config === "number") return config;
  const logger = createLogger(config.logLevel, config.logFormat, undefined, options.loggerName);
  stop.logTo(logger);

  const chainId = await readChainId(config, logger);
  if (typeof chainId === "string") return fail(chainId);
  const provider = botProvider(config.rpcUrl, chainId, logger);
  for (const [what, address] of options.contracts(config)) {
    if ((await provider.getCode(address)) === "0x") {
      provider.destroy();
      return fail(`no contract at the ${what} address ${address} on chain ${chainId}`);
    }
  }
  return { config, stop, logger, chainId, provider };
}

/** What a started bot does: its metrics, its passes, and what its start line says of it. */
export interface BotRun {
  /** How the start and stop lines name it ("keeper started"). */
  name: string;
  metrics: LoopMetrics & { registry: Registry };
  /** Its transactions sent and not yet mined, for `/healthz`. */
  pending: () => number;
  /** What its start line says of it, after the endpoint and the chain. */
  started: Record<string, unknown>;
  /** One pass; resolves whether anything in it failed. */
  pass: (index: number) => Promise<{ failed: boolean }>;
}

/**
 * Serves the metrics (when a port is set; `/healthz` is ok while the last good pass is at most three poll intervals and
 * a minute old), logs the start, runs the passes until a stop signal (or once), logs the stop and closes the server
 * and the provider. Returns the exit code (1 when the metrics port cannot be served).
 */
export async function runBot(bot: BotStart<BotConfig>, run: BotRun): Promise<number> {
  const { config, logger, provider } = bot;
  const { metrics } = run;
  let lastPassOk = 0;
  let server: Server | undefined;
  if (config.metricsPort !== undefined) {
    try {
      server = await serveMetrics(metrics.registry, config.metricsPort, () => {
        const ageMs = Date.now() - lastPassOk;
        return {
          ok: lastPassOk > 0 && ageMs <= 3 * config.pollIntervalMs + 60_000,
          detail: { lastPassAgeSeconds: lastPassOk > 0 ? Math.round(ageMs / 1000) : null, pending: run.pending() },
        };
      });
    } catch (error) {
      provider.destroy();
      return fail(`cannot serve metrics on 127.0.0.1:${config.metricsPort}: ${String(error)}`);
    }
  }

  logger.info(
    {
      rpcUrl: redactUrl(config.rpcUrl),
      rpcUrlFrom: config.rpcUrlSource,
      chainId: bot.chainId,
      ...run.started,
      dryRun: config.dryRun,
      pollIntervalMs: config.pollIntervalMs,
      metrics: server ? `http://127.0.0.1:${config.metricsPort}/metrics` : null,
    },
    `${run.name} started`,
  );

  const exitCode = await runPasses({
    once: config.once,
    pollIntervalMs: config.pollIntervalMs,
    stop: bot.stop,
    logger,
    metrics,
    onPassOk: () => (lastPassOk = Date.now()),
    pass: run.pass,
  });

  logger.info({ exitCode }, `${run.name} stopped`);
  server?.close();
  provider.destroy();
  return exitCode;
}

/** Runs a bot's `main` on the process's arguments and exits with its code; an error it throws is one line, exit 1. */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
