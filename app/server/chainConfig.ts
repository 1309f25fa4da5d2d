import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "vite";
import { addressBookSchema, type AddressBook } from "../../src/chain/addressBook";
import type { ChainConfig } from "../src/chain/chainConfig";

/*
 * What the app is served with, at `chain-config.json`: every address book of the deployments directory (the app
 * picks the one of the wallet's chain) and, when a local node runs, its JSON-RPC URL (for reads without a wallet and
 * for the node's dev accounts). Read when asked, so that a deployment made after the server started is seen. A
 * production build gets the address books present at build time and no local node.
 */

export const CHAIN_CONFIG_FILE = "chain-config.json";

export interface ChainConfigOptions {
  /** The directory of `<network>.json` address books (deployments/, or LT_DEPLOYMENTS_DIR). */
  deploymentsDir: string;
  localRpcUrl?: string;
  /** The indexer's API for the Portfolio page (INDEXER_URL, or the one npm start runs). */
  indexerUrl?: string;
}

/** The address books of `dir`; files that are not address books are skipped. */
export function readChainConfig(options: ChainConfigOptions): ChainConfig {
  let files: string[] = [];
  try {
    files = readdirSync(options.deploymentsDir).filter((f) => f.endsWith(".json"));
  } catch {
    // no deployments yet: the app says so
  }
  const books: AddressBook[] = [];
  for (const file of files.sort()) {
    try {
      const parsed = addressBookSchema.safeParse(
        JSON.parse(readFileSync(path.join(options.deploymentsDir, file), "utf8")),
      );
      if (parsed.success) books.push(parsed.data);
    } catch {
      // half-written or not JSON: skipped
    }
  }
  return { books, localRpcUrl: options.localRpcUrl, indexerUrl: options.indexerUrl };
}

/** Serves `chain-config.json` from the dev and preview servers, and writes it into a production build. */
export function chainConfigPlugin(options: ChainConfigOptions): Plugin {
  const serve = (req: { url?: string }, res: import("node:http").ServerResponse, next: () => void) => {
    if (!req.url || path.posix.basename(req.url.split("?")[0]) !== CHAIN_CONFIG_FILE) return next();
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(JSON.stringify(readChainConfig(options)));
  };
  return {
    name: "leveraged-tokens-chain-config",
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      this.emitFile({
        type: "asset",
        fileName: CHAIN_CONFIG_FILE,
        // A static build has no local node: only the address books of public networks go in.
        source: JSON.stringify({
          books: readChainConfig(options).books.filter((b) => !["localhost", "hardhat"].includes(b.network)),
        }),
      });
    },
  };
}
