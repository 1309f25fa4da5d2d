/**
 * A public-RPC-like endpoint: an HTTP JSON-RPC proxy on loopback in front of a node, with the rules of
 * `endpointRules.ts` (a rate limit per client, the `eth_getLogs` limits, 5xx answers, dropped connections, latency),
 * all seeded, and counters for the rehearsal's report. Plain Node http: no Hardhat in here.
 *
 * A client is its address and the URL's path, so that each tool can be given its own "API key" as a path
 * (`http://127.0.0.1:PORT/keeper`) and its own rate limit, as with a public provider.
 *
 *   ts-node --transpile-only scripts/rehearse/endpoint.ts --target http://127.0.0.1:8545 [--port 8645] [--seed 1]
 *     [--rate 25] [--error-rate 0.01] [--drop-rate 0.005]
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { onStopRequest } from "../../src/node/lifecycle";
import {
  DEFAULT_RULES,
  needsHead,
  planRequest,
  RateLimiter,
  refuseRange,
  refuseResults,
  type EndpointRules,
  type Fault,
  type JsonRpcCall,
} from "./endpointRules";

export interface EndpointCounters {
  /** HTTP requests received (a batch is one). */
  requests: number;
  /** JSON-RPC calls received (a batch of n is n). */
  calls: number;
  /** Requests answered 429. */
  rateLimited: number;
  /** `eth_getLogs` calls refused for their range or their number of results. */
  logsRangeRefused: number;
  /** Requests answered with an injected 5xx. */
  errorsInjected: number;
  /** Requests whose connection was destroyed without an answer. */
  connectionsDropped: number;
}

