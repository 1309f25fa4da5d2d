import { formatUnits, type Provider } from "ethers";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError } from "../../chain/reverts";
import type { Logger } from "../../node/logger";
import type { StopSignal } from "../../node/lifecycle";
import { retrying, syncNonce, type Retry, type TxContext } from "../../tx/context";

/**
 * The loop of passes every bot process (the keeper, the arbitrageur) runs, with its exit code, and what each pass
 * does first. The rest of a bot's start and stop is beside it in `src/bots/kit/`: the provider and the chain check
 * (`provider.ts`), the dev-account fallback on a local chain (`signer.ts`), the metrics server (`metricsServer.ts`),
 * the configuration (`loadConfig.ts`, `settings.ts`) and stopping on SIGINT/SIGTERM (`src/node/lifecycle.ts`).
 */

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
