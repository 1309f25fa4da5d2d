import path from "node:path";
import { config as loadDotenv } from "dotenv";
import type { AddressBook } from "../../chain/addressBook";
import { readAddressBook } from "../../node/addressBookFile";
import { PROJECT_ROOT } from "../../node/projectRoot";
import { ConfigError } from "./settings";

/**
 * A bot's configuration, by the rules of every entry point: the environment, then `.env` at the project root (never
 * overriding the environment), parsed by the bot's `parse` with the project's address books. A bad configuration is
 * printed as one line (`error: ...`) and its exit code returned instead.
 */
export function loadBotConfig<C extends object>(
  argv: string[],
  parse: (argv: string[], env: NodeJS.ProcessEnv, readBook: (network: string) => AddressBook) => C,
): C | number {
  loadDotenv({ path: path.join(PROJECT_ROOT, ".env"), quiet: true });
  try {
    return parse(argv, process.env, (network) => readAddressBook(PROJECT_ROOT, network));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
}
