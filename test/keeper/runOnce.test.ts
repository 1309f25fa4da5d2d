import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { NonceManager, parseUnits } from "ethers";
import { ethers } from "hardhat";
import { createLogger } from "../../src/keeper/logger";
import { KeeperMetrics } from "../../src/keeper/metrics";
import { newKeeperState, runOnce, type KeeperContext, type PassConfig } from "../../src/keeper/runOnce";
import { LeveragedToken__factory } from "../../typechain-types";
import { BTC_MARKET, deployKeeperChain } from "../helpers/keeperChain";

const CONFIG: PassConfig = {
  dryRun: false,
  gasLimitMargin: 1.25,
  maxFeePerGas: parseUnits("100", 9),
  confirmations: 1,
  txTimeoutMs: 30_000,
  maxReplacements: 2,
  rpcRetries: 2,
  rpcBackoffMs: 50,
  minBalance: parseUnits("0.05", 18),
};

describe("keeper: runOnce on the in-process chain", () => {
  async function system() {
    const [admin, keeper] = await ethers.getSigners();
    return { ...(await deployKeeperChain(admin)), keeperSigner: keeper };
  }

  function keeperContext(chain: Awaited<ReturnType<typeof system>>, config: Partial<PassConfig> = {}) {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
    const signer = config.dryRun ? undefined : new NonceManager(chain.keeperSigner);
    const runner = signer ?? ethers.provider;
    const context: KeeperContext = {
      provider: ethers.provider,
      signer,
      factory: chain.factory.connect(runner),
      connectToken: (address) => LeveragedToken__factory.connect(address, runner),
      config: { ...CONFIG, ...config },
      logger,
      metrics: new KeeperMetrics(),
      state: newKeeperState(),
    };
    return { context, logs };
  }

  async function rebalanceCount(chain: Awaited<ReturnType<typeof system>>, fromBlock: number) {
    const counts: Record<string, number> = {};
    for (const [symbol, token] of Object.entries(chain.tokens)) {
      counts[symbol] = (await token.queryFilter(token.filters.Rebalanced(), fromBlock)).length;
    }
    return counts;
  }

  it("does nothing while nothing is due", async () => {
    const chain = await loadFixture(system);
    const { context } = keeperContext(chain);
    const report = await runOnce(context);
    expect(report.tokens).to.equal(3);
    expect(report.due).to.deep.equal([]);
    expect(report.rebalanced).to.deep.equal([]);
  });

  it("a price move out of the band gives exactly one rebalance per due token; a second pass does nothing", async () => {
    const chain = await loadFixture(system);
    const from = await ethers.provider.getBlockNumber();
    await chain.btcFeed.updateAnswer(parseUnits("44000", 8)); // -12%: BTC3L above 4x, BTC3S below 2x, BTC2L in band
    const { context, logs } = keeperContext(chain);

    const first = await runOnce(context);
    expect(first.due.sort()).to.deep.equal(["BTC3L", "BTC3S"]);
    expect(first.rebalanced.sort()).to.deep.equal(["BTC3L", "BTC3S"]);
    expect(first.failed).to.deep.equal([]);
    expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });
    for (const token of [chain.tokens.BTC3L, chain.tokens.BTC3S]) expect(await token.rebalanceAction()).to.equal(0n);

    const logged = logs.filter((l) => l.msg === "rebalanced");
    expect(logged).to.have.length(2);
    const btc3l = logged.find((l) => l.token === "BTC3L");
    expect(btc3l).to.include({ trigger: "DRIFT", price: "44000.0" });
    expect(Number(btc3l?.leverageBefore)).to.be.greaterThan(4);
    expect(Number(btc3l?.leverageAfter)).to.be.closeTo(3, 0.01);
    expect(Number(btc3l?.gasUsed)).to.be.greaterThan(0);

    const second = await runOnce(context);
    expect(second.due).to.deep.equal([]);
    expect(second.rebalanced).to.deep.equal([]);
    expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });
  });

  it("a day later the time trigger rebalances every token", async () => {
    const chain = await loadFixture(system);
    const { context, logs } = keeperContext(chain);
    expect((await runOnce(context)).due).to.deep.equal([]);
    await time.increase(86_400);
    await chain.btcFeed.updateAnswer(parseUnits("50000", 8)); // a fresh price: the exchange refuses stale ones
    const from = await ethers.provider.getBlockNumber();
    const report = await runOnce(context);
    expect(report.rebalanced.sort()).to.deep.equal(["BTC2L", "BTC3L", "BTC3S"]);
    expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 1 });
    expect(logs.filter((l) => l.msg === "rebalanced").map((l) => l.trigger)).to.deep.equal(["TIME", "TIME", "TIME"]);
    expect((await runOnce(context)).rebalanced).to.deep.equal([]);
  });

  it("dry run simulates every due rebalance and sends nothing", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(parseUnits("44000", 8));
    const nonceBefore = await ethers.provider.getTransactionCount(chain.keeperSigner.address);
    const block = await ethers.provider.getBlockNumber();
    const { context, logs } = keeperContext(chain, { dryRun: true });
    const report = await runOnce(context);
    expect(report.simulated.sort()).to.deep.equal(["BTC3L", "BTC3S"]);
    expect(report.rebalanced).to.deep.equal([]);
    expect(logs.filter((l) => l.msg === "dry run: would rebalance")).to.have.length(2);
    expect(await ethers.provider.getTransactionCount(chain.keeperSigner.address)).to.equal(nonceBefore);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await chain.tokens.BTC3L.rebalanceAction()).to.equal(2n);
  });

  it("a token whose simulation reverts is skipped and the others proceed", async () => {
    const chain = await loadFixture(system);
    // 40% initial margin: BTC3S, which must grow its short, cannot; BTC3L, which shrinks its long, can.
    await chain.exchange.updateMarketConfig(0, { feed: chain.btcFeed, ...BTC_MARKET, initialMarginBps: 4_000 });
    await chain.btcFeed.updateAnswer(parseUnits("44000", 8));
    const from = await ethers.provider.getBlockNumber();
    const { context, logs } = keeperContext(chain);
    const report = await runOnce(context);
    expect(report.skipped).to.deep.equal(["BTC3S"]);
    expect(report.rebalanced).to.deep.equal(["BTC3L"]);
    expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 0, BTC2L: 0 });
    const skipped = logs.find((l) => l.msg === "simulation reverted, skipping");
    expect(skipped?.token).to.equal("BTC3S");
    expect(String(skipped?.error)).to.match(/^the transaction would revert with Perp\w+\(/);
    expect(await context.metrics?.registry.getSingleMetricAsString("keeper_errors_total")).to.contain(
      'keeper_errors_total{kind="simulation"} 1',
    );
  });

  it("discovers a token created between passes", async () => {
    const chain = await loadFixture(system);
    const { context } = keeperContext(chain);
    expect((await runOnce(context)).tokens).to.equal(3);
    await chain.factory.createToken(0, parseUnits("-1", 18));
    await runOnce(context);
    expect([...context.state.symbols.values()]).to.include("BTC1S");
  });

  it("a rebalance another keeper won first is reported as a lost race, not an error", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(parseUnits("44000", 8));
    const { context, logs } = keeperContext(chain);
    // The status is read, then someone else rebalances BTC3L before this keeper simulates it.
    const statuses = await chain.factory.keeperStatuses(0, 100);
    context.factory = {
      keeperStatuses: async () => {
        await chain.tokens.BTC3L.rebalance();
        return statuses;
      },
    } as unknown as KeeperContext["factory"];
    const report = await runOnce(context);
    expect(report.lostRace).to.deep.equal(["BTC3L"]);
    expect(report.rebalanced).to.deep.equal(["BTC3S"]);
    expect(report.failed).to.deep.equal([]);
    expect(logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
  });
});
