import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { JsonRpcProvider, Network } from "ethers";
import { ResilientJsonRpcProvider, retryAfterMs } from "../../src/rpc/provider";

/**
 * A JSON-RPC endpoint on a loopback port that rate-limits as a public one does: every request within `windowMs` of
 * the first is answered HTTP 429 with `Retry-After: 1` (seconds); later ones get `eth_blockNumber`'s answer.
 */
async function rateLimitedEndpoint(windowMs: number) {
  const arrivals: number[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      arrivals.push(Date.now());
      if (arrivals[arrivals.length - 1] - arrivals[0] < windowMs) {
        response.writeHead(429, { "content-type": "text/plain", "retry-after": "1" });
        response.end("Too Many Requests");
        return;
      }
      const payload = JSON.parse(body) as { id: number } | { id: number }[];
      const answer = (p: { id: number }) => ({ jsonrpc: "2.0", id: p.id, result: "0x2a" });
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(Array.isArray(payload) ? payload.map(answer) : answer(payload)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => arrivals.length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the bots' provider and a rate-limited endpoint", function () {
  this.timeout(60_000);

  it("reads Retry-After as seconds or an HTTP date, at most a minute", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    const after = (value?: string) =>
      retryAfterMs({ headers: value === undefined ? {} : { "retry-after": value } }, now);
    expect(after("2")).to.equal(2_000);
    expect(after("0")).to.equal(0);
    expect(after("Mon, 07 Dec 2026 12:00:05 GMT")).to.equal(5_000);
    expect(after("Mon, 07 Dec 2026 11:59:00 GMT")).to.equal(0); // a date gone by: at once
    expect(after("3600")).to.equal(60_000);
    expect(after("soon")).to.equal(undefined);
    expect(after()).to.equal(undefined);
  });

  it("waits out a 429's Retry-After once, where ethers' own provider asks again at once until it gives up", async () => {
    const endpoint = await rateLimitedEndpoint(900);
    const provider = new ResilientJsonRpcProvider(endpoint.url, Network.from(31337), { staticNetwork: true });
    try {
      expect(await provider.getBlockNumber()).to.equal(42);
      expect(endpoint.requests()).to.equal(2); // the first, refused; the second, after the second it was told to wait
    } finally {
      provider.destroy();
      await endpoint.close();
    }

    // The failure this guards against: ethers reads "1" as 1 ms and spends its attempts inside the window.
    const plainEndpoint = await rateLimitedEndpoint(900);
    const plain = new JsonRpcProvider(plainEndpoint.url, Network.from(31337), { staticNetwork: true });
    try {
      await plain.getBlockNumber().catch(() => undefined);
      expect(plainEndpoint.requests()).to.be.greaterThan(5);
    } finally {
      plain.destroy();
      await plainEndpoint.close();
    }
  });
});
