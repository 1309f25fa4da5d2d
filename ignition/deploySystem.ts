import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { HardhatArtifactResolver, PrettyEventHandler } from "@nomicfoundation/hardhat-ignition/helpers";
import { deploy, DeploymentResultType, type EIP1193Provider } from "@nomicfoundation/ignition-core";
import { BrowserProvider, Contract, getAddress, type ContractRunner } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressBook } from "../src/addressBook";
import { tokenSymbol } from "../src/deployment/listing";
import type { DeploymentSpec } from "../src/deployment/spec";
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
  const deploymentDir = inMemory
    ? undefined
    : path.join(hre.config.paths.ignition, "deployments", `${network}-${chainId}`);
  if (deploymentDir && LOCAL_NETWORKS.has(network)) await discardStaleJournal(hre, deploymentDir);

  const module = buildSystemModule(spec);
  const networkConfig = options.provider ? undefined : hre.config.networks[hre.network.name];
  const result = await deploy({
    // A local node mines each transaction at once: poll for receipts every 50 ms instead of Ignition's 1 s.
    config: LOCAL_NETWORKS.has(network)
      ? { ...hre.config.ignition, blockPollingInterval: LOCAL_POLLING_MS }
      : hre.config.ignition,
    provider,
    deploymentDir,
    executionEventListener: options.displayUi ? new PrettyEventHandler() : undefined,
    artifactResolver: new HardhatArtifactResolver(hre),
    ignitionModule: module,
    deploymentParameters: {},
    accounts,
    maxFeePerGasLimit: networkConfig?.ignition.maxFeePerGasLimit,
    maxPriorityFeePerGas: networkConfig?.ignition.maxPriorityFeePerGas,
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(`the deployment did not complete (${result.type}); run it again to resume`);
  }
  const address = (name: string): string => {
    const future = module.results[name as keyof typeof module.results] as { id: string };
    return result.contracts[future.id].address;
  };
  const runner: ContractRunner = options.provider ? new BrowserProvider(options.provider) : hre.ethers.provider;
  const read = (at: string, signature: string) => new Contract(at, [signature], runner);

  const exchange = read(address("exchange"), "function marketIdOf(string) view returns (uint256)");
  const markets: AddressBook["markets"] = {};
  for (const market of spec.markets) {
    markets[market.symbol] = {
      id: Number(await exchange.marketIdOf(market.symbol)),
      feed: address(`feed_${market.symbol}`),
      settable: market.feed.kind === "settable",
    };
  }
  const tokens: AddressBook["tokens"] = {};
  for (const t of spec.tokens) {
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
  if (spec.dex.kind !== "none") {
    const router = read(address("router"), "function factory() view returns (address)");
    const weth = read(address("router"), "function WETH() view returns (address)");
    const uniFactory = read(await router.factory(), "function getPair(address, address) view returns (address)");
    const pools: Record<string, string> = {};
    for (const pool of spec.pools) pools[pool.token] = await uniFactory.getPair(tokens[pool.token], book.stablecoin);
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

/** A local node forgets everything when restarted; Ignition's journal does not. Drop a journal whose contracts
 * are gone so that the deployment starts afresh instead of "resuming" into empty addresses. */
async function discardStaleJournal(hre: HardhatRuntimeEnvironment, dir: string): Promise<void> {
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (!existsSync(dir)) return;
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
