import { expect } from "chai";
import {
  DEFAULT_RULES,
  planRequest,
  RateLimiter,
  refuseRange,
  refuseResults,
} from "../../scripts/rehearse/endpointRules";

describe("The rehearsal endpoint's rules", () => {
  describe("planRequest (seeded faults and latency)", () => {
    const plans = (seed: number, n: number) =>
      Array.from({ length: n }, (_, i) => planRequest({ ...DEFAULT_RULES, seed }, i));

    it("gives the same fates for the same seed, and other fates for another seed", () => {
      expect(plans(7, 500)).to.deep.equal(plans(7, 500));
      expect(plans(8, 500)).to.not.deep.equal(plans(7, 500));
    });

    it("answers about 1% of requests with a 502, 503 or 504, drops about 0.5%, before or after the node", () => {
      const all = plans(1, 20_000);
      const errors = all.filter((p) => p.fault.kind === "error");
      const drops = all.filter((p) => p.fault.kind === "drop");
      expect(errors.length / all.length).to.be.within(0.008, 0.012);
      expect(drops.length / all.length).to.be.within(0.0035, 0.0065);
      const statuses = new Set(errors.map((p) => (p.fault.kind === "error" ? p.fault.status : 0)));
      expect([...statuses].sort()).to.deep.equal([502, 503, 504]);
      const after = [...errors, ...drops].filter((p) => p.fault.kind !== "none" && p.fault.afterForward);
      expect(after.length)
        .to.be.greaterThan(0)
        .and.lessThan(errors.length + drops.length);
    });

    it("keeps every latency within 50-300 ms and spreads it over the whole range", () => {
      const latencies = plans(3, 5_000).map((p) => p.latencyMs);
      expect(Math.min(...latencies)).to.equal(50);
      expect(Math.max(...latencies)).to.equal(300);
      expect(latencies.every(Number.isInteger)).to.equal(true);
      const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
      expect(mean).to.be.within(165, 185);
    });

    it("injects nothing at rates of zero", () => {
      const quiet = Array.from({ length: 2_000 }, (_, i) =>
        planRequest({ ...DEFAULT_RULES, errorRate: 0, dropRate: 0 }, i),
      );
      expect(quiet.every((p) => p.fault.kind === "none")).to.equal(true);
    });
  });

  describe("RateLimiter (a token bucket per client over an injected clock)", () => {
    it("lets 25 calls through in a second, refuses the 26th with the seconds to wait, and refills", () => {
      let now = 1_000_000;
      const limiter = new RateLimiter({ ratePerSecond: 25, burst: 25 }, () => now);
      for (let i = 0; i < 25; i++) expect(limiter.take("a", 1), `call ${i}`).to.equal(0);
      expect(limiter.take("a", 1)).to.equal(1);
      expect(limiter.take("b", 1), "another client has its own bucket").to.equal(0);
      now += 40; // one call's worth at 25 a second
      expect(limiter.take("a", 1)).to.equal(0);
      expect(limiter.take("a", 1)).to.equal(1);
      now += 1_000;
      expect(limiter.take("a", 20), "a batch costs its size").to.equal(0);
      expect(limiter.take("a", 10)).to.equal(1);
    });

    it("charges a batch larger than the burst the whole burst, so that it waits but is never impossible", () => {
      let now = 0;
      const limiter = new RateLimiter({ ratePerSecond: 5, burst: 10 }, () => now);
      expect(limiter.take("a", 100)).to.equal(0);
      expect(limiter.take("a", 100)).to.equal(2); // 10 tokens at 5 a second
      now += 2_000;
      expect(limiter.take("a", 100)).to.equal(0);
    });
  });

  describe("eth_getLogs limits (Infura's answers)", () => {
    const call = (fromBlock?: string, toBlock?: string) => ({
      jsonrpc: "2.0",
      id: 9,
      method: "eth_getLogs",
      params: [{ fromBlock, toBlock, address: "0x0000000000000000000000000000000000000001" }],
    });

    it("refuses more than 10,000 blocks with code -32602 and accepts exactly 10,000", () => {
      expect(refuseRange(call("0x0", "0x270f"), 0, DEFAULT_RULES)).to.equal(undefined);
      expect(refuseRange(call("0x0", "0x2710"), 0, DEFAULT_RULES)).to.deep.equal({
        jsonrpc: "2.0",
        id: 9,
        error: { code: -32602, message: "range 10000 exceeds limit of 10000" },
      });
    });

    it("reads tags against the head: earliest..latest is the whole chain, a missing fromBlock is the head", () => {
      expect(refuseRange(call("earliest", "latest"), 10_000, DEFAULT_RULES)?.error.code).to.equal(-32602);
      expect(refuseRange(call("earliest", "latest"), 9_999, DEFAULT_RULES)).to.equal(undefined);
      expect(refuseRange(call(undefined, undefined), 1_000_000, DEFAULT_RULES)).to.equal(undefined);
      const byHash = { ...call(), params: [{ blockHash: `0x${"ab".repeat(32)}` }] };
      expect(refuseRange(byHash, 1_000_000, DEFAULT_RULES)).to.equal(undefined);
    });

    it("refuses more than 10,000 results with code -32005 and a range that fits", () => {
      // Five logs a block from block 100: the 10,001st log is in block 2,100.
      const logs = Array.from({ length: 10_005 }, (_, i) => ({
        blockNumber: `0x${(100 + Math.floor(i / 5)).toString(16)}`,
      }));
      expect(refuseResults(call("0x64", "0x1000"), logs.slice(0, 10_000), 0, DEFAULT_RULES)).to.equal(undefined);
      const refused = refuseResults(call("0x64", "0x1000"), logs, 0, DEFAULT_RULES);
      expect(refused?.error).to.deep.equal({
        code: -32005,
        message: "query returned more than 10000 results. Try with this block range [0x64, 0x833].",
        data: { from: "0x64", to: "0x833", limit: 10_000 },
      });
      expect(logs.filter((l) => Number(l.blockNumber) <= 0x833).length).to.be.at.most(10_000);
    });
  });
});
