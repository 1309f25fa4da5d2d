import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { HardhatArtifactResolver, PrettyEventHandler } from "@nomicfoundation/hardhat-ignition/helpers";
import {
  deploy,
  DeploymentResultType,
  type EIP1193Provider,
  type ExecutionEventListener,
} from "@nomicfoundation/ignition-core";
import { BrowserProvider, Contract, getAddress, type ContractRunner } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressBook } from "../src/chain/addressBook";
import { tokenSymbol } from "../src/deployment/listing";
import { specForRun } from "../src/deployment/parts";
import type { DeploymentSpec } from "../src/deployment/spec";
import { deploymentFailure } from "./failures";
import { buildSystemModule } from "./modules/LeveragedTokens";

const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);
const LOCAL_POLLING_MS = 50;

export interface DeployOptions {
  /** Print Ignition's progress (the deploy command does; tests don't). */
  displayUi?: boolean;
  /**
   * Deploy to this node instead of the selected network's (a test's `hardhat node` child), signing with its first
   * unlocked account, with an in-memory journal (nothing is written under ignition/deployments).
   */
  provider?: EIP1193Provider;
  /** Ignition's journal folder, instead of `ignition/deployments/<network>-<chain id>` (none on the in-process chain). */
  deploymentDir?: string;
  /** A deployment in parts: the core and these tokens (symbols); tokens deployed before stay (see specForRun). */
  tokens?: string[];
  /** How often Ignition looks for receipts (50 ms on local networks, Ignition's own setting elsewhere). */
  pollingMs?: number;
  /**
   * The most Ignition may offer as max fee per gas (wei): above it Ignition stops with IGN407 before sending, and the
   * deploy command waits for the base fee to fall (a spike) and resumes. The network's `ignition.maxFeePerGasLimit`
   * when not given.
   */
  maxFeePerGasLimit?: bigint;
  /** Told of each confirmed transaction of a step (the dry run's gas per step). */
  onConfirm?: (futureId: string, hash: string) => void;
}

/** Where a network's Ignition journal lives (`ignition/deployments/<network>-<chain id>`, or under
 * `LT_IGNITION_DEPLOYMENTS_DIR` when set: a rehearsal keeps its journal away from the real network's). */
export const journalDir = (hre: HardhatRuntimeEnvironment, network: string, chainId: number) =>
  path.join(
    process.env.LT_IGNITION_DEPLOYMENTS_DIR ?? path.join(hre.config.paths.ignition, "deployments"),
    `${network}-${chainId}`,
  );

/** The module's id: Ignition's future ids are `<module>#<name>`. */
export const MODULE_ID = "LeveragedTokens";

/** The contracts a journal holds, by name (BTC3L, BatchRebalancer, ...): what earlier runs deployed. */
export function journalContracts(dir: string | undefined): Set<string> {
  const file = dir === undefined ? undefined : path.join(dir, "deployed_addresses.json");
  if (file === undefined || !existsSync(file)) return new Set();
  return new Set(Object.keys(JSON.parse(readFileSync(file, "utf8"))).map((id) => id.replace(`${MODULE_ID}#`, "")));
}

/** The spec and module layout this run deploys: `options.tokens` and what the journal holds decide it. */
export function runPlan(spec: DeploymentSpec, dir: string | undefined, tokens: string[] | undefined) {
  const deployed = journalContracts(dir);
  const plan = specForRun(spec, tokens, deployed, deployed.has("BatchRebalancer"));
  return { ...plan, module: buildSystemModule(plan.spec, MODULE_ID, plan.inParts) };
}

/**
 * Deploys (or resumes deploying) the system described by `spec` with Hardhat Ignition and returns its address
 * book. On a local node that was restarted since the last deployment, the stale journal is discarded first.
 */
