import { createConfig, factory } from "ponder";
import { getAbiItem } from "viem";
import { exchangeAbi, factoryAbi, feedAbi, pairAbi, tokenAbi } from "./abis";
import { settings } from "./settings";

const chain = settings.network;
const startBlock = settings.startBlock;
const pools = Object.keys(settings.pools) as `0x${string}`[];
const feeds = Object.keys(settings.feeds) as `0x${string}`[];

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: settings.pgliteDirectory },
  chains: { [chain]: { id: settings.chainId, rpc: settings.rpcUrl, pollingInterval: 500 } },
  contracts: {
    Factory: { chain, abi: factoryAbi, address: settings.factory, startBlock },
    LeveragedToken: {
      chain,
      abi: tokenAbi,
      address: factory({
        address: settings.factory,
        event: getAbiItem({ abi: factoryAbi, name: "TokenCreated" }),
        parameter: "token",
      }),
      startBlock,
    },
    Exchange: { chain, abi: exchangeAbi, address: settings.exchange, startBlock },
    Pool: { chain, abi: pairAbi, address: pools, startBlock },
    Feed: { chain, abi: feedAbi, address: feeds, startBlock },
  },
  // Every token's NAV again every `refreshInterval` blocks, for chains whose feeds emit no event the indexer reads.
  blocks: { Refresh: { chain, startBlock, interval: settings.refreshInterval } },
});
