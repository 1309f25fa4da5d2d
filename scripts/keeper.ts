import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import { formatUnits } from "ethers";
import { fail, runBot, runMain, startBot } from "../src/bots/kit/run";
import { USDC_DECIMALS } from "../src/text/units";
import { parseConfig } from "../src/bots/keeper/config";
import { botSigner } from "../src/bots/kit/signer";
import { ethPriceSource, KEEPER_DEV_ACCOUNT, keeperContext } from "../src/bots/keeper/context";
import { reportFields } from "../src/bots/keeper/earnings";
import { KeeperMetrics } from "../src/bots/keeper/metrics";
import { pendingTransactions } from "../src/bots/keeper/types";
import { runOnce } from "../src/bots/keeper/runOnce";
import { newBlocks } from "../src/bots/keeper/newBlocks";

/**
 * The keeper process: validates its configuration, checks the endpoint's chain, then runs `runOnce` every poll
 * interval (in profit mode, on each new block: the poll interval is how often it asks for the block number) until
 * SIGINT, SIGTERM or the end of its parent process (the transaction in flight is finished first, then
 * exit 0). Exit codes: 0 stopped cleanly (or `--once` found nothing failing), 1 bad configuration or start-up
 * failure, or a `--once` pass with a failure.
 */
async function main(argv: string[]): Promise<number> {
  const bot = await startBot(argv, parseConfig, { contracts: (config) => [["factory", config.factory]] });
  if (typeof bot === "number") return bot;
  const { provider, logger } = bot;
  let { config } = bot;
  if (config.batcher && (await provider.getCode(config.batcher)) === "0x") {
    logger.warn({ batcher: config.batcher }, "no contract at the batcher address; one transaction per token");
    config = { ...config, batcher: undefined };
  }
  if (config.lens && (await provider.getCode(config.lens)) === "0x") {
    logger.warn({ lens: config.lens }, "no contract at the lens address; statuses from the factory");
    config = { ...config, lens: undefined };
  }
  const price = await ethPriceSource(config, provider);
  if (typeof price === "string") {
    provider.destroy();
    return fail(price);
  }
  const metrics = new KeeperMetrics();
  const signer = await botSigner(config, provider, logger, KEEPER_DEV_ACCOUNT);
  const context = keeperContext(config, provider, logger, {
    signer,
    metrics,
    stopping: bot.stop.stopping,
    ethPrice: price?.read,
  });
  const profit =
    config.mode === "profit"
      ? {
          minProfit: formatUnits(config.minProfit, USDC_DECIMALS),
          profitMargin: config.profitMargin,
          blockTime: config.blockTime,
          turnBlocks: config.turnBlocks,
        }
      : {};

  // A pass runs on each new block, early in it: every poll interval the keeper asks for the block number. In operator
  // mode a pass also runs once a block time has gone by without a new block (a node that mines only when sent a
  // transaction, as the local one, still gets its passes); profit mode waits for the block (its turns are blocks).
  const newBlock = newBlocks(provider);
  let lastPass = 0;
  return runBot(bot, {
    name: "keeper",
    metrics,
    pending: () => pendingTransactions(context.state),
    started: {
      factory: config.factory,
      signer: context.signer ? await context.signer.getAddress() : null,
      batcher: config.batcher ?? null,
      lens: config.lens ?? null,
      maxBatch: config.maxBatch,
      mode: config.mode,
      ...profit,
      ethPrice: price ? `${formatUnits(await price.read(), USDC_DECIMALS)} (${price.source})` : null,
    },
    pass: async (pass) => {
      const fresh = await newBlock();
      if (!fresh && (config.mode === "profit" || Date.now() - lastPass < config.blockTime * 1_000)) {
        return { failed: false };
      }
      lastPass = Date.now();
      const started = Date.now();
      const report = await runOnce(context);
      // A pass whose due tokens all wait for their reward (profit mode) says so at debug only: it repeats each pass.
      const acted = report.due.length > report.waiting.length || report.pending.length > 0 || report.failed.length > 0;
      if (acted)
        logger.info({ pass, ms: Date.now() - started, ...reportFields(report, price !== undefined) }, "pass done");
      return { failed: report.failed.length > 0 };
    },
  });
}

runMain(main);
