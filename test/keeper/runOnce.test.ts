import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { NonceManager, parseUnits } from "ethers";
import { ethers } from "hardhat";
import { createLogger } from "../../src/node/logger";
import { KeeperMetrics } from "../../src/bots/keeper/metrics";
import { newKeeperState, type KeeperContext, type PassConfig } from "../../src/bots/keeper/types";
import { runOnce } from "../../src/bots/keeper/runOnce";
import { BatchRebalancer__factory, LeveragedToken__factory } from "../../typechain-types";
import { BTC_MARKET, deployKeeperChain, TEST_PASS_CONFIG } from "../helpers/keeperChain";
import { feedPrice, usdc } from "../helpers/units";

describe("keeper: runOnce on the in-process chain", () => {
  async function system() {
    const [admin, keeper] = await ethers.getSigners();
    return { ...(await deployKeeperChain(admin)), keeperSigner: keeper };
  }

  /** A keeper on the chain; `batched`: with the chain's BatchRebalancer (else one transaction per token). */
  function keeperContext(chain: Awaited<ReturnType<typeof system>>, config: Partial<PassConfig> = {}, batched = false) {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
    const signer = config.dryRun ? undefined : new NonceManager(chain.keeperSigner);
    const runner = signer ?? ethers.provider;
    const context: KeeperContext = {
      provider: ethers.provider,
      signer,
      factory: chain.factory.connect(runner),
      batcher: batched ? chain.batcher.connect(runner) : undefined,
      connectToken: (address) => LeveragedToken__factory.connect(address, runner),
      config: { ...TEST_PASS_CONFIG, ...config },
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
    await chain.btcFeed.updateAnswer(feedPrice("44000")); // -12%: BTC3L above 4x, BTC3S below 2x, BTC2L in band
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

  it("with the lens: the same due tokens rebalanced, symbols and NAVs read through it", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
    const { context, logs } = keeperContext(chain);
    context.lens = chain.book.lens;
    const report = await runOnce(context);
    expect(report.tokens).to.equal(3);
    expect(report.rebalanced.sort()).to.deep.equal(["BTC3L", "BTC3S"]);
    expect(logs.filter((l) => l.msg === "watching token").map((l) => l.token)).to.deep.equal([
      "BTC3L",
      "BTC3S",
      "BTC2L",
    ]);
    const nav = await context.metrics?.registry.getSingleMetricAsString("keeper_token_nav_usd");
    expect(nav).to.match(/keeper_token_nav_usd\{token="BTC2L"\} \d/);
    expect((await runOnce(context)).due).to.deep.equal([]);
  });

  it("a day later the time trigger rebalances every token", async () => {
    const chain = await loadFixture(system);
    const { context, logs } = keeperContext(chain);
    expect((await runOnce(context)).due).to.deep.equal([]);
    await time.increase(86_400);
    await chain.btcFeed.updateAnswer(feedPrice("50000")); // a fresh price: the exchange refuses stale ones
    const from = await ethers.provider.getBlockNumber();
    const report = await runOnce(context);
    expect(report.rebalanced.sort()).to.deep.equal(["BTC2L", "BTC3L", "BTC3S"]);
    expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 1 });
    expect(logs.filter((l) => l.msg === "rebalanced").map((l) => l.trigger)).to.deep.equal(["TIME", "TIME", "TIME"]);
    expect((await runOnce(context)).rebalanced).to.deep.equal([]);
  });

  it("dry run simulates every due rebalance and sends nothing", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
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
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
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
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
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
  describe("with a BatchRebalancer", () => {
    /** The keeper's transactions since `nonce`, and the batches mined after block `from`. */
    async function sent(chain: Awaited<ReturnType<typeof system>>, nonce: number, from: number) {
      const batches = await chain.batcher.queryFilter(chain.batcher.filters.BatchRebalanced(), from);
      return {
        transactions: (await ethers.provider.getTransactionCount(chain.keeperSigner.address)) - nonce,
        batches: batches.map((e) => ({
          attempted: e.args.attempted,
          rebalanced: e.args.rebalanced,
          done: e.args.done,
        })),
      };
    }

    /** A batching keeper on `chain`, and where the chain stands before it runs: block and the keeper's nonce. */
    async function start(chain: Awaited<ReturnType<typeof system>>, config: Partial<PassConfig>) {
      const from = await ethers.provider.getBlockNumber();
      const nonce = await ethers.provider.getTransactionCount(chain.keeperSigner.address);
      return { from, nonce, ...keeperContext(chain, config, true) };
    }

    /** Two more minted tokens, BTC1L and BTC1S: five in all. */
    async function fiveTokens() {
      const chain = await system();
      const [admin] = await ethers.getSigners();
      for (const leverage of [1n, -1n]) {
        await chain.factory.createToken(0, leverage * 10n ** 18n);
        const token = LeveragedToken__factory.connect(await chain.factory.tokenFor(0, leverage * 10n ** 18n), admin);
        await chain.usdc.mint(admin.address, usdc("1000"));
        await chain.usdc.approve(token, usdc("1000"));
        await token.mint(usdc("1000"), 1n, admin.address);
      }
      return chain;
    }

    /** A day later, with a fresh price: every token is due by time. */
    async function dayLater(chain: Awaited<ReturnType<typeof system>>) {
      await time.increase(86_400);
      await chain.btcFeed.updateAnswer(feedPrice("50000"));
    }

    it("several due tokens: exactly one batch transaction, every one rebalanced; a second pass does nothing", async () => {
      const chain = await loadFixture(system);
      await chain.btcFeed.updateAnswer(feedPrice("44000"));
      const { from, nonce, context, logs } = await start(chain, {});

      const first = await runOnce(context);
      expect(first.due).to.deep.equal(["BTC3L", "BTC3S"]);
      expect(first.rebalanced).to.deep.equal(["BTC3L", "BTC3S"]);
      expect(first.failed).to.deep.equal([]);
      expect(await sent(chain, nonce, from)).to.deep.equal({
        transactions: 1,
        batches: [{ attempted: 2n, rebalanced: 2n, done: 0b11n }],
      });
      expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });

      const batchSent = logs.filter((l) => l.msg === "batch rebalance sent");
      expect(batchSent.map((l) => l.tokens)).to.deep.equal([["BTC3L", "BTC3S"]]);
      expect(logs.filter((l) => l.msg === "rebalance sent")).to.deep.equal([]);
      expect(logs.find((l) => l.msg === "batch rebalanced")).to.include({ rebalanced: 2, hash: batchSent[0].hash });
      const rebalanced = logs.filter((l) => l.msg === "rebalanced");
      expect(rebalanced.map((l) => [l.token, l.trigger, l.batch, l.hash])).to.deep.equal([
        ["BTC3L", "DRIFT", true, batchSent[0].hash],
        ["BTC3S", "DRIFT", true, batchSent[0].hash],
      ]);
      expect(Number(rebalanced[0].leverageBefore)).to.be.greaterThan(4);
      expect(Number(rebalanced[0].leverageAfter)).to.be.closeTo(3, 0.01);
      const metrics = await context.metrics!.registry.metrics();
      expect(metrics).to.contain('keeper_rebalances_total{outcome="rebalanced"} 2');
      expect(metrics).to.contain("keeper_pending_transactions 0");

      const second = await runOnce(context);
      expect(second.due).to.deep.equal([]);
      expect((await sent(chain, nonce, from)).transactions).to.equal(1);
    });

    it("many due tokens are chunked: at most maxBatch per transaction, a lone remainder as a plain rebalance()", async () => {
      const chain = await loadFixture(fiveTokens);
      await dayLater(chain);
      const { from, nonce, context, logs } = await start(chain, { maxBatch: 2 });

      const report = await runOnce(context);
      expect(report.due).to.have.length(5);
      expect(report.rebalanced).to.deep.equal(report.due);
      expect(await sent(chain, nonce, from)).to.deep.equal({
        transactions: 3,
        batches: [
          { attempted: 2n, rebalanced: 2n, done: 0b11n },
          { attempted: 2n, rebalanced: 2n, done: 0b11n },
        ],
      });
      expect(logs.filter((l) => l.msg === "batch rebalance sent").map((l) => l.tokens)).to.deep.equal([
        report.due.slice(0, 2),
        report.due.slice(2, 4),
      ]);
      expect(logs.filter((l) => l.msg === "rebalance sent").map((l) => l.token)).to.deep.equal([report.due[4]]);
      for (const token of await chain.factory.allTokens()) {
        expect(await LeveragedToken__factory.connect(token, ethers.provider).rebalanceAction()).to.equal(0n);
      }
    });

    it("without a batcher, each due token gets its own transaction", async () => {
      const chain = await loadFixture(system);
      await dayLater(chain);
      const from = await ethers.provider.getBlockNumber();
      const nonce = await ethers.provider.getTransactionCount(chain.keeperSigner.address);
      const { context, logs } = keeperContext(chain);

      const report = await runOnce(context);
      expect(report.rebalanced).to.deep.equal(["BTC3L", "BTC3S", "BTC2L"]);
      expect(await sent(chain, nonce, from)).to.deep.equal({ transactions: 3, batches: [] });
      expect(logs.filter((l) => l.msg === "rebalance sent").map((l) => l.token)).to.deep.equal([
        "BTC3L",
        "BTC3S",
        "BTC2L",
      ]);
      expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 1 });
    });

    it("a batcher whose simulation reverts (not a BatchRebalancer) falls back to one transaction per token", async () => {
      const chain = await loadFixture(system);
      await chain.btcFeed.updateAnswer(feedPrice("44000"));
      const { from, nonce, context, logs } = await start(chain, {});
      context.batcher = BatchRebalancer__factory.connect(chain.usdc.target as string, context.signer);

      const report = await runOnce(context);
      expect(report.rebalanced).to.deep.equal(["BTC3L", "BTC3S"]);
      expect(await sent(chain, nonce, from)).to.deep.equal({ transactions: 2, batches: [] });
      expect(logs.find((l) => l.msg === "batch simulation reverted; one transaction per token")?.tokens).to.deep.equal([
        "BTC3L",
        "BTC3S",
      ]);
    });

    it("a token whose rebalance would revert is left out of the batch and skipped", async () => {
      const chain = await loadFixture(system);
      // 40% initial margin: BTC3S, which must grow its short, cannot; BTC3L and BTC2L can.
      await chain.exchange.updateMarketConfig(0, { feed: chain.btcFeed, ...BTC_MARKET, initialMarginBps: 4_000 });
      await time.increase(86_400);
      await chain.btcFeed.updateAnswer(feedPrice("44000"));
      const { from, nonce, context, logs } = await start(chain, {});

      const report = await runOnce(context);
      expect(report.skipped).to.deep.equal(["BTC3S"]);
      expect(report.rebalanced).to.deep.equal(["BTC3L", "BTC2L"]);
      expect(await sent(chain, nonce, from)).to.deep.equal({
        transactions: 1,
        batches: [{ attempted: 2n, rebalanced: 2n, done: 0b11n }],
      });
      expect(logs.find((l) => l.msg === "simulation reverted, skipping")?.token).to.equal("BTC3S");
    });

    it("a token another keeper rebalances between the batch's simulation and its mining is a lost race", async () => {
      const chain = await loadFixture(system);
      await dayLater(chain);
      const from = await ethers.provider.getBlockNumber();
      const { context, logs } = keeperContext(chain, {}, true);
      // The keeper reads the fees after simulating and estimating its batch: another keeper is first on BTC3S then.
      let raced = false;
      context.provider = new Proxy(ethers.provider, {
        get(target, property) {
          if (property === "getFeeData" && !raced) {
            return async () => {
              raced = true;
              await chain.tokens.BTC3S.rebalance();
              return target.getFeeData();
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });

      const report = await runOnce(context);
      expect(raced).to.equal(true);
      expect(report.rebalanced).to.deep.equal(["BTC3L", "BTC2L"]);
      expect(report.lostRace).to.deep.equal(["BTC3S"]);
      expect(report.failed).to.deep.equal([]);
      const batches = await chain.batcher.queryFilter(chain.batcher.filters.BatchRebalanced(), from);
      expect(batches.map((e) => [e.args.attempted, e.args.done])).to.deep.equal([[3n, 0b101n]]);
      expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 1 });
      expect(logs.find((l) => l.msg === "already rebalanced by another keeper")?.token).to.equal("BTC3S");
      expect(logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
      expect(await context.metrics?.registry.getSingleMetricAsString("keeper_rebalances_total")).to.contain(
        'keeper_rebalances_total{outcome="lost_race"} 1',
      );
    });

    it("dry run simulates the batch and sends nothing", async () => {
      const chain = await loadFixture(system);
      await dayLater(chain);
      const block = await ethers.provider.getBlockNumber();
      const { context, logs } = keeperContext(chain, { dryRun: true }, true);
      const report = await runOnce(context);
      expect(report.simulated).to.deep.equal(["BTC3L", "BTC3S", "BTC2L"]);
      expect(logs.filter((l) => l.msg === "dry run: would rebalance" && l.batch === true)).to.have.length(3);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("a batch still pending after its replacements is one pending transaction, resolved by a later pass", async () => {
      const chain = await loadFixture(system);
      await chain.btcFeed.updateAnswer(feedPrice("44000"));
      const from = await ethers.provider.getBlockNumber();
      const { context, logs } = keeperContext(chain, { txTimeoutMs: 300, maxReplacements: 0 }, true);
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        const first = await runOnce(context);
        expect(first.pending).to.deep.equal(["BTC3L", "BTC3S"]);
        expect(await context.metrics?.registry.getSingleMetricAsString("keeper_pending_transactions")).to.contain(
          "keeper_pending_transactions 1",
        );
        // Nothing is sent again for a token of the pending batch.
        const again = await runOnce(context);
        expect(again.pending).to.deep.equal(["BTC3L", "BTC3S"]);
        expect(again.due).to.deep.equal([]);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const resolved = await runOnce(context);
      expect(resolved.pending).to.deep.equal([]);
      expect(resolved.due).to.deep.equal([]);
      expect(logs.filter((l) => l.msg === "rebalanced").map((l) => l.token)).to.deep.equal(["BTC3L", "BTC3S"]);
      expect(logs.filter((l) => l.msg === "batch rebalance sent")).to.have.length(1);
      expect(await rebalanceCount(chain, from)).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });
      expect(context.state.pending.size).to.equal(0);
    });
  });
});
