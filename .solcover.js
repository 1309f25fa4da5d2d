// solidity-coverage (npm run coverage): production contracts only; test-only contracts are not measured.
// The stateful fuzz runs a short, fixed-seed sequence under instrumentation (it adds little coverage and is slow).
process.env.FUZZ_RUNS ??= "10";
process.env.FUZZ_SEED ??= "20250101";

module.exports = {
  skipFiles: ["mocks/"],
  mocha: { timeout: 600_000 },
};
