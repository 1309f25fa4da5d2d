/**
 * `npm run app`: builds the app and serves it on loopback, for the chains of the address books in deployments/ (a
 * testnet deployment, or a local node started by hand with `--rpc-url`). `--build-only` writes the static build to
 * out/app-dist (with chain-config.json holding the address books) for any static host. `npm start` serves the app
 * itself, beside the whole local system.
 *
 *   npm run app [-- --port 5173] [--rpc-url http://127.0.0.1:8545] [--build-only]
 */
import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import path from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../src/text/userError";
import { buildApp, serveApp } from "../app/server/serve";
import { APP_DIST } from "../app/viteConfig";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string", default: "5173" },
      "rpc-url": { type: "string" },
      "build-only": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) throw new UserError("--port must be from 1 to 65535");
  const rpcUrl = values["rpc-url"];
  if (rpcUrl !== undefined && !/^https?:\/\/.+/.test(rpcUrl)) {
    throw new UserError(`--rpc-url must be an http(s) URL like http://127.0.0.1:8545, not "${rpcUrl}"`);
  }
  await buildApp({ localRpcUrl: rpcUrl });
  if (values["build-only"]) {
    console.log(`built the app into ${path.relative(process.cwd(), APP_DIST)} (serve it from any static host)`);
    return 0;
  }
  const app = await serveApp({ port, localRpcUrl: rpcUrl }).catch((error: Error) => {
    throw new UserError(
      /EADDRINUSE/.test(error.message) ? `port ${port} is in use: choose --port <port>` : error.message,
    );
  });
  console.log(`the app: ${app.url}${rpcUrl ? ` (local node ${rpcUrl})` : ""}; Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await app.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
