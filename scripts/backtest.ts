/** `npm run backtest -- --help`: see src/backtest/cli.ts. Runs without Hardhat (ts-node only). */
import path from "node:path";
import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import { runCli } from "../src/backtest/cli";

runCli(process.argv.slice(2), path.resolve(__dirname, "..")).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
