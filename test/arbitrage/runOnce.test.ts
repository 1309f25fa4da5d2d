import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseUsdc } from "../../src/text/units";
import { arbitrageDefaults } from "../../src/bots/arbitrage/config";
import { addressesOf, arbitrageContext } from "../../src/bots/arbitrage/context";
import { arbitrage, type Opportunity } from "../../src/bots/arbitrage/execute";
import { ArbitrageMetrics } from "../../src/bots/arbitrage/metrics";
import { noArbitrageBand, planArbitrage } from "../../src/bots/arbitrage/plan";
import { runOnce } from "../../src/bots/arbitrage/runOnce";
import { type ArbitragePassConfig, type PassReport } from "../../src/bots/arbitrage/types";
import { poolPrice, premium } from "../../src/dex/pool";
import { createLogger } from "../../src/node/logger";
import { deployDexSystem, type DexSystem, type PooledSymbol } from "../helpers/dexSystem";
import { feedPrice } from "../helpers/units";

const POOLED: PooledSymbol[] = ["BTC3L", "BTC3S"];
/**
 * How far past the no-arbitrage band a pool may end after a pass: 0.01% of the price (the rounding of the sizes);
 * beyond it only when what is left would not pay its gas (the pass says so), which happens after a mint or redeem
 * that rebalanced its token first (its rates changed under the plan).
 */
const TOLERANCE_PPM = 100n;

