import { build, preview } from "vite";
import { appViteConfig, type AppServerOptions } from "../viteConfig";

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

/** Builds the app (production bundle in out/app-dist) without serving it. */
export async function buildApp(options: AppServerOptions = {}): Promise<void> {
  await build(appViteConfig(options));
}

/**
 * Serves the built app with Vite's preview server on a loopback port (`port` 0: any free one), with the address
 * books of `deploymentsDir` and the local node `localRpcUrl`. A port in use is an error, never another port.
 */
export async function serveApp(options: AppServerOptions & { port: number }): Promise<ServedApp> {
  const config = appViteConfig(options);
  const server = await preview({ ...config, preview: { ...config.preview, port: options.port, strictPort: true } });
  const address = server.httpServer.address();
  if (!address || typeof address !== "object") throw new Error("the app's server has no address");
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => server.close(),
  };
}
