import { createConfig, factory } from "ponder";
import { getAbiItem } from "viem";
import { exchangeAbi, factoryAbi, feedAbi, pairAbi, tokenAbi } from "./abis";
import { settings } from "./settings";

const chain = settings.network;
const startBlock = settings.startBlock;
const pools = Object.keys(settings.pools) as `0x${string}`[];
const feeds = Object.keys(settings.feeds) as `0x${string}`[];

/*
 * Ponder paces each RPC URL it is given: at most 20 requests a second at first, 20% more after each 100 successful
 * requests, for providers that rate-limit. A local node limits nothing, and a fresh local chain's whole history is a
 * few hundred requests (a block, a log query per event and interval, an eth_call per token and block), so that pace
 * alone took ~10 s of the bench's ~20. The local node's URL is listed LOCAL_RPC_LANES times: Ponder paces each entry
 * on its own, so the local node is asked at up to LOCAL_RPC_LANES x 20 a second from the start.
 */
const LOCAL_RPC_LANES = 8;
const rpc = chain === "localhost" ? Array<string>(LOCAL_RPC_LANES).fill(settings.rpcUrl) : settings.rpcUrl;

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: settings.pgliteDirectory },
  chains: { [chain]: { id: settings.chainId, rpc, pollingInterval: 500 } },
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