describe("arbitrage bot: runOnce on the in-process chain (real Uniswap V2)", () => {
  async function system() {
    const s = await deployDexSystem();
    const [, , , first, second] = await ethers.getSigners();
    return { ...s, first, second };
  }

  function arbitrageur(s: DexSystem, signer: HardhatEthersSigner, config: Partial<ArbitragePassConfig> = {}) {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
    const metrics = new ArbitrageMetrics();
    const context = arbitrageContext(
      addressesOf(s.book),
      { ...arbitrageDefaults(), maxReplacements: 0, txTimeoutMs: 30_000, rpcBackoffMs: 50, ...config },
      ethers.provider,
      logger,
      { signer, metrics, nativePrice: async () => parseUsdc(3_000) },
    );
    return { context, logs, metrics };
  }

  /** Each pool's price against the no-arbitrage band of its token now (stablecoin units per token). */
  async function standing(s: DexSystem, symbol: PooledSymbol) {
    const token = s.tokens[symbol];
    const nav = await token.navPerShare();
    const price = poolPrice(await s.pool(symbol))!;
    const band = (await noArbitrageBand(token, nav, await token.equity()))!;
    return { nav, price, band, premium: premium(price, nav) };
  }

  async function rebalanceDue(s: DexSystem) {
    for (const symbol of POOLED) {
      if ((await s.tokens[symbol].rebalanceAction()) !== 0n) await s.tokens[symbol].rebalance();
    }
  }

  const nonce = (who: HardhatEthersSigner) => ethers.provider.getTransactionCount(who.address);

  /** BTC3L's opportunity as a pass plans it now (at the head block). */
  async function plannedNow(s: DexSystem): Promise<Opportunity> {
    const token = s.tokens.BTC3L;
    const pool = await s.pool("BTC3L");
    return {
      token: await token.getAddress(),
      symbol: "BTC3L",
      pair: pool.pair,
      plan: (await planArbitrage(token, pool, { mintOpen: true }))!,
      block: await ethers.provider.getBlockNumber(),
      pool,
      nav: await token.navPerShare(),
      premium: (await standing(s, "BTC3L")).premium,
      mintOpen: true,
    };
  }

  for (const move of [0.1, -0.1, -0.3]) {
    for (const keeperFirst of [false, true]) {
      it(`BTC ${move > 0 ? "+" : ""}${move * 100}%${keeperFirst ? ", the keeper rebalancing first" : ""}: one pass brings every pool within the round-trip fees of NAV, at the predicted profit, net of gas`, async () => {
        const s = await loadFixture(system);
        await s.btcFeed.updateAnswer(feedPrice(50_000 * (1 + move)));
        if (keeperFirst) await rebalanceDue(s);
        for (const symbol of POOLED) {
          const { price, band } = await standing(s, symbol);
          expect(price < band.lower || price > band.upper, `${symbol} starts outside its band`).to.equal(true);
        }
        const { context, logs, metrics } = arbitrageur(s, s.first);
        const report: PassReport = await runOnce(context);

        expect(report.failed).to.deep.equal([]);
        expect([...new Set(report.arbitraged)].sort()).to.deep.equal([...POOLED]);
        for (const symbol of POOLED) {
          const { price, band } = await standing(s, symbol);
          const slack = (price * TOLERANCE_PPM) / 1_000_000n;
          const inBand = price <= band.upper + slack && price >= band.lower - slack;
          const notWorthGas = report.belowMinProfit.includes(symbol);
          expect(inBand || notWorthGas, `${symbol} at ${price}, band ${band.lower}..${band.upper}`).to.equal(true);
          if (!inBand) {
            const rest = (await planArbitrage(s.tokens[symbol], await s.pool(symbol), { mintOpen: true }))!;
            expect(rest.profit, `${symbol}: what is left`).to.be.lessThan(parseUsdc(3));
          }
        }
        const mined = logs.filter((l) => l.msg === "arbitraged");
        expect(mined).to.have.length(report.arbitraged.length);
        for (const line of mined) expect(line.profit, JSON.stringify(line)).to.equal(line.simulated);
        expect(report.profit - report.gasCost).to.be.greaterThan(0n);
        expect(logs.filter((l) => l.msg === "arbitrage lost money")).to.deep.equal([]);
        const text = await metrics.registry.metrics();
        expect(text).to.match(/arb_pool_premium_ratio\{token="BTC3L"\} -?0\.\d+/);
        expect(text).to.match(/arb_profit_usd_total \d+\.\d+/);

        // A second pass finds nothing that pays its gas: no transaction.
        const sent = await nonce(s.first);
        const again = await runOnce(context);
        expect(again.opportunities).to.deep.equal(again.belowMinProfit);
        expect(await nonce(s.first)).to.equal(sent);
      });
    }
  }

  it("a pool already within the round-trip fees gets no transaction", async () => {
    const s = await loadFixture(system);
    const { premium: start } = await standing(s, "BTC3L");
    expect(start).to.be.greaterThan(0n); // seeded at the mint price: +0.25%, inside the band
    const { context } = arbitrageur(s, s.first);
    const sent = await nonce(s.first);
    const report = await runOnce(context);
    expect(report.pools).to.equal(2);
    expect(report.opportunities).to.deep.equal([]);
    expect(await nonce(s.first)).to.equal(sent);
  });

  it("a stale price: the pools are skipped with a warning, not failed, and nothing is sent", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(55_000));
    await time.increase(3_601); // past the market's max price age: the previews revert with PerpStalePrice
    const { context, logs } = arbitrageur(s, s.first);
    const sent = await nonce(s.first);
    const report = await runOnce(context);
    expect(report.skipped.sort()).to.deep.equal([...POOLED]);
    expect(report.failed).to.deep.equal([]);
    expect(await nonce(s.first)).to.equal(sent);
    const warning = logs.find((l) => l.msg === "cannot price the token now");
    expect(String(warning?.error)).to.contain("PerpStalePrice");
  });

  it("a gap so small that gas exceeds the profit gets no transaction", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(50_250)); // +0.5%: both pools just outside their bands
    const { context, logs } = arbitrageur(s, s.first);
    const sent = await nonce(s.first);
    const report = await runOnce(context);
    expect(report.opportunities.sort()).to.deep.equal([...POOLED]);
    expect(report.belowMinProfit.sort()).to.deep.equal([...POOLED]);
    expect(await nonce(s.first)).to.equal(sent);
    for (const line of logs.filter((l) => l.msg === "profit does not cover gas and the minimum profit")) {
      expect(Number(line.profit)).to.be.greaterThan(0);
      expect(Number(line.profit)).to.be.lessThan(Number(line.gasCost) + 0.1);
    }
  });

  it("two arbitrageurs racing: the loser's simulation refuses, it sends nothing and loses nothing", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(55_000));
    const winner = arbitrageur(s, s.first);
    const loser = arbitrageur(s, s.second);
    // The loser has planned from the same state, then the winner's pass is mined first.
    const token = s.tokens.BTC3L;
    const pool = await s.pool("BTC3L");
    const plan = (await planArbitrage(token, pool, { mintOpen: true }))!;
    const stale: Opportunity = {
      token: await token.getAddress(),
      symbol: "BTC3L",
      pair: pool.pair,
      plan,
      block: await ethers.provider.getBlockNumber(),
      pool,
      nav: await token.navPerShare(),
      premium: (await standing(s, "BTC3L")).premium,
      mintOpen: true,
    };
    const before = { eth: await ethers.provider.getBalance(s.second.address), nonce: await nonce(s.second) };
    const usdcBefore = await s.usdc.balanceOf(s.second.address);
    expect((await runOnce(winner.context)).arbitraged).to.include("BTC3L");

    const report: PassReport = { ...(await runOnce(loser.context)) };
    expect(report.opportunities).to.deep.equal(report.belowMinProfit);
    const outcome = await arbitrage(loser.context, stale, report);
    expect(outcome).to.equal("lostRace");
    const told = loser.logs.find((l) => String(l.msg).startsWith("the gap is gone: the pool was traded after block"));
    expect(told, JSON.stringify(loser.logs.slice(-3))).to.not.equal(undefined);
    expect(told?.planBlock).to.equal(stale.block);
    expect(await nonce(s.second)).to.equal(before.nonce);
    expect(await ethers.provider.getBalance(s.second.address)).to.equal(before.eth);
    expect(await s.usdc.balanceOf(s.second.address)).to.equal(usdcBefore);
  });

  it("a price update between the plan and the send: told as NAV moving on an untraded pool (no rival), nothing sent", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(55_000));
    const { context, logs, metrics } = arbitrageur(s, s.first);
    context.state.stablecoin = await s.usdc.getAddress();
    const planned = await plannedNow(s);
    const { block } = planned;
    await s.btcFeed.updateAnswer(feedPrice(50_000)); // back where the pool was seeded: the gap closes under the plan
    const sent = await nonce(s.first);
    const report = await runOnce(arbitrageur(s, s.second).context); // reads the pools; sends nothing (in band)
    expect(report.opportunities).to.deep.equal([]);
    expect(await arbitrage(context, planned, report)).to.equal("moved");
    expect(await nonce(s.first)).to.equal(sent);
    const told = logs.find((l) => String(l.msg).startsWith("the gap changed under the plan: NAV moved after block"));
    expect(told, JSON.stringify(logs.slice(-3))).to.not.equal(undefined);
    expect(told?.planBlock).to.equal(block);
    expect(Number(told?.navMovePercent)).to.be.lessThan(-5);
    expect(logs.some((l) => String(l.msg).includes("another arbitrageur"))).to.equal(false);
    expect(await metrics.registry.metrics()).to.match(/arb_arbitrages_total\{outcome="moved"\} 1/);
  });

  it("a price update that widens the gap between the plan and the send: planned again at the head, not sent at the stale size", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(45_000));
    const { context, logs } = arbitrageur(s, s.first);
    context.state.stablecoin = await s.usdc.getAddress();
    const planned = await plannedNow(s);
    await s.btcFeed.updateAnswer(feedPrice(42_000)); // the gap widens under the plan
    const sent = await nonce(s.first);
    const report = await runOnce(arbitrageur(s, s.second, { dryRun: true }).context); // sees the gap, sends nothing
    expect(report.simulated).to.include("BTC3L");
    expect(await arbitrage(context, planned, report)).to.equal("moved");
    expect(await nonce(s.first), "the plan's size would leave part of the gap open: not sent").to.equal(sent);
    const told = logs.find(
      (l) =>
        l.msg ===
        `the chain moved after block ${planned.block} (NAV moved (a price update)): planning again at the head`,
    );
    expect(told, JSON.stringify(logs.slice(-3))).to.not.equal(undefined);
  });

  it("does not mint into the pool of a paused token, leaves a wiped-out one alone, and a dry run sends nothing", async () => {
    const s = await loadFixture(system);
    await s.tokens.BTC3L.pause();
    await s.btcFeed.updateAnswer(feedPrice(45_000)); // BTC3L's pool above NAV: only a mint would take it down
    const dry = arbitrageur(s, s.first, { dryRun: true });
    const sent = await nonce(s.first);
    const dryReport = await runOnce(dry.context);
    expect(dryReport.simulated).to.deep.equal(["BTC3S"]);
    expect(await nonce(s.first)).to.equal(sent);

    const { context } = arbitrageur(s, s.first);
    const report = await runOnce(context);
    expect(report.arbitraged).to.deep.equal(["BTC3S"]);
    expect(report.opportunities).to.deep.equal(["BTC3S"]);

    await s.btcFeed.updateAnswer(feedPrice(32_500)); // -35% from 50,000: BTC3L's equity is gone
    await s.tokens.BTC3L.rebalance();
    expect(await s.tokens.BTC3L.wipedOut()).to.equal(true);
    const after = await runOnce(context);
    expect(after.opportunities).to.not.include("BTC3L");
    expect(after.failed).to.deep.equal([]);
  });
});
