import { builtinModules } from "node:module";
import path from "node:path";
import react from "@vitejs/plugin-react";
import type { InlineConfig, Plugin } from "vite";
import { chainConfigPlugin } from "./server/chainConfig";

/** The app's directory and the project root. */
export const APP_ROOT = path.resolve(__dirname);
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Where `vite build` writes the app. */
export const APP_DIST = path.join(PROJECT_ROOT, "out", "app-dist");

export interface AppServerOptions {
  /** The local node the app reads from and whose dev accounts it offers; none for a testnet-only build. */
  localRpcUrl?: string;
  /** Address books: LT_DEPLOYMENTS_DIR, else deployments/. */
  deploymentsDir?: string;
  /** The indexer's API for the Portfolio page; INDEXER_URL when not given. */
  indexerUrl?: string;
  /** Port of the preview or dev server (loopback). */
  port?: number;
}

/** Fails the build when a module the app imports (from app/ or src/) needs Node: src/ must stay browser-safe. */
function browserOnly(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: "leveraged-tokens-browser-only",
    enforce: "pre",
    resolveId(id, importer) {
      if (id.startsWith("node:") || builtins.has(id)) {
        this.error(`${importer ?? "the app"} imports ${id}: code the app uses must not need Node (split it, see src/)`);
      }
      return null;
    },
  };
}

/**
 * One Vite configuration for every way the app is built and served: `npm run app:build` / `app:dev`, `npm start`,
 * the browser tests and the bench (through Vite's JavaScript API with this object).
 */
export function appViteConfig(options: AppServerOptions = {}): InlineConfig {
  const deploymentsDir =
    options.deploymentsDir ?? process.env.LT_DEPLOYMENTS_DIR ?? path.join(PROJECT_ROOT, "deployments");
  const server = { host: "127.0.0.1", port: options.port ?? 5173, strictPort: true };
  return {
    configFile: false,
    root: APP_ROOT,
    base: "./",
    logLevel: "warn",
    clearScreen: false,
    plugins: [
      browserOnly(),
      react(),
      chainConfigPlugin({
        deploymentsDir,
        localRpcUrl: options.localRpcUrl,
        indexerUrl: options.indexerUrl ?? (process.env.INDEXER_URL || undefined),
      }),
    ],
    build: {
      outDir: APP_DIST,
      emptyOutDir: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1000,
      // No warning when a plugin is slow on a busy machine: npm start and the tests build every time.
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
    // The app imports the library in src/ as `@lt/...` (app/tsconfig.json's paths say the same to tsc).
    resolve: { alias: { "@lt": path.join(PROJECT_ROOT, "src") } },
    worker: { format: "es" },
    server,
    preview: server,
  };
}
