import type { Provider } from "ethers";
import { z } from "zod";
import { UserError } from "../text/userError";

/**
 * The shape of an address book (`deployments/<network>.json`, see ./addressBook for reading and writing the files):
 * free of Node's file system, so that the app checks the address books it fetches with the same schema.
 */
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const addressBookSchema = z.object({
  network: z.string(),
  chainId: z.number().int().positive(),
  deployedAt: z.string(),
  deployer: address,
  stablecoin: address,
  exchange: address,
  factory: address,
  /** The BatchRebalancer (many rebalances in one transaction); absent from address books written before it. */
  batcher: address.optional(),
  /** The LeveragedTokenLens (every token in one call per page); absent from address books written before it. */
  lens: address.optional(),
  /** The FactoryUpkeep (one Chainlink Automation upkeep for every token); absent from address books written before
   * it. */
  upkeep: address.optional(),
  markets: z.record(z.object({ id: z.number().int().nonnegative(), feed: address, settable: z.boolean() })),
  tokens: z.record(address),
  /** Symbols of tokens the factory retired (wiped out; redeem only). A successor may be listed as e.g. BTC3Lv2. */
  retired: z.array(z.string()).optional(),
  dex: z
    .object({
      router: address,
      factory: address,
      weth: address,
      pools: z.record(address),
      /** The TradeRouter (best-price buy and sell) and the FlashArbitrage; absent from address books written before
       * them. */
      tradeRouter: address.optional(),
      arbitrage: address.optional(),
    })
    .optional(),
});

export type AddressBook = z.infer<typeof addressBookSchema>;

/** A market of the address book by symbol; an unknown one is a UserError. */
export function resolveMarket(book: AddressBook, symbol: string): AddressBook["markets"][string] & { symbol: string } {
  const key = Object.keys(book.markets).find((k) => k.toUpperCase() === symbol.toUpperCase());
  if (!key) {
    throw new UserError(`unknown market "${symbol}": this deployment has ${Object.keys(book.markets).join(", ")}`);
  }
  return { symbol: key, ...book.markets[key] };
}

/**
 * Checks that `provider` (network `network`, at `url`) answers, is the chain `book` was deployed to, and still has
 * the deployment's factory; else a UserError that says what to do.
 */
export async function checkDeployedChain(provider: Provider, book: AddressBook, network: string, url: string) {
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch {
    throw new UserError(`cannot reach network ${network} at ${url}: is the node running (npx hardhat node)?`);
  }
  if (Number(chainId) !== book.chainId) {
    throw new UserError(
      `wrong network: deployments/${network}.json is for chain ${book.chainId} but the RPC answers chain ${chainId}`,
    );
  }
  if ((await provider.getCode(book.factory)) === "0x") {
    throw new UserError(
      `no contract at the factory of deployments/${network}.json: the chain was reset; run npm run deploy -- --network ${network}`,
    );
  }
}
