import { task } from "hardhat/config";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import { describeError } from "../src/chain/reverts";

/** `npm run deploy -- --network <name> [--dry-run] [--tokens BTC3L,BTC3S]` (see ignition/deployCommand.ts). */
task("deploy", "Deploys the system from deployments/specs/<network>.json and writes deployments/<network>.json")
  .addFlag("dryRun", "Checks the spec's addresses and prints every step's gas and ETH, sending nothing")
  .addFlag("skipEstimate", "Deploys without the pre-flight checks and the estimate (a fresh local node)")
  .addOptionalParam("tokens", "Deploy the core and only these tokens now (comma-separated: BTC3L,BTC3S)")
  .setAction(async (args: { dryRun: boolean; skipEstimate: boolean; tokens?: string }, hre) => {
    // As `hardhat run` did before this was a task: the deployment needs the compiled artifacts.
    await hre.run(TASK_COMPILE, { quiet: true });
    const { deployCommand } = await import("../ignition/deployCommand");
    try {
      await deployCommand(hre, { dryRun: args.dryRun, skipEstimate: args.skipEstimate, tokens: args.tokens });
    } catch (error) {
      console.error(`error: ${describeError(error, [])}`);
      process.exitCode = 1;
    }
  });
