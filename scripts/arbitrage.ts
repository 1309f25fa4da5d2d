import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import { formatUnits } from "ethers";
import { USDC_DECIMALS } from "../src/text/units";
import { fail, runBot, runMain, startBot } from "../src/bots/kit/run";
import { parseConfig } from "../src/bots/arbitrage/config";
import { botSigner } from "../src/bots/kit/signer";
import { ARBITRAGE_DEV_ACCOUNT, arbitrageContext, nativePriceSource } from "../src/bots/arbitrage/context";
import { ArbitrageMetrics } from "../src/bots/arbitrage/metrics";
import { runOnce } from "../src/bots/arbitrage/runOnce";

/**
 * The arbitrageur process (`npm run arbitrage -- --network <name> [--once] [--dry-run]`): validates its
 * configuration, checks the endpoint's chain and the contracts, then runs `runOnce` every poll interval until
 * SIGINT, SIGTERM or the end of its parent process (the transaction in flight is finished first, then exit 0). Exit codes: 0 stopped cleanly (or
 * `--once` found nothing failing), 1 bad configuration or start-up failure, or a `--once` pass with a failure.
 */
async function main(argv: string[]): Promise<number> {
  const bot = await startBot(argv, parseConfig, {
    loggerName: "arbitrage",
    contracts: (config) => [
      ["factory", config.factory],
      ["Uniswap V2 factory", config.dexFactory],
      ["FlashArbitrage", config.arbitrage],
    ],
  });
  if (typeof bot === "number") return bot;
  const { config, provider, logger } = bot;
  const price = await nativePriceSource(config, provider);
  if (typeof price === "string") {
    provider.destroy();
    return fail(price);
  }
  const metrics = new ArbitrageMetrics();
  const signer = await botSigner(config, provider, logger, ARBITRAGE_DEV_ACCOUNT);
  const context = arbitrageContext(config, config, provider, logger, {
    signer,
    metrics,
    nativePrice: price.read,
    stopping: bot.stop.stopping,
  });

  const signerAddress = context.signer ? await context.signer.getAddress() : null;
  return runBot(bot, {
    name: "arbitrageur",
    metrics,
    pending: () => context.state.pending.size,
    started: {
      factory: config.factory,
      dexFactory: config.dexFactory,
      arbitrage: config.arbitrage,
      signer: signerAddress,
      receiver: config.receiver ?? signerAddress,
      minProfit: formatUnits(config.minProfit, USDC_DECIMALS),
      nativePrice: `${formatUnits(await price.read(), USDC_DECIMALS)} (${price.source})`,
    },
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
}

runMain(main);
