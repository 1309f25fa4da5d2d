/**
 * `npm run coverage:check` (and the end of `npm run coverage`): reads coverage/coverage-summary.json, written by
 * solidity-coverage's json-summary reporter (.solcover.js), and fails with one line per miss unless lines and branches
 * reach the thresholds below overall, for the token (and its parts in contracts/token/), for the exchange and for every
 * library. Runs without Hardhat.
 *
 * So that it cannot pass by accident: the libraries are read from contracts/libraries/ (a new one is checked at once),
 * a checked contract missing from the report is a miss, and so is a report older than any contract.
 *
 * `--guard` (the end of `npm run coverage:guard`, which CI runs): a few test files under instrumentation, so the
 * thresholds do not apply; instead every checked contract must have run at least one line, which fails when
 * instrumentation breaks a deployment (the token's creation code once outgrew the
 * contract that deployed it: 0% of the token ran).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { requireSupportedNode } from "../src/node/nodeVersion";

const SUMMARY = "coverage/coverage-summary.json";
/** Percent of lines and of branches covered. */
export const THRESHOLDS = { lines: 95, branches: 90 } as const;

type Counts = { total: number; covered: number };
type Entry = Record<keyof typeof THRESHOLDS, Counts>;

/** Every .sol file under `dir` (relative to `root`), recursively. */
function solidityFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const file = `${dir}/${e.name}`;
    if (e.isDirectory()) return solidityFiles(root, file);
    return e.name.endsWith(".sol") ? [file] : [];
  });
}

function percent({ total, covered }: Counts): number {
  return total === 0 ? 100 : (covered / total) * 100;
}

/** One line per threshold that `entry` misses. */
function misses(name: string, entry: Entry): string[] {
  return (Object.keys(THRESHOLDS) as (keyof typeof THRESHOLDS)[])
    .filter((kind) => percent(entry[kind]) < THRESHOLDS[kind])
    .map(
      (kind) =>
        `${name}: ${kind} ${percent(entry[kind]).toFixed(2)}% (${entry[kind].covered}/${entry[kind].total}) ` +
        `< ${THRESHOLDS[kind]}%`,
    );
}

/** One line when `entry` ran no line at all. */
function ranNothing(name: string, entry: Entry): string[] {
  return entry.lines.covered > 0 ? [] : [`${name}: no line ran (0/${entry.lines.total}): did a deployment fail?`];
}

/** The misses of the project at `root`, one line each (none: the check passes); `guard`: see the header. */
export function coverageMisses(root: string, guard = false): string[] {
  const file = path.join(root, SUMMARY);
  if (!existsSync(file)) return [`${SUMMARY} is missing: run npm run coverage`];
  const written = statSync(file).mtimeMs;
  const newer = solidityFiles(root, "contracts").filter((f) => statSync(path.join(root, f)).mtimeMs > written);
  if (newer.length > 0) return [`${SUMMARY} is older than ${newer.join(", ")}: run npm run coverage`];

  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, Entry>;
  // Keys are paths as solidity-coverage writes them (relative, or absolute); "total" is the whole report.
  const report = new Map(
    Object.entries(raw).map(([key, entry]) => [
      key === "total" ? key : path.relative(root, path.resolve(root, key)).split(path.sep).join("/"),
      entry,
    ]),
  );
  const checked = [
    "total",
    "contracts/LeveragedToken.sol",
    "contracts/perp/PerpExchange.sol",
    "contracts/perp/PerpMarkets.sol",
    ...solidityFiles(root, "contracts/token"),
    ...solidityFiles(root, "contracts/libraries"),
  ];
  return checked.flatMap((name) => {
    const entry = report.get(name);
    if (!entry) return [`${name}: not in ${SUMMARY} (skipped by .solcover.js, or moved?)`];
    const label = name === "total" ? "all contracts" : name;
    return guard ? ranNothing(label, entry) : misses(label, entry);
  });
}

if (require.main === module) {
  requireSupportedNode();
  const guard = process.argv.includes("--guard");
  const failures = coverageMisses(path.resolve(__dirname, ".."), guard);
  const what = guard
    ? "every checked contract ran under instrumentation (LeveragedToken.sol, PerpExchange.sol, PerpMarkets.sol, each library)"
    : `lines >= ${THRESHOLDS.lines}% and branches >= ${THRESHOLDS.branches}% overall, ` +
      "for LeveragedToken.sol, PerpExchange.sol, PerpMarkets.sol and each library";
  if (failures.length > 0) {
    for (const line of failures) console.error(`coverage: ${line}`);
    console.error(`coverage check failed (needs ${what})`);
    process.exitCode = 1;
  } else {
    console.log(`coverage check passed: ${what}`);
  }
}
