// `npx hardhat bench` (npm run bench): the flags, then the benchmark itself in bench/bench.ts.
import { task } from "hardhat/config";
import type { BenchArgs } from "../bench/bench";

task(
  "bench",
  "Prints the gas of every action (from receipts) and compares it with gas-snapshot.json, then a keeper pass over 200 tokens, the Monte Carlo speed, the start-up time of lt:list, the app's figures (bundle size, round trips and time to the token list) and two profit-mode keepers racing for the keeper rewards",
)
  .addFlag("check", "fail when a figure is more than 1% above the snapshot")
  .addFlag("update", "write the figures to gas-snapshot.json")
  .addFlag("profile", "only where the gas of each profiled action goes, from its trace (no snapshot check)")
  .addFlag("indexer", "only the indexer's figures: a node child, 10,000 holders, Ponder and Chromium (a few minutes)")
  .addFlag("keepers", "only the section of two profit-mode keepers racing for the keeper rewards (a minute or two)")
  .setAction(async (args: BenchArgs & { keepers: boolean }, hre) => {
    if (args.keepers) {
      if (hre.network.name !== "hardhat") throw new Error("the benchmark runs on the in-process hardhat network");
      await hre.run("compile", { quiet: true });
      const { measureKeepers } = await import("../bench/benchKeepers");
      console.log(await measureKeepers(hre));
      return;
    }
    const { runBench } = await import("../bench/bench");
    await runBench(hre, args);
  });
