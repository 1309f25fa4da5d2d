/**
 * The benchmark's start-up figure (informational, never checked): how long `npx hardhat lt:list` takes from a cold
 * process to its table, against a `hardhat node` with the local deployment, as an operator runs it.
 */
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { JsonRpcProvider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deploySystem } from "../ignition/deploySystem";
import { loadSpec } from "../src/deployment/spec";
import { table } from "../src/text/format";
import { startNode } from "../scripts/localNode";

const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli");

/** Runs `hardhat <args>` under bash's `time`: wall and CPU (user + system) seconds of the whole process. */
function timed(args: string[], env: Record<string, string>): Promise<{ wall: number; cpu: number }> {
  const command = `TIMEFORMAT='%R %U %S'; time "$0" "$@" > /dev/null 2> "$LT_BENCH_STDERR"`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command, process.execPath, HARDHAT_CLI, ...args], {
      cwd: path.resolve(__dirname, ".."),
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => {
      const [real, user, system] = stderr.trim().split("\n").pop()!.split(" ").map(Number);
      if (code !== 0 || !Number.isFinite(real)) {
        reject(new Error(`hardhat ${args.join(" ")} failed (${code}): see ${env.LT_BENCH_STDERR}`));
      } else resolve({ wall: real * 1000, cpu: (user + system) * 1000 });
    });
  });
}

const RUNS = 5;
const TARGET_MS = 3_000;

export async function measureListStartup(hre: HardhatRuntimeEnvironment): Promise<string> {
  const node = await startNode();
  const direct = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const dir = mkdtempSync(path.join(tmpdir(), "lt-bench-"));
  try {
    const book = await deploySystem(hre, loadSpec(hre.config.paths.root, "localhost"), {
      provider: { request: ({ method, params }) => direct.send(method, (params as unknown[]) ?? []) },
    });
    writeFileSync(path.join(dir, "localhost.json"), JSON.stringify({ ...book, network: "localhost" }));
    const env = { LT_DEPLOYMENTS_DIR: dir, LOCALHOST_RPC_URL: node.url, LT_BENCH_STDERR: path.join(dir, "stderr") };
    const runs: { wall: number; cpu: number }[] = [];
    await timed(["lt:list", "--network", "localhost"], env); // warms the disk cache
    for (let run = 0; run < RUNS; run++) runs.push(await timed(["lt:list", "--network", "localhost"], env));
    const row = (label: string, values: number[], target: string) => {
      const sorted = [...values].sort((a, b) => a - b);
      const [median, min, max] = [sorted[Math.floor(sorted.length / 2)], sorted[0], sorted[sorted.length - 1]];
      return [label, median.toFixed(0), min.toFixed(0), max.toFixed(0), target];
    };
    const cpu = runs.map((r) => r.cpu).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
    return [
      `start-up: npx hardhat lt:list --network localhost (a new process each time, ${RUNS} runs after a warm-up)`,
      "",
      table(
        ["figure", "median", "min", "max", "target"],
        [
          row(
            "wall time (ms)",
            runs.map((r) => r.wall),
            "(the machine's load adds to it)",
          ),
          row(
            "CPU time (ms)",
            runs.map((r) => r.cpu),
            `<= ${TARGET_MS} (an idle machine's wall time): ${cpu <= TARGET_MS ? "met" : "NOT met"}`,
          ),
        ],
      ),
    ].join("\n");
  } finally {
    direct.destroy();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
