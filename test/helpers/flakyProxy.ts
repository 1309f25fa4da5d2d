import { createServer, type IncomingMessage, type Server } from "node:http";

/** What the proxy does with one JSON-RPC request. */
export type Fate =
  /** Forward it and answer. */
  | "pass"
  /** Close the connection before forwarding: the node never sees the request. */
  | "dropBefore"
  /** Forward it, then close the connection instead of answering: the node acted, the caller never hears. */
  | "dropAfter"
  /** Answer HTTP 503 with a text page, as a busy public endpoint does, without forwarding it. */
  | "busyBefore"
  /** Forward it, then answer HTTP 503 instead of the node's answer: the node acted, the caller sees an error page. */
  | "busyAfter"
  /** Answer HTTP 429 (rate limited) with `Retry-After: 0`, without forwarding it. */
  | "rateLimited";

export interface FlakyProxy {
  url: string;
  /** Every request seen, by method, in order, with its fate. */
  seen: { method: string; fate: Fate }[];
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });

/**
 * A JSON-RPC proxy on a loopback port in front of `target` that drops connections as `fate` decides, the way a node
 * closing a pooled keep-alive connection does ("other side closed"), or answers as a busy public endpoint does (503,
 * 429): for tests of what survives it.
 */
export async function startFlakyProxy(
  target: string,
  fate: (method: string, index: number) => Fate,
): Promise<FlakyProxy> {
  const seen: FlakyProxy["seen"] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const parsed = JSON.parse(body) as { method: string } | { method: string }[];
    const method = Array.isArray(parsed) ? parsed.map((p) => p.method).join(",") : parsed.method;
    const what = fate(method, seen.length);
    seen.push({ method, fate: what });
    if (what === "dropBefore") {
      request.socket.destroy();
      return;
    }
    if (what === "busyBefore" || what === "rateLimited") {
      const status = what === "busyBefore" ? 503 : 429;
      response.writeHead(status, { "content-type": "text/plain", ...(status === 429 ? { "retry-after": "0" } : {}) });
      response.end(status === 503 ? "Service Unavailable" : "Too Many Requests");
      return;
    }
    const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await answer.text();
    if (what === "dropAfter") {
      request.socket.destroy();
      return;
    }
    if (what === "busyAfter") {
      response.writeHead(503, { "content-type": "text/plain" });
      response.end("Service Unavailable");
      return;
    }
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
