import { expect } from "chai";
import { rehearsalChecks } from "../../scripts/rehearse/checks";
import type { RehearsalReport } from "../../scripts/rehearse/report";

describe("The rehearsal's checks", () => {
  const none = { p50: null, p95: null, max: null };
  const figures = (): Omit<RehearsalReport, "checks"> => ({
    network: "sepolia",
    chainId: 11155111,
    minutes: 5,
    seed: 1,
    faucetEth: "0.5",
    deploy: {
      ok: true,
      resumedAfterKill: true,
      transactions: 31,
      gas: 27_000_000,
      ethSpent: "0.0525",
      dryRunEth: "0.05",
      dryRunGas: 27_800_000,
      parts: ["the whole spec"],
    },
    keeper: {
      rebalances: 3,
      latencyBlocks: { p50: 1, p95: 2, max: 2 },
      latencySeconds: { p50: 12, p95: 24 },
      loggedByKeeper: { latencyBlocks: none, latencySeconds: { p50: null, p95: null } },
      latencyBlocksByTrigger: { time: { count: 3, p50: 1, p95: 1, max: 1 }, band: { count: 0, ...none } },
      replaced: 0,
      failed: 0,
      takeover: {
        operatorKilledAtBlock: 40,
        rebalancesAfter: 1,
        byThirdParty: 1,
        latencyBlocks: { p50: 1, p95: 1, max: 1 },
        latencySeconds: { p50: 12, p95: 12 },
        rewardsUsdc: 0,
      },
    },
    arbitrage: {
      updates: 10,
      arbitraged: 2,
      premiumAfterUpdate: { p50: 0.001, p95: 0.004 },
      premiumWithABlock: { samples: 4, p50: 0.001, p95: 0.002 },
      samples: 10,
      blocksToAnswer: { count: 2, p50: 1, p95: 1 },
      samplesByKind: { acted: 2, cut: 6, waited: 2 },
    },
    holders: { tasks: 12, refused: 0, reverted: 0, failed: 0 },
    rpc: { requests: 1, rateLimited: 0, logsRangeRefused: 0, errorsInjected: 0, connectionsDropped: 0 },
    chain: { blocks: 100, spikes: 1, dropped: 1 },
    app: { tokenListMs: 900, tokenPageMs: 2_000 },
    errors: { seen: 1, unrecovered: 0 },
    notes: [],
  });
  const verdicts = (report: Omit<RehearsalReport, "checks">) =>
    Object.fromEntries(rehearsalChecks(report).map((c) => [c.name, c.ok]));

  it("passes a run that meets every target; a trigger with no rebalance in the run is not applicable", () => {
    const checks = rehearsalChecks(figures());
    expect(checks.filter((c) => c.ok === false)).to.deep.equal([]);
    const band = checks.find((c) => c.name === "keeper: band breach latency p95")!;
    expect(band).to.include({ ok: null, measured: "none in the run" });
    expect(checks.find((c) => c.name === "dry run's ETH against the spent")!.measured).to.equal("5.0% off");
  });

  it("fails each check on its own figure, and a figure not measured", () => {
    const slow = figures();
    slow.keeper.latencyBlocksByTrigger.time = { count: 20, p50: 1, p95: 2, max: 3 };
    expect(verdicts(slow)["keeper: time trigger latency p95"]).to.equal(false);
    const band = figures();
    band.keeper.latencyBlocksByTrigger.band = { count: 4, p50: 1, p95: 3, max: 3 };
    expect(verdicts(band)["keeper: band breach latency p95"]).to.equal(false);
    const costly = figures();
    costly.deploy.ethSpent = "0.056";
    expect(verdicts(costly)["dry run's ETH against the spent"]).to.equal(false);
    costly.deploy.ethSpent = "0.6";
    expect(verdicts(costly)["deployment within the faucet"]).to.equal(false);
    const noDry = figures();
    noDry.deploy.dryRunEth = null;
    expect(rehearsalChecks(noDry).find((c) => c.name === "dry run's ETH against the spent")).to.include({
      ok: false,
      measured: "-",
    });
    const noApp = figures();
    noApp.app.tokenListMs = null;
    expect(verdicts(noApp)["app: every token listed"]).to.equal(false);
    const reverted = figures();
    reverted.holders.reverted = 1;
    expect(verdicts(reverted)["holder tasks failed or reverted once mined"]).to.equal(false);
    const unrecovered = figures();
    unrecovered.errors.unrecovered = 1;
    expect(verdicts(unrecovered)["errors a user must fix"]).to.equal(false);
    const notResumed = figures();
    notResumed.deploy.resumedAfterKill = false;
    expect(verdicts(notResumed)["deployment resumed after its kill"]).to.equal(false);
  });
});
