import { requireSupportedNode } from "../nodeVersion";
requireSupportedNode();
import path from "node:path";
import dotenv from "dotenv";
import { readAddressBook } from "../addressBook";
import { NETWORK_NAMES, networkRpcUrl, redactUrl } from "../networks";
import { PROJECT_ROOT } from "../projectRoot";
import { DEFAULT_INDEXER_PORT, startIndexer, waitReady } from "./server";

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
  const indexer = await startIndexer({
    root: PROJECT_ROOT,
    book,
    rpcUrl: rpc.url,
    port,
    dataDir: path.join(PROJECT_ROOT, "out", "indexer", network),
    databaseUrl,
    fresh,
  });
  const where = databaseUrl ? `Postgres ${redactUrl(databaseUrl)}` : `PGlite in out/indexer/${network}/pglite`;
  const database = `${where}, schema ${indexer.schema}`;
  console.log(`indexer     ${indexer.url} (${network}, from block ${indexer.startBlock}; ${database})`);
  console.log(`  API       ${indexer.url}/portfolio/<address>, ${indexer.url}/fees, ${indexer.url}/graphql`);
  const stop = () => void indexer.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  waitReady(indexer.url, 24 * 3600_000).then(
    () => console.log(`indexer     caught up with ${redactUrl(rpc.url!)}`),
    () => undefined,
  );
  return new Promise((resolve) => {
    indexer.child.once("exit", (code, signal) =>
      resolve(signal === "SIGTERM" || signal === "SIGINT" ? 0 : (code ?? 0)),
    );
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
