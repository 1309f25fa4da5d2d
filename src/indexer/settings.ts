import { JsonRpcProvider } from "ethers";
import type { AddressBook } from "../chain/addressBook";

/*
 * What one indexer indexes (the shape of indexer/settings.ts, which Ponder's config and handlers read), from a
 * network's address book: the factory (and the tokens it creates), the exchange, the pools and the price feeds, from
 * the block where the exchange was deployed.
 */

export interface IndexerSettings {
  network: string;
  chainId: number;
  rpcUrl: string;
  startBlock: number;
  factory: string;
  exchange: string;
  stablecoin: string;
  passThrough: string[];
  pools: Record<string, string>;
  feeds: Record<string, number>;
  pgliteDirectory: string;
  refreshInterval: number;
}

/** The first block at which `address` has code (a binary search over `eth_getCode`; needs a node with old state). */
export async function deploymentBlock(provider: JsonRpcProvider, address: string): Promise<number> {
  const latest = await provider.getBlockNumber();
  if ((await provider.getCode(address, latest)) === "0x") {
    throw new Error(`no contract at ${address} on this chain: is the address book for another chain?`);
  }
  let low = 0;
  let high = latest;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    let code: string;
    try {
      code = await provider.getCode(address, middle);
    } catch {
      // An endpoint without old state: start where we know the code is.
      return high;
    }
    if (code === "0x") low = middle + 1;
    else high = middle;
  }
  return low;
}

export function indexerSettings(
  book: AddressBook,
  rpcUrl: string,
  startBlock: number,
  pgliteDirectory: string,
  refreshInterval: number,
): IndexerSettings {
  const pools: Record<string, string> = {};
  for (const [symbol, pair] of Object.entries(book.dex?.pools ?? {})) {
    const tokenAddress = book.tokens[symbol];
    if (tokenAddress) pools[pair.toLowerCase()] = tokenAddress.toLowerCase();
  }
  const feeds: Record<string, number> = {};
  for (const market of Object.values(book.markets)) feeds[market.feed.toLowerCase()] = market.id;
  return {
    network: book.network,
    chainId: book.chainId,
    rpcUrl,
    startBlock,
    factory: book.factory.toLowerCase(),
    exchange: book.exchange.toLowerCase(),
    stablecoin: book.stablecoin.toLowerCase(),
    passThrough: book.dex?.tradeRouter ? [book.dex.tradeRouter.toLowerCase()] : [],
    pools,
    feeds,
    pgliteDirectory,
    refreshInterval,
  };
}