export interface EndpointOptions extends Partial<EndpointRules> {
  /** The node's JSON-RPC URL. */
  target: string;
  /** A loopback port (default: a free one). */
  port?: number;
  /** The clock of the rate limit, in ms (default Date.now). */
  now?: () => number;
  /** How latency is waited (default setTimeout): a test counts instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
}

export interface Endpoint {
  url: string;
  rules: EndpointRules;
  counters: EndpointCounters;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString()));
    request.on("error", reject);
  });

/**
 * What public RPCs answer a page's request with (the app's wallet reads from the page): any origin, and the 429's
 * Retry-After readable by the page.
 */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "retry-after",
};

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { ...CORS, "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

export async function startEndpoint(options: EndpointOptions): Promise<Endpoint> {
  const { target, port = 0, now = Date.now } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const rules: EndpointRules = { ...DEFAULT_RULES };
  for (const key of Object.keys(DEFAULT_RULES) as (keyof EndpointRules)[]) {
    if (options[key] !== undefined) Object.assign(rules, { [key]: options[key] });
  }
  const counters: EndpointCounters = {
    requests: 0,
    calls: 0,
    rateLimited: 0,
    logsRangeRefused: 0,
    errorsInjected: 0,
    connectionsDropped: 0,
  };
  const limiter = new RateLimiter(rules, now);

  const forward = async (calls: JsonRpcCall[]): Promise<unknown[]> => {
    const answer = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(calls),
    });
    const body = (await answer.json()) as unknown;
    if (!Array.isArray(body) || body.length !== calls.length) throw new Error(`the node answered ${answer.status}`);
    return body;
  };

  /** The answers to `calls`, in order: `eth_getLogs` over its limits refused, the rest asked of the node. */
  const answerAll = async (calls: JsonRpcCall[]): Promise<unknown[]> => {
    const logs = (call: JsonRpcCall) => call.method === "eth_getLogs";
    const head = calls.some((c) => logs(c) && needsHead(c))
      ? Number(
          ((await forward([{ jsonrpc: "2.0", id: 0, method: "eth_blockNumber" }]))[0] as { result: string }).result,
        )
      : 0;
    const answers: unknown[] = calls.map((c) => (logs(c) ? refuseRange(c, head, rules) : undefined));
    const asked = calls.filter((_, i) => answers[i] === undefined);
    const got = asked.length > 0 ? await forward(asked) : [];
    let next = 0;
    return answers.map((refused, i) => {
      if (refused) {
        counters.logsRangeRefused += 1;
        return refused;
      }
      const answer = got[next++] as { result?: unknown };
      const tooMany = logs(calls[i]) && Array.isArray(answer.result);
      const refusal = tooMany
        ? refuseResults(calls[i], answer.result as { blockNumber: string }[], head, rules)
        : undefined;
      if (refusal) counters.logsRangeRefused += 1;
      return refusal ?? answer;
    });
  };

  /** Plays `fault`; true when it ended the request. */
  const inject = (fault: Fault, request: IncomingMessage, response: ServerResponse): boolean => {
    if (fault.kind === "error") {
      counters.errorsInjected += 1;
      response.writeHead(fault.status, { ...CORS, "content-type": "text/plain" });
      response.end(STATUS_CODES[fault.status]);
      return true;
    }
    if (fault.kind === "drop") {
      counters.connectionsDropped += 1;
      request.socket.destroy();
      return true;
    }
    return false;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === "OPTIONS") {
      // A browser's CORS preflight: answered at once, neither counted nor limited.
      response.writeHead(204, {
        ...CORS,
        "access-control-allow-methods": "POST, OPTIONS",
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "86400",
      });
      return response.end();
    }
    const index = counters.requests++;
    const body = await readBody(request);
    let parsed: JsonRpcCall | JsonRpcCall[];
    try {
      parsed = JSON.parse(body) as JsonRpcCall | JsonRpcCall[];
    } catch {
      return json(response, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    counters.calls += calls.length;
    const client = `${request.socket.remoteAddress} ${new URL(request.url ?? "/", "http://endpoint").pathname}`;
    const retryAfter = limiter.take(client, calls.length);
    const plan = planRequest(rules, index);
    await sleep(plan.latencyMs);
    if (retryAfter > 0) {
      counters.rateLimited += 1;
      const message = `too many requests: ${rules.ratePerSecond} a second per client; retry after ${retryAfter} s`;
      const error = { jsonrpc: "2.0", id: calls[0]?.id ?? null, error: { code: 429, message } };
      return json(response, 429, error, { "retry-after": String(retryAfter) });
    }
    const after = plan.fault.kind !== "none" && plan.fault.afterForward;
    if (!after && inject(plan.fault, request, response)) return;
    const answers = await answerAll(calls);
    if (after && inject(plan.fault, request, response)) return;
    json(response, 200, Array.isArray(parsed) ? answers : answers[0]);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent || request.socket.destroyed) return;
      response.writeHead(502, { ...CORS, "content-type": "text/plain" });
      response.end(`Bad Gateway: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the endpoint has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    rules,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      target: { type: "string", default: "http://127.0.0.1:8545" },
      port: { type: "string", default: "0" },
      seed: { type: "string", default: String(DEFAULT_RULES.seed) },
      rate: { type: "string", default: String(DEFAULT_RULES.ratePerSecond) },
      "error-rate": { type: "string", default: String(DEFAULT_RULES.errorRate) },
      "drop-rate": { type: "string", default: String(DEFAULT_RULES.dropRate) },
    },
  });
  const number = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0, not "${text}"`);
    return value;
  };
  const endpoint = await startEndpoint({
    target: values.target,
    port: number("port", values.port),
    seed: number("seed", values.seed),
    ratePerSecond: number("rate", values.rate),
    burst: number("rate", values.rate),
    errorRate: number("error-rate", values["error-rate"]),
    dropRate: number("drop-rate", values["drop-rate"]),
  });
  console.log(`endpoint ${endpoint.url} -> ${values.target} (seed ${endpoint.rules.seed}); Ctrl-C prints the counters`);
  const stop = async () => {
    await endpoint.close();
    console.log(JSON.stringify(endpoint.counters));
    process.exit(0);
  };
  onStopRequest(() => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
