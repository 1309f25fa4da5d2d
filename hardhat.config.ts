import "dotenv/config";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import type { NetworksUserConfig } from "hardhat/types";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks";

/**
 * The one Solidity version of the project. It is compiled by the npm `solc` package (soljson.js, wasm),
 * pinned to the same version in package.json, so `hardhat compile` never downloads a compiler.
 */
const SOLC_VERSION = "0.8.28";

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
 * Public testnets, configured from the environment (see .env.example). Nothing is needed to use the local chains;
 * choosing a testnet without its variables stops at once with one line naming what is missing.
 */
const TESTNETS = {
  sepolia: { chainId: 11155111, rpcVariable: "SEPOLIA_RPC_URL" },
  arbitrumSepolia: { chainId: 421614, rpcVariable: "ARBITRUM_SEPOLIA_RPC_URL" },
  baseSepolia: { chainId: 84532, rpcVariable: "BASE_SEPOLIA_RPC_URL" },
} as const;

function selectedNetwork(): string | undefined {
  const flag = process.argv.indexOf("--network");
  return flag >= 0 ? process.argv[flag + 1] : process.env.HARDHAT_NETWORK;
}

function testnets(): NetworksUserConfig {
  const networks: NetworksUserConfig = {};
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  for (const [name, { chainId, rpcVariable }] of Object.entries(TESTNETS)) {
    const url = process.env[rpcVariable];
    if (name === selectedNetwork()) {
      const missing = [url ? undefined : rpcVariable, key ? undefined : "DEPLOYER_PRIVATE_KEY"].filter(Boolean);
      if (missing.length > 0) {
        console.error(
          `error: network ${name} needs ${missing.join(" and ")} in the environment or .env (see .env.example)`,
        );
        process.exit(1);
      }
    }
    networks[name] = { url: url ?? "", chainId, accounts: key ? [key] : [] };
  }
  return networks;
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } } }],
    // The exchange runs on every mint, redeem and rebalance and has room under the size limit: optimised for
    // execution. The token stays at 200 runs: its creation code lives inside LeveragedTokenDeployer.
    overrides: {
      "contracts/perp/PerpExchange.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 1_000_000 } },
      },
    },
  },
  networks: {
    // Prague, not Hardhat's default Osaka: under Osaka's per-transaction gas cap (EIP-7825) Hardhat's gas estimator
    // overshoots the cap and fails for any call that checks gasleft() against a reserve, as BatchRebalancer does
    // (geth's estimator does not). The contracts are compiled for Cancun and run the same on both.
    hardhat: { hardfork: "prague" },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    ...testnets(),
  },
  etherscan: { apiKey: process.env.ETHERSCAN_API_KEY ?? "" },
  sourcify: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true" },
};

export default config;
