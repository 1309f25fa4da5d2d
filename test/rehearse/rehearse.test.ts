import { expect } from "chai";
import { readFileSync } from "node:fs";
import { percentile, writeReport, type RehearsalReport } from "../../scripts/rehearse/report";
import { rehearsalDir, rehearse } from "../../scripts/rehearse/rehearse";

describe("npm run rehearse (a short Arbitrum Sepolia rehearsal)", function () {
  this.timeout(900_000);

  it("takes nearest-rank percentiles, null for none", () => {
    expect(percentile([], 50)).to.equal(null);
    expect(percentile([3, 1, 2], 50)).to.equal(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).to.equal(10);
    expect(percentile([4, 1], 100)).to.equal(4);
  });

  it("deploys within the faucet (killed half-way and resumed), keeps, arbitrages and serves holders, and writes the report", async () => {
    const lines: string[] = [];
    const report: RehearsalReport = await rehearse({
      network: "arbitrumSepolia",
      minutes: 1,
      seed: 1,
      holders: 2,
      // Once the holders are done, two months of prices in 30 s: a 3x token's band (about -11% / +33%, a short's
      // +6.7% / -11%) is crossed.
      daysPerMinute: 120,
      minBotSeconds: 30,
      log: (line) => lines.push(line),
    });
    const file = writeReport(rehearsalDir("arbitrumSepolia"), report);
    const written = JSON.parse(readFileSync(file, "utf8")) as RehearsalReport;
    // On a failure, the log and the report's notes (what the bots did or why not).
    const context = [...lines, ...written.notes.map((note) => `note: ${note}`)].join("\n");
    expect(written.network).to.equal("arbitrumSepolia");
    expect(written.chainId).to.equal(421614);
    expect(written.deploy.ok, context).to.equal(true);
    expect(written.deploy.resumedAfterKill, context).to.equal(true);
    expect(written.deploy.transactions).to.be.greaterThan(0);
    expect(written.deploy.dryRunEth).to.not.equal(null);
    expect(written.holders.tasks).to.equal(12);
    expect(written.holders.failed, context).to.equal(0);
    expect(written.keeper.rebalances, context).to.be.greaterThan(0);
    // The operator gave the first token a 30 s rebalance interval: a time-triggered rebalance, its latency read on
    // the chain from the block in which it fell due.
    expect(written.keeper.latencyBlocksByTrigger.time.count, context).to.be.greaterThan(0);
    expect(written.keeper.latencyBlocksByTrigger.time.max, context).to.not.equal(null);
    // The report's latency is the chain's, over both triggers.
    const { time, band } = written.keeper.latencyBlocksByTrigger;
    expect(written.keeper.latencyBlocks.max, context).to.equal(Math.max(time.max ?? -1, band.max ?? -1));
    // Half-way the operator's keeper was killed and a third party's keeper started (the takeover's figures).
    expect(written.keeper.takeover.operatorKilledAtBlock, context).to.not.equal(null);
    expect(written.keeper.takeover.byThirdParty).to.be.at.most(written.keeper.takeover.rebalancesAfter);
    expect(written.rpc.requests).to.be.greaterThan(0);
    // The app served for the network listed every token and a token's history through the endpoint.
    expect(written.app.tokenListMs, context).to.not.equal(null);
    expect(written.app.tokenPageMs, context).to.not.equal(null);
    // A premium sampled after the feed updates of the bots' time (the prices play 120 days a minute then).
    expect(written.arbitrage.samples, context).to.be.greaterThan(0);
    expect(written.errors.unrecovered, context).to.equal(0);
    // The checks under the table are the report's own figures judged (checks.ts): here those the test run must meet.
    const verdict = (name: string) => written.checks.find((c) => c.name === name)?.ok;
    expect(verdict("deployment resumed after its kill")).to.equal(true);
    expect(verdict("errors a user must fix")).to.equal(true);
  });
});