export async function deploySystem(
  hre: HardhatRuntimeEnvironment,
  spec: DeploymentSpec,
  options: DeployOptions = {},
): Promise<AddressBook> {
  const provider = options.provider ?? hre.network.provider;
  const network = options.provider ? "remote" : hre.network.name;
  const chainId = Number(await provider.request({ method: "eth_chainId" }));
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  const inMemory = network === "hardhat" || options.provider !== undefined;
  const deploymentDir = options.deploymentDir ?? (inMemory ? undefined : journalDir(hre, network, chainId));
  if (deploymentDir) await discardStaleLocalJournal(hre, network, deploymentDir);

  const { spec: runSpec, module } = runPlan(spec, deploymentDir, options.tokens);
  const networkConfig = options.provider ? undefined : hre.config.networks[hre.network.name];
  // A local node mines each transaction at once: poll for receipts every 50 ms instead of Ignition's 1 s.
  const pollingMs = options.pollingMs ?? (LOCAL_NETWORKS.has(network) ? LOCAL_POLLING_MS : undefined);
  const result = await deploy({
    config: pollingMs === undefined ? hre.config.ignition : { ...hre.config.ignition, blockPollingInterval: pollingMs },
    provider,
    deploymentDir,
    executionEventListener: listener(options),
    artifactResolver: new HardhatArtifactResolver(hre),
    ignitionModule: module,
    deploymentParameters: {},
    accounts,
    maxFeePerGasLimit: options.maxFeePerGasLimit ?? networkConfig?.ignition.maxFeePerGasLimit,
    maxPriorityFeePerGas: networkConfig?.ignition.maxPriorityFeePerGas,
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw deploymentFailure(result, { network, deploymentDir });
  }
  const address = (name: string): string => {
    const future = module.results[name as keyof typeof module.results] as { id: string };
    return result.contracts[future.id].address;
  };
  const runner: ContractRunner = options.provider ? new BrowserProvider(options.provider) : hre.ethers.provider;
  const read = (at: string, signature: string) => new Contract(at, [signature], runner);

  const exchange = read(address("exchange"), "function marketIdOf(string) view returns (uint256)");
  const markets: AddressBook["markets"] = {};
  for (const market of runSpec.markets) {
    markets[market.symbol] = {
      id: Number(await exchange.marketIdOf(market.symbol)),
      feed: address(`feed_${market.symbol}`),
      settable: market.feed.kind === "settable",
    };
  }
  const tokens: AddressBook["tokens"] = {};
  for (const t of runSpec.tokens) {
    const symbol = tokenSymbol(t.market, t.leverage);
    tokens[symbol] = address(`token_${symbol}`);
  }

  const book: AddressBook = {
    network: hre.network.name,
    chainId,
    deployedAt: new Date().toISOString(),
    deployer: getAddress(accounts[0]),
    stablecoin: address("stablecoin"),
    exchange: address("exchange"),
    factory: address("factory"),
    batcher: address("batcher"),
    lens: address("lens"),
    upkeep: address("upkeep"),
    markets,
    tokens,
  };
  if (runSpec.dex.kind !== "none") {
    const router = read(address("router"), "function factory() view returns (address)");
    const weth = read(address("router"), "function WETH() view returns (address)");
    const uniFactory = read(await router.factory(), "function getPair(address, address) view returns (address)");
    const pools: Record<string, string> = {};
    for (const pool of runSpec.pools) pools[pool.token] = await uniFactory.getPair(tokens[pool.token], book.stablecoin);
    book.dex = {
      router: address("router"),
      factory: await router.factory(),
      weth: await weth.WETH(),
      pools,
      tradeRouter: address("tradeRouter"),
      arbitrage: address("arbitrage"),
    };
  }
  return book;
}

/** Ignition's progress on the terminal, and the confirmations the dry run counts gas from. */
function listener(options: DeployOptions): ExecutionEventListener | undefined {
  const pretty = options.displayUi ? new PrettyEventHandler() : undefined;
  const { onConfirm } = options;
  if (!onConfirm) return pretty;
  return new Proxy({} as ExecutionEventListener, {
    get: (_target, name: keyof ExecutionEventListener) => (event: { futureId: string; hash: string }) => {
      if (name === "transactionConfirm") onConfirm(event.futureId, event.hash);
      (pretty?.[name] as ((e: unknown) => void) | undefined)?.call(pretty, event);
    },
  });
}

/** A local node forgets everything when restarted; Ignition's journal does not. Drop a journal whose contracts
 * are gone so that the deployment starts afresh instead of "resuming" into empty addresses. */
export async function discardStaleLocalJournal(
  hre: HardhatRuntimeEnvironment,
  network: string,
  dir: string,
): Promise<void> {
  if (!LOCAL_NETWORKS.has(network)) return;
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (!existsSync(path.join(dir, "journal.jsonl"))) return;
  const addresses = existsSync(addressesFile)
    ? (Object.values(JSON.parse(readFileSync(addressesFile, "utf8"))) as string[])
    : [];
  const first = addresses[0];
  if (first && (await hre.ethers.provider.getCode(first)) !== "0x") return;
  console.log(
    `the local chain has none of the journal's contracts: starting a fresh deployment (${path.basename(dir)})`,
  );
  rmSync(dir, { recursive: true, force: true });
}
