import { addressBookSchema, type AddressBook } from "@lt/chain/addressBook";

/**
 * What the app's server says about the chains (`chain-config.json`, written by app/server/chainConfig.ts): every
 * address book it has, and the local node's JSON-RPC URL when one runs.
 */
export interface ChainConfig {
  books: AddressBook[];
  localRpcUrl?: string;
  /** The indexer's API (npm run indexer) when the server knows one: the Portfolio page reads it. */
  indexerUrl?: string;
}

/** Networks whose nodes hand out dev accounts (Hardhat's). */
const LOCAL_NETWORKS = new Set(["localhost", "hardhat"]);

export async function loadChainConfig(): Promise<ChainConfig> {
  const response = await fetch("./chain-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`the app's server has no chain-config.json (HTTP ${response.status})`);
  const raw = (await response.json()) as { books?: unknown[]; localRpcUrl?: string; indexerUrl?: string };
  const books = (raw.books ?? []).flatMap((book) => {
    const parsed = addressBookSchema.safeParse(book);
    return parsed.success ? [parsed.data] : [];
  });
  return { books, localRpcUrl: raw.localRpcUrl, indexerUrl: raw.indexerUrl };
}

/** The address book deployed on `chainId`, if any. */
export function bookFor(config: ChainConfig, chainId: number | undefined): AddressBook | undefined {
  return config.books.find((book) => book.chainId === chainId);
}

/** The local node's address book (the chain npm start runs), when the server knows a local node. */
export function localBook(config: ChainConfig): AddressBook | undefined {
  if (!config.localRpcUrl) return undefined;
  return config.books.find((book) => LOCAL_NETWORKS.has(book.network));
}
