/**
 * `npm run demo`: the whole system on the in-process Hardhat network (deployed as `npm run deploy` does), four funded
 * wallets, and the stories people ask about (scripts/demo/stories.ts), each played on chain from the same state:
 * one table per story, a summary, and charts in out/demo/. The fees of the local deployment are on (mint/redeem
 * 0.1%, taker 0.05%, funding 10% a year, management 3.65%), so the tokens land a little below the rule of thumb.
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { summaryTable, writeDemoCharts } from "./demo/report";
import { STORIES } from "./demo/stories";
import { createWorld, pct, type Outcome, type Story } from "./demo/world";

export interface DemoResult {
  stories: Story[];
  outcomes: Outcome[];
  charts: string[];
  seconds: number;
}

export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  options: { outDir?: string; log?: (line: string) => void } = {},
): Promise<DemoResult> {
  const log = options.log ?? console.log;
  const started = Date.now();
  const world = await createWorld(hre, log);
  const stories: Story[] = [];
  for (const [i, { intro, play }] of STORIES.entries()) {
    log(`story ${i + 1}: ${intro}...`);
    const story = await play(world);
    for (const o of story.outcomes) {
      log(`  done: token ${pct(o.token)} against ${pct(o.underlying)} for BTC (rule of thumb ${pct(o.ruleOfThumb)})`);
    }
    stories.push(story);
  }

  log("writing charts...");
  const charts = await writeDemoCharts(options.outDir ?? path.join(hre.config.paths.root, "out", "demo"), stories);
  log("");
  for (const story of stories) log(`== ${story.title} ==\n${story.table}\n`);
  const outcomes = stories.flatMap((s) => s.outcomes);
  log(summaryTable(outcomes));
  const seconds = (Date.now() - started) / 1000;
  log(`\ncharts: ${charts.map((c) => path.relative(hre.config.paths.root, c)).join(", ")}`);
  log(`demo finished in ${seconds.toFixed(1)} s`);
  return { stories, outcomes, charts, seconds };
}

if (require.main === module) {
  // Loaded by `hardhat run`: the Hardhat runtime is ready.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as HardhatRuntimeEnvironment;
  runDemo(hre).catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
