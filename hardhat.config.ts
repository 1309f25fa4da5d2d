// First: on an unsupported Node, one line and exit 1 before anything else loads.
import { requireSupportedNode } from "./src/node/nodeVersion";
requireSupportedNode();
import "dotenv/config";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import type { NetworksUserConfig } from "hardhat/types";
import {
  TASK_COMPILE_SOLIDITY_COMPILE_JOBS,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
} from "hardhat/builtin-tasks/task-names";
import type {} from "@nomicfoundation/hardhat-toolbox";
import { commandLine, loadPlugins, makeProviderResilient } from "./tasks/plugins";
import {
  DEFAULT_LOCALHOST_RPC_URL,
  NETWORK_NAMES,
  TESTNETS,
  testnetSettings,
  type TestnetName,
} from "./src/chain/networks";
import "./tasks";

/**
 * The one Solidity version of the project. It is compiled by the npm `solc` package (soljson.js, wasm),
 * pinned to the same version in package.json, so `hardhat compile` never downloads a compiler.
 */
const SOLC_VERSION = "0.8.28";

const { task, network: selected } = commandLine();
loadPlugins(task);
makeProviderResilient(selected);

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
  if (!longVersion.startsWith(SOLC_VERSION)) {
    throw new Error(`npm package solc is ${longVersion}, expected ${SOLC_VERSION}: run npm ci`);
  }
  return { compilerPath: require.resolve("solc/soljson.js"), isSolcJs: true, version: SOLC_VERSION, longVersion };
});

/**
 * Compiling with the wasm compiler takes a minute or two the first time (and after a change to a contract): say so,
 * and keep saying it, even where Hardhat compiles quietly (npm run demo, npm test).
 */
subtask(TASK_COMPILE_SOLIDITY_COMPILE_JOBS).setAction(
  async (args: { compilationJobs: { getResolvedFiles(): unknown[] }[] }, _hre, runSuper) => {
    if (args.compilationJobs.length === 0) return runSuper(args);
    const files = args.compilationJobs.reduce((n, job) => n + job.getResolvedFiles().length, 0);
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    console.log(
      `compiling ${files} Solidity files with solc ${SOLC_VERSION} (wasm: a minute or two the first time)...`,
    );
    const progress = setInterval(() => console.log(`  still compiling (${seconds()} s)`), 20_000);
    try {
      return await runSuper(args);
    } finally {
      clearInterval(progress);
      console.log(`compiled in ${seconds()} s`);
    }
  },
);

/** Stops the command with one line on stderr (no stack trace). */
function stop(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

if (selected !== undefined && !(NETWORK_NAMES as readonly string[]).includes(selected)) {
  stop(`there is no network "${selected}": choose one of ${NETWORK_NAMES.join(", ")}`);
}

/**
 * Public testnets, configured from the environment (see .env.example). Nothing is needed to use the local chains,
 * and a missing or malformed testnet variable affects only that testnet: choosing it stops at once with one line
 * naming the variable.
 */
function testnets(): NetworksUserConfig {
  const networks: NetworksUserConfig = {};
  for (const [name, { chainId }] of Object.entries(TESTNETS)) {
    const { url, accounts, problems } = testnetSettings(name as TestnetName, process.env);
    if (name === selected && problems.length > 0) {
      stop(`network ${name}: ${problems.join(" and ")} (set it in the environment or .env, see .env.example)`);
    }
    networks[name] = { url, chainId, accounts };
  }
  return networks;
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } } }],
    // The exchange runs on every mint, redeem and rebalance and has room under the size limit: optimised for
    // execution and compiled through the IR pipeline (viaIR: about 3,000 gas less per action than the legacy
    // pipeline, for about 30 s more of a full compile). The token stays on the legacy pipeline: under viaIR its
    // function dispatch is a linear search that puts a transfer 430 gas above a plain OpenZeppelin ERC-20's (the
    // target is within 1%). It is optimised for 50 runs, not 200: that keeps the implementation's runtime code (every
    // token is a clone of it) about 190 bytes under the 24,576-byte limit (EIP-170) for about 0.2% more gas per action.
    overrides: {
      "contracts/LeveragedToken.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 50 } },
      },
      "contracts/perp/PerpExchange.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", viaIR: true, optimizer: { enabled: true, runs: 1_000_000 } },
      },
    },
  },
  networks: {
    // Prague, not Hardhat's default Osaka: under Osaka's per-transaction gas cap (EIP-7825) Hardhat's gas estimator
    // overshoots the cap and fails for any call that checks gasleft() against a reserve, as BatchRebalancer does
    // (geth's estimator does not). The contracts are compiled for Cancun and run the same on both.
    // npm start sets LT_CHAIN_START so that a local node replaying history keeps the history's dates.
    hardhat: {
      hardfork: "prague",
      ...(process.env.LT_CHAIN_START ? { initialDate: process.env.LT_CHAIN_START } : {}),
    },
    localhost: { url: process.env.LOCALHOST_RPC_URL || DEFAULT_LOCALHOST_RPC_URL },
    ...testnets(),
  },
  etherscan: { apiKey: process.env.ETHERSCAN_API_KEY ?? "" },
  sourcify: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true" },
};

export default config;
