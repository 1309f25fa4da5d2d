import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { addressBookSchema, type AddressBook } from "../chain/addressBook";
import { readJsonFile, shownPath } from "./jsonFile";

/*
 * Where a network's deployed contracts are: `deployments/<network>.json`. Written by `npm run deploy`, read by the
 * tasks, the keeper, the demo and the app's server.
 */

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
