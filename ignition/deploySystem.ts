import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressBook } from "../src/addressBook";
import type { DeploymentSpec } from "../src/deployment/spec";
import { tokenSymbol } from "../src/deployment/spec";
import { buildSystemModule } from "./modules/LeveragedTokens";

const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);

export interface DeployOptions {
  /** Print Ignition's progress (the deploy command does; tests don't). */
  displayUi?: boolean;
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
  const network = hre.network.name;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const inProcess = network === "hardhat";
  const deploymentId = inProcess ? undefined : `${network}-${chainId}`;
  if (deploymentId && LOCAL_NETWORKS.has(network)) await discardStaleJournal(hre, deploymentId);

  const result = await hre.ignition.deploy(buildSystemModule(spec), {
    deploymentId,
    displayUi: options.displayUi ?? false,
  });
  const [deployer] = await hre.ethers.getSigners();

  const markets: AddressBook["markets"] = {};
  for (const market of spec.markets) {
    const feed = result[`feed_${market.symbol}` as keyof typeof result] as { getAddress(): Promise<string> };
    markets[market.symbol] = {
      id: Number(await result.exchange.marketIdOf(market.symbol)),
      feed: await feed.getAddress(),
      settable: market.feed.kind === "settable",
    };
  }
  const tokens: AddressBook["tokens"] = {};
  for (const t of spec.tokens) {
    const symbol = tokenSymbol(t.market, t.leverage);
    tokens[symbol] = await result.factory.tokenBySymbol(symbol);
  }

  const book: AddressBook = {
    network,
    chainId: Number(chainId),
    deployedAt: new Date().toISOString(),
    deployer: deployer.address,
    stablecoin: await result.stablecoin.getAddress(),
    exchange: await result.exchange.getAddress(),
    factory: await result.factory.getAddress(),
    batcher: await result.batcher.getAddress(),
    markets,
    tokens,
  };
  if ("router" in result) {
    const router = await hre.ethers.getContractAt(
      ["function factory() view returns (address)", "function WETH() view returns (address)"],
      await (result.router as { getAddress(): Promise<string> }).getAddress(),
    );
    const uniFactory = await hre.ethers.getContractAt(
      ["function getPair(address, address) view returns (address)"],
      await router.factory(),
    );
    const pools: Record<string, string> = {};
    for (const pool of spec.pools) pools[pool.token] = await uniFactory.getPair(tokens[pool.token], book.stablecoin);
    book.dex = {
      router: await router.getAddress(),
      factory: await router.factory(),
      weth: await router.WETH(),
      pools,
      tradeRouter: await result.tradeRouter.getAddress(),
      arbitrage: await result.arbitrage.getAddress(),
    };
  }
  return book;
}

/** A local node forgets everything when restarted; Ignition's journal does not. Drop a journal whose contracts
 * are gone so that the deployment starts afresh instead of "resuming" into empty addresses. */
async function discardStaleJournal(hre: HardhatRuntimeEnvironment, deploymentId: string): Promise<void> {
  const dir = path.join(hre.config.paths.ignition, "deployments", deploymentId);
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (!existsSync(dir)) return;
  const addresses = existsSync(addressesFile)
    ? (Object.values(JSON.parse(readFileSync(addressesFile, "utf8"))) as string[])
    : [];
  const first = addresses[0];
  if (first && (await hre.ethers.provider.getCode(first)) !== "0x") return;
  console.log(`the local chain has none of the journal's contracts: starting a fresh deployment (${deploymentId})`);
  rmSync(dir, { recursive: true, force: true });
}
