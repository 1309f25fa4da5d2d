import path from "node:path";
import { computeAddress } from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { devPrivateKey, SERVICE_ACCOUNTS } from "../chain/devAccounts";

/** `npm start`'s flags. */
export interface StartOptions {
  port: number; // the app's
  rpcPort: number; // the node's
  indexerPort: number; // the indexer's API
  speedSeconds: number; // seconds per market day
  from: string; // the history's first day (YYYY-MM-DD)
  randomWalk: boolean;
  seed: number;
  market: boolean;
}

export interface StartContext {
  root: string;
  /** Where the services' logs go, as shown to the user. */
  logDir: string;
  rpcUrl: string;
  book: AddressBook;
  options: StartOptions;
}

/**
 * A long-running service of `npm start`: how to run it (arguments to `node`), the one line that says what it does,
 * and whether its output belongs on the console. Adding a service is one entry here.
 */
export interface ServiceSpec {
  name: string;
  args(context: StartContext): string[];
  env?(context: StartContext): Record<string, string>;
  describe(context: StartContext): string;
  enabled?(options: StartOptions): boolean;
  /** Print the service's stdout lines on the console (the market's day lines). */
  echo?: boolean;
}

const TS_NODE = ["-r", "ts-node/register/transpile-only"];
/** How often the keeper and the arbitrageur look: a market day lasts a few seconds here. */
const POLL_MS = 1_000;

/** A bot's command line (the keeper's or the arbitrageur's): the local network at `rpcUrl`, polled every POLL_MS. */
const botArgs = (main: string, rpcUrl: string) => [
  ...TS_NODE,
  main,
  "--network",
  "localhost",
  "--rpc-url",
  rpcUrl,
  "--poll-interval",
  String(POLL_MS),
];

/** The indexer's API under npm start, which the app's Portfolio page reads. */
export const indexerUrl = (options: StartOptions) => `http://127.0.0.1:${options.indexerPort}`;

const account = (index: number) => {
  const address = computeAddress(devPrivateKey(index));
  return `account ${index} (${address.slice(0, 6)}…${address.slice(-4)})`;
};

export const SERVICES: ServiceSpec[] = [
  {
    name: "market",
    enabled: (options) => options.market,
    echo: true,
    args: ({ root, rpcUrl, options }) => [
      ...TS_NODE,
      path.join(root, "scripts/market.ts"),
      "--network",
      "localhost",
      "--rpc-url",
      rpcUrl,
      "--speed",
      String(options.speedSeconds),
      "--from",
      options.from,
      "--seed",
      String(options.seed),
      ...(options.randomWalk ? ["--random-walk"] : []),
    ],
    describe: ({ options }) =>
      `${options.randomWalk ? "every market walks randomly" : `BTC and ETH replay their daily closes from ${options.from}, SOL walks randomly`}; one day every ${options.speedSeconds} s; ${account(SERVICE_ACCOUNTS.market)}`,
  },
  {
    name: "keeper",
    args: ({ root, rpcUrl }) => botArgs(path.join(root, "scripts/keeper.ts"), rpcUrl),
    env: () => ({ KEEPER_PRIVATE_KEY: devPrivateKey(SERVICE_ACCOUNTS.keeper) }),
    describe: ({ logDir }) =>
      `rebalances every token that is due (looks every ${POLL_MS / 1000} s); ${account(SERVICE_ACCOUNTS.keeper)}; log ${logDir}/keeper.log`,
  },
  {
    name: "arbitrageur",
    args: ({ root, rpcUrl }) => botArgs(path.join(root, "scripts/arbitrage.ts"), rpcUrl),
    env: () => ({ ARB_PRIVATE_KEY: devPrivateKey(SERVICE_ACCOUNTS.arbitrageur) }),
    describe: ({ logDir }) =>
      `holds every pool at NAV by minting or redeeming against it when that pays; ${account(SERVICE_ACCOUNTS.arbitrageur)}; log ${logDir}/arbitrageur.log`,
  },
  {
    name: "indexer",
    // A fresh chain every time: --fresh starts the embedded database from nothing.
    args: ({ root, options }) => [
      ...TS_NODE,
      path.join(root, "scripts/indexer.ts"),
      "--network",
      "localhost",
      "--port",
      String(options.indexerPort),
      "--fresh",
    ],
    env: ({ rpcUrl }) => ({ LOCALHOST_RPC_URL: rpcUrl }),
    describe: ({ logDir, options }) =>
      `${indexerUrl(options)} (Ponder, PGlite in out/indexer/localhost/): positions, PnL and fees for the Portfolio page and lt:portfolio; log ${logDir}/indexer.log`,
  },
];
