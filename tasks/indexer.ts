import { writeFileSync } from "node:fs";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { getAddress, isAddress } from "ethers";
import { UserError } from "../src/text/userError";
import { checkIndexerNetwork, indexerGet, indexerUrl, readPortfolio } from "../src/indexer/client";
import { portfolioCsv, portfolioJson, portfolioReport } from "../src/indexer/portfolio";
import { feesReport, type FeesBody } from "../src/indexer/fees";
import { TASKS_NEED_A_NODE } from "./context";

/** A task that reads the indexer: any failure is one line on stderr and exit code 1. */
function withIndexer<Args>(action: (args: Args, base: string, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (args: Args, hre: HardhatRuntimeEnvironment): Promise<void> => {
    try {
      if (hre.network.name === "hardhat") throw new UserError(TASKS_NEED_A_NODE);
      const base = indexerUrl();
      await checkIndexerNetwork(base, hre.network.name, hre.network.config.chainId);
      await action(args, base, hre);
    } catch (error) {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  };
}

task("lt:portfolio", "A holder's positions, cost basis, profit and loss and fees, from the indexer")
  .addParam("account", "the holder's address")
  .addOptionalParam("csv", "also write every transaction to this CSV file")
  .addFlag("json", "print JSON (human units) instead of a table")
  .setAction(
    withIndexer<{ account: string; csv?: string; json: boolean }>(async (args, base) => {
      if (!isAddress(args.account)) {
        throw new UserError(`--account must be an address (0x followed by 40 hex digits), not "${args.account}"`);
      }
      const portfolio = await readPortfolio(base, getAddress(args.account));
      if (args.csv) writeFileSync(args.csv, portfolioCsv(portfolio.activity));
      if (args.json) {
        console.log(JSON.stringify(portfolioJson(portfolio)));
        return;
      }
      console.log(portfolioReport(portfolio, base));
      if (args.csv) console.log(`${portfolio.activity.length} transactions written to ${args.csv}`);
    }),
  );

task("lt:fees", "Operator: fees earned per token and period, and what rebalancing cost, from the indexer")
  .addOptionalParam("period", "day or month", "month")
  .setAction(
    withIndexer<{ period: string }>(async (args, base) => {
      if (args.period !== "day" && args.period !== "month") {
        throw new UserError(`--period must be day or month, not "${args.period}"`);
      }
      console.log(feesReport(await indexerGet<FeesBody>(base, "/fees"), args.period));
    }),
  );
