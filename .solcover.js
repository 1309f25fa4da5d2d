// solidity-coverage (npm run coverage): production contracts only; test-only contracts are not measured.
// The stateful fuzz runs a short, fixed-seed sequence under instrumentation (it adds little coverage and is slow).
process.env.FUZZ_RUNS ??= "10";
// Tests that depend on exact gas (instrumented code costs more) read this.
process.env.SOLIDITY_COVERAGE = "true";
process.env.FUZZ_SEED ??= "20250101";

module.exports = {
  skipFiles: ["mocks/"],
  // json-summary: coverage/coverage-summary.json, which scripts/coverageCheck.ts reads (npm run coverage:check).
  istanbulReporter: ["html", "lcov", "text", "json", "json-summary"],
  mocha: { timeout: 600_000 },
};
