import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * `/metrics` (Prometheus text of `registry`) and `/healthz` (200 while `health()` says ok, else 503) on 127.0.0.1
 * only.
 */
export function serveMetrics(
  registry: Registry,
  port: number,
  health: () => { ok: boolean; detail: Record<string, unknown> },
): Promise<Server> {
  const server = createServer((request, response) => {
    const url = (request.url ?? "/").split("?")[0];
    if (url === "/metrics") {
      registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
      return;
    }
    if (url === "/healthz") {
      const { ok, detail } = health();
      response.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok, ...detail }));
      return;
    }
    response.writeHead(404);
    response.end("not found\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
