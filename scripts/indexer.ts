import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import dotenv from "dotenv";
import { readAddressBook } from "../src/node/addressBookFile";
import { NETWORK_NAMES, networkRpcUrl, redactUrl } from "../src/chain/networks";
import { PROJECT_ROOT } from "../src/node/projectRoot";
import { DEFAULT_INDEXER_PORT } from "../src/indexer/constants";
import { startIndexer, stopPonder, waitReady } from "../src/indexer/server";

/*
 * `npm run indexer -- --network <name> [--port 42069] [--fresh]`: indexes the network's address book with Ponder
 * (indexer/) and serves its API on loopback. PGlite in out/indexer/<network>/ unless DATABASE_URL names a Postgres.
 * SIGINT / SIGTERM stop it (exit 0).
 */

const USAGE = "usage: npm run indexer -- --network <name> [--port 42069] [--fresh]";

function parseArgs(argv: string[]): { network: string; port: number; fresh: boolean } {
  let network = "";
  let port = Number(process.env.INDEXER_PORT || DEFAULT_INDEXER_PORT);
  let fresh = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--network") network = argv[++i] ?? "";
    else if (arg === "--port") port = Number(argv[++i]);
    else if (arg === "--fresh") fresh = true;
    else throw new Error(`unknown argument "${arg}": ${USAGE}`);
  }
  if (!network) throw new Error(`--network is required: ${USAGE}`);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a port number: ${USAGE}`);
  return { network, port, fresh };
}

async function main(): Promise<number> {
  dotenv.config({ path: path.join(PROJECT_ROOT, ".env"), quiet: true });
  const { network, port, fresh } = parseArgs(process.argv.slice(2));
  const rpc = networkRpcUrl(network, process.env);
  if (!rpc.url) {
    throw new Error(
      rpc.variable
        ? `network ${network}: ${rpc.variable} is not set (see .env.example)`
        : `unknown network "${network}": one of ${NETWORK_NAMES.filter((n) => n !== "hardhat").join(", ")}`,
    );
  }
  const book = readAddressBook(PROJECT_ROOT, network);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  // Every signal (a terminal's Ctrl-C reaches Ponder too, then a supervisor's SIGTERM follows) stops Ponder, from
  // the moment it is spawned; this process ends when Ponder has.
  let ponder: ChildProcess | undefined;
  let stopping = false;
  let end: (code: number) => void = () => undefined;
  const stop = () => {
    if (!ponder) process.exit(0);
    if (stopping) return;
    stopping = true;
    // Ends once Ponder and what it started are gone.
    void stopPonder(ponder).then(() => end(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // A parent that is gone (npm start killed hard) stops the indexer too, so that none is left running.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 1_000).unref();
  const ended = new Promise<number>((resolve) => {
    end = resolve;
    const onSpawn = (child: ChildProcess) => {
      ponder = child;
      // Stopped by a signal: `stop` ends when Ponder's children are gone too.
      child.once("exit", (code, signal) => stopping || resolve(signal ? 0 : (code ?? 0)));
    };
    startIndexer({
      root: PROJECT_ROOT,
      book,
      rpcUrl: rpc.url!,
      port,
      dataDir: path.join(PROJECT_ROOT, "out", "indexer", network),
      databaseUrl,
      fresh,
      onSpawn,
    }).then(
      (indexer) => {
        const where = databaseUrl ? `Postgres ${redactUrl(databaseUrl)}` : `PGlite in out/indexer/${network}/pglite`;
        console.log(
          `indexer     ${indexer.url} (${network}, from block ${indexer.startBlock}; ${where}, schema ${indexer.schema})`,
        );
        console.log(`  API       ${indexer.url}/portfolio/<address>, ${indexer.url}/fees, ${indexer.url}/graphql`);
        waitReady(indexer.url, 24 * 3600_000).then(
          () => console.log(`indexer     caught up with ${redactUrl(rpc.url!)}`),
          () => undefined,
        );
      },
      (error: Error) => {
        if (stopping) return;
        console.error(`error: ${error.message}`);
        ponder?.kill("SIGKILL");
        resolve(1);
      },
    );
  });
  return ended;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
