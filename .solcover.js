// solidity-coverage (npm run coverage): production contracts only; test-only contracts are not measured.
// The tests are test/**/*.test.ts of the contract folders (package.json): the stateful fuzz (invariants.fuzz.ts) is not
// among them. Under instrumentation one of its sequences takes about 9 minutes (measured: 26 commands, 524 s), and
// npm test runs 100 of them uninstrumented. If it is run under coverage, a short, fixed-seed run:
process.env.FUZZ_RUNS ??= "1";
// Tests that depend on exact gas (instrumented code costs more) read this.
process.env.SOLIDITY_COVERAGE = "true";
process.env.FUZZ_SEED ??= "20250101";

module.exports = {
  // automation/: FactoryUpkeep budgets its check by gasleft(), which instrumentation distorts (a page costs several
  // times its gas), so its 200-token tests hold only uninstrumented: `npm test` runs them (test/automation/).
  // rehearsal/: a feed planted on a local node to rehearse a public chain (test/rehearse/), not a production contract.
  skipFiles: ["mocks/", "automation/", "rehearsal/"],
  // json-summary: coverage/coverage-summary.json, which scripts/coverageCheck.ts reads (npm run coverage:check).
  istanbulReporter: ["html", "lcov", "text", "json", "json-summary"],
  mocha: { timeout: 600_000 },
};
