import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { startEndpoint, type Endpoint, type EndpointOptions } from "../../scripts/rehearse/endpoint";
import { planRequest } from "../../scripts/rehearse/endpointRules";

interface Call {
  id: number;
  method: string;
  params?: unknown[];
}

/** A scripted node on a loopback port: its head is block 20,000 and eth_getLogs answers `logsPerCall` logs. */
async function startFakeNode(logsPerCall: number) {
  const seen: string[] = [];
  const answer = (call: Call) => {
    seen.push(call.method);
    if (call.method === "eth_blockNumber") return { jsonrpc: "2.0", id: call.id, result: "0x4e20" };
    if (call.method === "eth_getLogs") {
      const logs = Array.from({ length: logsPerCall }, (_, i) => ({ blockNumber: `0x${i.toString(16)}` }));
      return { jsonrpc: "2.0", id: call.id, result: logs };
    }
    return { jsonrpc: "2.0", id: call.id, result: call.method };
  };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const parsed = JSON.parse(body) as Call | Call[];
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

type FakeNode = Awaited<ReturnType<typeof startFakeNode>>;

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const call = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: "2.0", id, method, params });

describe("The rehearsal endpoint (a public-RPC-like proxy)", function () {
  this.timeout(30_000);
  let node: FakeNode;
  let endpoint: Endpoint;
  let clock: number;
  let waited: number[];

  /** An endpoint with a frozen clock and a sleep that only records: no test waits or depends on wall time. */
  const start = async (options: Partial<EndpointOptions> = {}, logsPerCall = 3) => {
    node = await startFakeNode(logsPerCall);
    clock = 1_000_000;
    waited = [];
    endpoint = await startEndpoint({
      target: node.url,
      errorRate: 0,
      dropRate: 0,
      now: () => clock,
      sleep: async (ms) => void waited.push(ms),
      ...options,
    });
  };

  afterEach(async () => {
    await endpoint?.close();
    await node?.close();
  });

  it("listens on a loopback port and answers single calls and batches as the node does", async () => {
    await start();
    expect(endpoint.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await post(endpoint.url, call(1, "eth_chainId"))).json()).to.deep.equal({
      jsonrpc: "2.0",
      id: 1,
      result: "eth_chainId",
    });
    const batch = (await (await post(endpoint.url, [call(2, "eth_gasPrice"), call(3, "net_version")])).json()) as {
      id: number;
      result: string;
    }[];
    expect(batch.map((a) => [a.id, a.result])).to.deep.equal([
      [2, "eth_gasPrice"],
      [3, "net_version"],
    ]);
    expect(endpoint.counters).to.include({ requests: 2, calls: 3, rateLimited: 0, errorsInjected: 0 });
  });

  it("rate-limits each client to 25 calls a second with HTTP 429 and Retry-After, a path being a client", async () => {
    await start();
    for (let i = 0; i < 25; i++) expect((await post(endpoint.url, call(i, "eth_blockNumber"))).status).to.equal(200);
    const refused = await post(endpoint.url, call(26, "eth_blockNumber"));
    expect(refused.status).to.equal(429);
    expect(refused.headers.get("retry-after")).to.equal("1");
    expect(((await refused.json()) as { error: { code: number } }).error.code).to.equal(429);
    expect((await post(`${endpoint.url}/keeper`, call(27, "eth_blockNumber"))).status).to.equal(200);
    clock += 1_000;
    expect((await post(endpoint.url, [call(28, "eth_blockNumber"), call(29, "eth_chainId")])).status).to.equal(200);
    expect(endpoint.counters.rateLimited).to.equal(1);
    expect(node.seen.length, "a refused request never reaches the node").to.equal(25 + 1 + 2);
  });

  it("answers a page's CORS preflight without counting it, and lets any origin read answers and a 429's Retry-After", async () => {
    await start({ ratePerSecond: 1, burst: 1 });
    const preflight = await fetch(endpoint.url, {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1:5173", "access-control-request-method": "POST" },
    });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
    expect(preflight.headers.get("access-control-allow-headers")).to.equal("content-type");
    expect(endpoint.counters.requests, "a preflight is not a request").to.equal(0);
    const answered = await post(endpoint.url, call(1, "eth_chainId"));
    expect(answered.headers.get("access-control-allow-origin")).to.equal("*");
    const refused = await post(endpoint.url, call(2, "eth_chainId"));
    expect(refused.status).to.equal(429);
    expect(refused.headers.get("access-control-allow-origin")).to.equal("*");
    expect(refused.headers.get("access-control-expose-headers")).to.equal("retry-after");
    expect(node.seen).to.deep.equal(["eth_chainId"]);
  });

  it("refuses eth_getLogs over 10,000 blocks without asking the node, alone or inside a batch", async () => {
    await start();
    const wide = call(1, "eth_getLogs", [{ fromBlock: "earliest", toBlock: "latest" }]);
    const alone = (await (await post(endpoint.url, wide)).json()) as { error: { code: number; message: string } };
    expect(alone.error).to.deep.equal({ code: -32602, message: "range 20000 exceeds limit of 10000" });
    const narrow = call(2, "eth_getLogs", [{ fromBlock: "0x2711", toBlock: "latest" }]);
    const batch = (await (await post(endpoint.url, [wide, narrow, call(3, "eth_chainId")])).json()) as {
      error?: { code: number };
      result?: unknown[];
    }[];
    expect(batch[0].error?.code).to.equal(-32602);
    expect(batch[1].result).to.have.length(3);
    expect(batch[2].result).to.equal("eth_chainId");
    expect(endpoint.counters.logsRangeRefused).to.equal(2);
    expect(node.seen.filter((m) => m === "eth_getLogs")).to.have.length(1);
  });

  it("refuses eth_getLogs that matched more than 10,000 logs, with the range to ask instead", async () => {
    await start({}, 10_001);
    const answer = (await (
      await post(endpoint.url, call(1, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x2000" }]))
    ).json()) as {
      error: { code: number; data: unknown };
    };
    expect(answer.error.code).to.equal(-32005);
    expect(answer.error.data).to.deep.equal({ from: "0x0", to: "0x270f", limit: 10_000 });
    expect(endpoint.counters.logsRangeRefused).to.equal(1);
  });

  it("plays the seed's 5xx answers, dropped connections and latencies, before or after the node, and counts them", async () => {
    const rules = { seed: 5, errorRate: 0.25, dropRate: 0.25, ratePerSecond: 1_000, burst: 1_000 };
    await start(rules);
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const before = node.seen.length;
      const outcome = await post(endpoint.url, call(i, "eth_chainId")).then(
        (r) => String(r.status),
        () => "dropped",
      );
      const plan = planRequest(endpoint.rules, i);
      const expected =
        plan.fault.kind === "error" ? String(plan.fault.status) : plan.fault.kind === "drop" ? "dropped" : "200";
      expect(outcome, `request ${i}`).to.equal(expected);
      const reached = plan.fault.kind === "none" || plan.fault.afterForward;
      expect(node.seen.length - before, `request ${i} reached the node`).to.equal(reached ? 1 : 0);
      outcomes.push(outcome);
    }
    expect(waited).to.deep.equal(Array.from({ length: 40 }, (_, i) => planRequest(endpoint.rules, i).latencyMs));
    expect(waited.every((ms) => ms >= 50 && ms <= 300)).to.equal(true);
    const { errorsInjected, connectionsDropped, requests } = endpoint.counters;
    expect(errorsInjected)
      .to.equal(outcomes.filter((o) => /^50[234]$/.test(o)).length)
      .and.be.greaterThan(3);
    expect(connectionsDropped)
      .to.equal(outcomes.filter((o) => o === "dropped").length)
      .and.be.greaterThan(3);
    expect(requests).to.equal(40);
  });

  it("injects the same faults in the same order for the same seed", async () => {
    const run = async (seed: number) => {
      await start({ seed, errorRate: 0.2, dropRate: 0.2 });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await post(endpoint.url, call(i, "eth_chainId")).then(
            (r) => String(r.status),
            () => "dropped",
          ),
        );
      }
      await endpoint.close();
      await node.close();
      return outcomes;
    };
    const first = await run(11);
    expect(await run(11)).to.deep.equal(first);
    expect(await run(12)).to.not.deep.equal(first);
  });
});
