import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { coverageMisses } from "../../scripts/coverageCheck";

/** A summary entry with `lines` and `branches` as [covered, total]. */
const entry = (lines: [number, number], branches: [number, number]) => ({
  lines: { covered: lines[0], total: lines[1] },
  branches: { covered: branches[0], total: branches[1] },
});
const good = entry([95, 100], [9, 10]);

/** A project with the token's part, two libraries and a coverage summary written after the contracts. */
function project(summary: Record<string, unknown>): string {
  const root = mkdtempSync(path.join(tmpdir(), "coverage-check-"));
  for (const dir of ["contracts/perp", "contracts/token", "contracts/libraries", "contracts/mocks", "coverage"]) {
    mkdirSync(path.join(root, dir), { recursive: true });
  }
  for (const f of [
    "LeveragedToken.sol",
    "perp/PerpExchange.sol",
    "perp/PerpMarkets.sol",
    "token/Part.sol",
    "libraries/A.sol",
    "libraries/B.sol",
  ]) {
    writeFileSync(path.join(root, "contracts", f), "");
    utimesSync(path.join(root, "contracts", f), new Date(1_000_000), new Date(1_000_000));
  }
  writeFileSync(path.join(root, "coverage/coverage-summary.json"), JSON.stringify(summary));
  return root;
}

describe("scripts/coverageCheck.ts: the coverage thresholds", () => {
  const roots: string[] = [];
  const misses = (summary: Record<string, unknown>) => {
    const root = project(summary);
    roots.push(root);
    return coverageMisses(root);
  };
  after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  const all = {
    total: good,
    "contracts/LeveragedToken.sol": good,
    "contracts/perp/PerpExchange.sol": good,
    "contracts/perp/PerpMarkets.sol": good,
    "contracts/token/Part.sol": good,
    "contracts/libraries/A.sol": good,
    "contracts/libraries/B.sol": entry([10, 10], [0, 0]), // no branch at all: 100%
  };

  it("passes at exactly 95% of lines and 90% of branches, and ignores files it does not check", () => {
    expect(misses({ ...all, "contracts/Other.sol": entry([0, 10], [0, 10]) })).to.deep.equal([]);
  });

  it("one line per miss: overall, the token, the exchange, a library", () => {
    expect(
      misses({
        ...all,
        total: entry([949, 1000], [90, 100]),
        "contracts/LeveragedToken.sol": entry([100, 100], [89, 100]),
        "contracts/perp/PerpExchange.sol": entry([0, 0], [1, 2]),
        "contracts/libraries/A.sol": entry([1, 2], [1, 2]),
      }),
    ).to.deep.equal([
      "all contracts: lines 94.90% (949/1000) < 95%",
      "contracts/LeveragedToken.sol: branches 89.00% (89/100) < 90%",
      "contracts/perp/PerpExchange.sol: branches 50.00% (1/2) < 90%",
      "contracts/libraries/A.sol: lines 50.00% (1/2) < 95%",
      "contracts/libraries/A.sol: branches 50.00% (1/2) < 90%",
    ]);
  });

  it("a checked contract (every file of contracts/token/ and contracts/libraries/) missing from the report is a miss", () => {
    const { "contracts/libraries/B.sol": _b, "contracts/token/Part.sol": _part, ...without } = all;
    expect(misses(without)).to.deep.equal([
      "contracts/token/Part.sol: not in coverage/coverage-summary.json (skipped by .solcover.js, or moved?)",
      "contracts/libraries/B.sol: not in coverage/coverage-summary.json (skipped by .solcover.js, or moved?)",
    ]);
  });

  it("reads absolute paths as well", () => {
    const root = project({});
    roots.push(root);
    const absolute = Object.fromEntries(
      Object.entries(all).map(([k, v]) => [k === "total" ? k : path.join(root, k), v]),
    );
    writeFileSync(path.join(root, "coverage/coverage-summary.json"), JSON.stringify(absolute));
    expect(coverageMisses(root)).to.deep.equal([]);
  });

  it("a missing report, or one older than a contract, fails", () => {
    const root = project(all);
    roots.push(root);
    writeFileSync(path.join(root, "contracts/libraries/A.sol"), "// changed");
    utimesSync(path.join(root, "coverage/coverage-summary.json"), new Date(1_500_000), new Date(1_500_000));
    expect(coverageMisses(root)).to.deep.equal([
      "coverage/coverage-summary.json is older than contracts/libraries/A.sol: run npm run coverage",
    ]);
    rmSync(path.join(root, "coverage"), { recursive: true });
    expect(coverageMisses(root)).to.deep.equal(["coverage/coverage-summary.json is missing: run npm run coverage"]);
  });

  it("--guard (CI): passes on a few files' low coverage, fails where no line of a checked contract ran", () => {
    const low = { ...all, total: entry([30, 1000], [5, 100]), "contracts/libraries/A.sol": entry([1, 40], [0, 8]) };
    const root = project(low);
    roots.push(root);
    expect(coverageMisses(root, true)).to.deep.equal([]);
    expect(coverageMisses(root)).to.have.length(4);
    writeFileSync(
      path.join(root, "coverage/coverage-summary.json"),
      JSON.stringify({ ...low, "contracts/LeveragedToken.sol": entry([0, 300], [0, 120]) }),
    );
    expect(coverageMisses(root, true)).to.deep.equal([
      "contracts/LeveragedToken.sol: no line ran (0/300): did a deployment fail?",
    ]);
  });
});
