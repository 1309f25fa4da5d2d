/**
 * The networks every entry point knows (Hardhat's config, the tasks, the keeper, the bots), and where each one's RPC
 * URL comes from. One set of rules: an environment variable (or `.env`), else the local default.
 */

/** The local node's URL unless `LOCALHOST_RPC_URL` says otherwise. */
export const DEFAULT_LOCALHOST_RPC_URL = "http://127.0.0.1:8545";

/** The chain id of Hardhat's in-process chain and of `npx hardhat node`. */
export const LOCAL_CHAIN_ID = 31337;

/** The public testnets, configured from the environment (see .env.example). */
export const TESTNETS = {
  sepolia: { chainId: 11155111, rpcVariable: "SEPOLIA_RPC_URL" },
  arbitrumSepolia: { chainId: 421614, rpcVariable: "ARBITRUM_SEPOLIA_RPC_URL" },
  baseSepolia: { chainId: 84532, rpcVariable: "BASE_SEPOLIA_RPC_URL" },
} as const;

export type TestnetName = keyof typeof TESTNETS;

/** The variable holding the testnets' deployer (and task signer) key. */
export const DEPLOYER_KEY_VARIABLE = "DEPLOYER_PRIVATE_KEY";

export const isTestnet = (network: string): network is TestnetName => Object.hasOwn(TESTNETS, network);

/** Every network a command accepts with `--network`. */
export const NETWORK_NAMES = ["hardhat", "localhost", ...Object.keys(TESTNETS)] as const;

/**
 * A network's RPC URL and the variable it came from: `localhost` reads `LOCALHOST_RPC_URL` (default
 * http://127.0.0.1:8545), a testnet its own variable; undefined where the network has none or it is not set.
 */
export function networkRpcUrl(
  network: string,
  env: NodeJS.ProcessEnv,
): { url: string; variable: string } | { url: undefined; variable?: string } {
  if (network === "localhost") {
    return { url: env.LOCALHOST_RPC_URL || DEFAULT_LOCALHOST_RPC_URL, variable: "LOCALHOST_RPC_URL" };
  }
  if (isTestnet(network)) {
    const variable = TESTNETS[network].rpcVariable;
    const url = env[variable];
    return url ? { url, variable } : { url: undefined, variable };
  }
  return { url: undefined };
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const isRpcUrl = (url: string) => /^(https?|wss?):\/\/[^\s/]+/.test(url) && URL.canParse(url);

/**
 * A testnet's URL and accounts from the environment, checked: `problems` names each variable that is missing or
 * malformed (never its value), so that choosing that network stops with one line, while a bad setting of one
 * testnet never affects the local networks or the other testnets (their `url` and `accounts` are then left empty).
 */
export function testnetSettings(
  network: TestnetName,
  env: NodeJS.ProcessEnv,
): { url: string; accounts: string[]; problems: string[] } {
  const { rpcVariable } = TESTNETS[network];
  const url = env[rpcVariable] ?? "";
  const key = env[DEPLOYER_KEY_VARIABLE] ?? "";
  const problems: string[] = [];
  if (url === "") problems.push(`${rpcVariable} is not set`);
  else if (!isRpcUrl(url)) problems.push(`${rpcVariable} is not an http(s) or ws(s) URL`);
  if (key === "") problems.push(`${DEPLOYER_KEY_VARIABLE} is not set`);
  else if (!PRIVATE_KEY.test(key)) problems.push(`${DEPLOYER_KEY_VARIABLE} is not a private key (64 hex digits)`);
  return {
    url: isRpcUrl(url) ? url : "",
    accounts: PRIVATE_KEY.test(key) ? [key.startsWith("0x") ? key : `0x${key}`] : [],
    problems,
  };
}

/** `url` without what may be secret in it (a user and password, an API key in the path or the query). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    const path = local || parsed.pathname === "/" ? parsed.pathname : "/***";
    return `${parsed.protocol}//${parsed.username ? "***@" : ""}${parsed.host}${path === "/" ? "" : path}${parsed.search ? "?***" : ""}`;
  } catch {
    return "(not a URL)";
  }
}
