import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UserError } from "./errors";
import { readJsonFile, shownPath } from "./jsonFile";

/**
 * Where a network's deployed contracts are: `deployments/<network>.json`. Written by `npm run deploy`, read by the
 * tasks, the keeper and the demo.
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

/** `deployments/<network>.json` under `root`, or under `LT_DEPLOYMENTS_DIR` when set (tests use a temporary one). */
export function addressBookPath(root: string, network: string): string {
  const dir = process.env.LT_DEPLOYMENTS_DIR ?? path.join(root, "deployments");
  return path.join(dir, `${network}.json`);
}

/** Reads and checks a network's address book; a missing or malformed one is a clear error. */
export function readAddressBook(root: string, network: string): AddressBook {
  const file = addressBookPath(root, network);
  return readJsonFile(
    root,
    file,
    addressBookSchema,
    `no address book for network "${network}" (${shownPath(root, file)}): run npm run deploy -- --network ${network}`,
  );
}

/** Writes a network's address book atomically (a temporary file renamed over the old one). */
export function writeAddressBook(root: string, book: AddressBook): string {
  const file = addressBookPath(root, book.network);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(addressBookSchema.parse(book), null, 2)}\n`);
  renameSync(temporary, file);
  return file;
}

/** A market of the address book by symbol; an unknown one is a UserError. */
export function resolveMarket(book: AddressBook, symbol: string): AddressBook["markets"][string] & { symbol: string } {
  const key = Object.keys(book.markets).find((k) => k.toUpperCase() === symbol.toUpperCase());
  if (!key) {
    throw new UserError(`unknown market "${symbol}": this deployment has ${Object.keys(book.markets).join(", ")}`);
  }
  return { symbol: key, ...book.markets[key] };
}
