import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  NonceManager,
  formatEther,
  getAddress,
  formatUnits,
  parseUnits,
  type Signer,
  type TransactionRequest,
} from "ethers";
import { ethers } from "hardhat";
import { ethPriceSource } from "../../src/bots/keeper/context";
import { createLogger } from "../../src/node/logger";
import { KeeperMetrics } from "../../src/bots/keeper/metrics";
import { neededReward, pays } from "../../src/bots/keeper/profit";
import { simulateRebalance } from "../../src/bots/keeper/rebalance";
import { missedSlots, slotOwner, turnOrder } from "../../src/bots/keeper/turns";
import { newBlocks } from "../../src/bots/keeper/newBlocks";
import { newKeeperState, type KeeperContext, type PassConfig } from "../../src/bots/keeper/types";
import { runOnce } from "../../src/bots/keeper/runOnce";
import { LeveragedToken__factory, PerpExchange__factory } from "../../typechain-types";
import { deployKeeperChain, TEST_PASS_CONFIG, type KeeperChain } from "../helpers/keeperChain";
import { marketConfig } from "../helpers/system";
import { feedPrice, usdc } from "../helpers/units";

/** The gas price the keepers of these tests send at: their cap, below which Hardhat's suggestion never falls. */
const FEE = parseUnits("1", 9);
/** USDC units per ETH. */
const ETH_PRICE = usdc("3000");

const CONFIG: PassConfig = { ...TEST_PASS_CONFIG, maxFeePerGas: FEE, mode: "profit", blockTime: 1 };

const EXCHANGE = PerpExchange__factory.createInterface();

describe("keeper: profit mode (the keeper reward against the gas)", () => {
  /**
   * The keeper chain (BTC3L, BTC3S, BTC2L with 1,000 USDC each: a reward budget of about 0.014 USDC a day, which
   * never pays for a rebalance) with 1,000,000 USDC more in each of `large` (their rewards reach the 2 USDC cap).
   */
  async function chainWith(large: ("BTC3L" | "BTC3S")[]) {
    const [admin, keeperA, keeperB] = await ethers.getSigners();
    const chain = await deployKeeperChain(admin);
    for (const symbol of large) {
      await chain.usdc.mint(admin.address, usdc("1000000"));
      await chain.usdc.approve(chain.tokens[symbol], usdc("1000000"));
      await chain.tokens[symbol].mint(usdc("1000000"), 1n, admin.address);
    }
    return { ...chain, keeperA, keeperB };
  }
  const oneLarge = () => chainWith(["BTC3L"]);
  const twoLarge = () => chainWith(["BTC3L", "BTC3S"]);
  type Chain = Awaited<ReturnType<typeof oneLarge>>;

  /** A profit keeper signing with `signer`, with the chain's batcher, pricing ETH at 3,000 USDC. */
  function keeper(chain: Chain, signer: Signer, options: { lens?: boolean; config?: Partial<PassConfig> } = {}) {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
    const nonceManager = new NonceManager(signer);
    const context: KeeperContext = {
      provider: ethers.provider,
      signer: nonceManager,
      factory: chain.factory.connect(nonceManager),
      batcher: chain.batcher.connect(nonceManager),
      lens: options.lens ? chain.book.lens : undefined,
      connectToken: (address) => LeveragedToken__factory.connect(address, nonceManager),
      config: { ...CONFIG, ...options.config },
      logger,
      metrics: new KeeperMetrics(),
      ethPrice: async () => ETH_PRICE,
      state: newKeeperState(),
    };
    return { context, logs };
  }

  /** Moves the chain to the moment BTC3L's time trigger falls due (its reward 0), with a fresh price. */
  async function fallDue(chain: KeeperChain) {
    await time.increaseTo((await chain.tokens.BTC3L.nextRebalanceTime()) - 1n);
    await chain.btcFeed.updateAnswer(feedPrice("50000"));
  }

  /** The keeper's rewards in a receipt, from the exchange's MarginTransferred events. */
  function rewardsIn(receipt: { logs: readonly { topics: readonly string[]; data: string }[] }, keeper: string) {
    return receipt.logs
      .map((log) => EXCHANGE.parseLog(log))
      .filter((e) => e?.name === "MarginTransferred" && e.args.to === keeper)
      .reduce((sum, e) => sum + (e?.args.amount as bigint), 0n);
  }

  /** The sample lines of a metric (`line` picks those of a histogram's part, e.g. its `_count`). */
  const metric = async (context: KeeperContext, name: string, line = name) =>
    (await context.metrics!.registry.getSingleMetricAsString(name)).split("\n").filter((l) => l.startsWith(line));

  it("the decision: a positive reward that covers gas x margin + the minimum profit", () => {
    const config = { profitMargin: 1.2, minProfit: 0n };
    expect(neededReward(1_000_000n, config)).to.equal(1_200_000n);
    expect(neededReward(1n, config)).to.equal(2n); // rounded up
    expect(neededReward(1_000_000n, { profitMargin: 1.5, minProfit: 250_000n })).to.equal(1_750_000n);
    expect(pays({ reward: 1_200_000n, needed: 1_200_000n })).to.equal(true);
    expect(pays({ reward: 1_199_999n, needed: 1_200_000n })).to.equal(false);
    expect(pays({ reward: 0n, needed: 0n })).to.equal(false); // free gas, no reward: nothing to earn
  });

  it("skips a due token whose reward does not cover the gas, and rebalances it once the reward has grown", async () => {
    const chain = await loadFixture(oneLarge);
    const { context, logs } = keeper(chain, chain.keeperA, { lens: true });
    const nonce = await ethers.provider.getTransactionCount(chain.keeperA.address);
    await fallDue(chain);

    const early = await runOnce(context);
    expect(early.due).to.include("BTC3L");
    expect(early.waiting).to.include("BTC3L");
    expect(early.rebalanced).to.deep.equal([]);
    expect(await ethers.provider.getTransactionCount(chain.keeperA.address)).to.equal(nonce);
    expect(await chain.tokens.BTC3L.rebalanceAction()).to.equal(1n); // still due: nobody rebalanced it
    const waited = logs.find((l) => l.msg === "waiting: the reward does not cover the gas yet" && l.token === "BTC3L");
    expect(Number(waited?.reward)).to.be.lessThan(Number(waited?.needed));
    expect(Number(waited?.gasCost)).to.be.greaterThan(0);
    expect(await metric(context, "keeper_tokens_waiting")).to.deep.equal([
      `keeper_tokens_waiting ${early.waiting.length}`,
    ]);

    // Five minutes later the Dutch auction is at half its 2 USDC cap: enough. The small tokens (a budget of about
    // 0.014 USDC a day) still do not pay.
    await time.increase(300);
    const later = await runOnce(context);
    expect(later.due).to.deep.equal(["BTC3L", "BTC3S", "BTC2L"]);
    expect(later.rebalanced).to.deep.equal(["BTC3L"]);
    expect(later.waiting).to.deep.equal(["BTC3S", "BTC2L"]);
    expect(await ethers.provider.getTransactionCount(chain.keeperA.address)).to.equal(nonce + 1);
    expect(await chain.tokens.BTC3L.rebalanceAction()).to.equal(0n);
    // One due token that pays: its own rebalance(), not a batch.
    const sent = logs.find((l) => l.msg === "rebalance sent");
    expect(sent).to.include({ token: "BTC3L", trigger: "TIME" });
    expect(logs.some((l) => l.msg === "batch rebalance sent")).to.equal(false);
    const quoted = usdc(String(sent?.reward));
    expect(quoted).to.be.at.least(neededReward(usdc(String(sent?.gasCost)), CONFIG));
    const receipt = await ethers.provider.getTransactionReceipt(String(sent?.hash));
    const reward = rewardsIn(receipt!, chain.keeperA.address);
    expect(reward).to.be.at.least(quoted); // mined no earlier than the block it was priced for
    expect(reward).to.be.lessThanOrEqual(usdc("2"));
    expect(later.earned.rewards).to.equal(reward);
    expect(later.earned.gasWei).to.equal(receipt!.gasUsed * receipt!.gasPrice);
    const rebalanced = logs.find((l) => l.msg === "rebalanced" && l.token === "BTC3L");
    expect(usdc(String(rebalanced?.reward))).to.equal(reward);
    // Due since its nextRebalanceTime, more than five minutes before the block that mined it.
    expect(Number(rebalanced?.latencySeconds)).to.be.at.least(300);
    expect(Number(rebalanced?.latencyBlocks)).to.be.at.least(1);
  });

  it("a token never estimated borrows the largest estimate known, and its own is asked once the pass is done", async () => {
    const chain = await loadFixture(oneLarge);
    const { context, logs } = keeper(chain, chain.keeperA, { lens: true });
    context.state.estimates.set(getAddress(`0x${"34".repeat(20)}`), 123_456n);
    context.state.estimates.set(getAddress(`0x${"56".repeat(20)}`), 23_456n);
    const btc3l = await chain.tokens.BTC3L.getAddress();
    await fallDue(chain);
    const gasOf = () =>
      logs.filter((l) => l.msg === "waiting: the reward does not cover the gas yet" && l.token === "BTC3L").at(-1)?.gas;

    const first = await runOnce(context);
    expect(first.waiting).to.include("BTC3L");
    expect(gasOf()).to.equal("123456");
    // Its own estimate, asked after the pass (not waited for by it).
    for (let i = 0; i < 100 && !context.state.estimates.has(btc3l); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const own = context.state.estimates.get(btc3l) as bigint;
    expect(own).to.be.greaterThan(50_000n);
    expect(own).to.not.equal(123_456n);
    const second = await runOnce(context);
    expect(second.waiting).to.include("BTC3L");
    expect(gasOf()).to.equal(own.toString());
  });

  it("the reward lands in the keeper's margin on the exchange, withdrawable, and the metrics count it", async () => {
    const chain = await loadFixture(oneLarge);
    const { context } = keeper(chain, chain.keeperA);
    const keeperAddress = chain.keeperA.address;
    const marginBefore = (await chain.exchange.accountState(keeperAddress, chain.btcMarket)).margin;
    await fallDue(chain);
    await time.increase(600); // the cap
    const report = await runOnce(context);
    expect(report.rebalanced).to.deep.equal(["BTC3L"]);
    expect(report.earned.rewards).to.equal(usdc("2"));

    const margin = (await chain.exchange.accountState(keeperAddress, chain.btcMarket)).margin;
    expect(margin - marginBefore).to.equal(report.earned.rewards);
    const balanceBefore = await chain.usdc.balanceOf(keeperAddress);
    await chain.exchange.connect(chain.keeperA).withdraw(chain.btcMarket, report.earned.rewards, keeperAddress);
    expect((await chain.usdc.balanceOf(keeperAddress)) - balanceBefore).to.equal(usdc("2"));

    const gasUsd = report.earned.gasUsd;
    expect(gasUsd).to.equal((report.earned.gasWei * ETH_PRICE + 10n ** 18n - 1n) / 10n ** 18n);
    expect(await metric(context, "keeper_rewards_usd_total")).to.deep.equal(["keeper_rewards_usd_total 2"]);
    expect(await metric(context, "keeper_gas_spent_eth_total")).to.deep.equal([
      `keeper_gas_spent_eth_total ${Number(formatEther(report.earned.gasWei))}`,
    ]);
    expect(await metric(context, "keeper_gas_spent_usd_total")).to.deep.equal([
      `keeper_gas_spent_usd_total ${Number(formatUnits(gasUsd, 6))}`,
    ]);
    expect(await metric(context, "keeper_net_usd")).to.deep.equal([
      `keeper_net_usd ${Number(formatUnits(usdc("2") - gasUsd, 6))}`,
    ]);
    expect(
      await metric(context, "keeper_rebalance_latency_seconds", "keeper_rebalance_latency_seconds_count"),
    ).to.deep.equal(["keeper_rebalance_latency_seconds_count 1"]);
    // A second pass mines nothing more and counts nothing more.
    const again = await runOnce(context);
    expect(again.earned).to.deep.equal({ rewards: 0n, gasWei: 0n, gasUsd: 0n });
    expect(await metric(context, "keeper_rewards_usd_total")).to.deep.equal(["keeper_rewards_usd_total 2"]);
  });

  it("several tokens that pay go in one batch, which pays the keeper the sum of their rewards", async () => {
    const chain = await loadFixture(twoLarge);
    const { context, logs } = keeper(chain, chain.keeperA);
    const nonce = await ethers.provider.getTransactionCount(chain.keeperA.address);
    await fallDue(chain);
    await time.increase(400);
    const report = await runOnce(context);
    expect(report.rebalanced).to.deep.equal(["BTC3L", "BTC3S"]);
    expect(report.waiting).to.deep.equal(["BTC2L"]);
    expect(await ethers.provider.getTransactionCount(chain.keeperA.address)).to.equal(nonce + 1);
    const batch = logs.find((l) => l.msg === "batch rebalanced");
    expect(batch?.tokens).to.deep.equal(["BTC3L", "BTC3S"]);
    const receipt = await ethers.provider.getTransactionReceipt(
      String(logs.find((l) => l.msg === "batch rebalance sent")?.hash),
    );
    const reward = rewardsIn(receipt!, chain.keeperA.address);
    expect(reward).to.be.greaterThan(0n);
    expect(report.earned.rewards).to.equal(reward);
    expect(usdc(String(batch?.rewards))).to.equal(reward);
    const perToken = logs.filter((l) => l.msg === "rebalanced").map((l) => usdc(String(l.reward)));
    expect(perToken).to.have.length(2);
    expect(perToken[0] + perToken[1]).to.equal(reward);
  });

  it("two profit keepers racing: the one that finds the other's rebalance pending sends nothing", async () => {
    const chain = await loadFixture(oneLarge);
    const a = keeper(chain, chain.keeperA);
    const b = keeper(chain, chain.keeperB);
    await fallDue(chain);
    await time.increase(300);
    const nonceA = await ethers.provider.getTransactionCount(chain.keeperA.address);
    const nonceB = await ethers.provider.getTransactionCount(chain.keeperB.address);
    const from = await ethers.provider.getBlockNumber();

    await ethers.provider.send("evm_setAutomine", [false]);
    let first: Awaited<ReturnType<typeof runOnce>>;
    try {
      // A sends its rebalance; it waits in the mempool while B makes its pass.
      const passA = runOnce(a.context);
      while ((await ethers.provider.getTransactionCount(chain.keeperA.address, "pending")) === nonceA) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // The latest block still says due; a simulation on the pending block (profit mode's) says not.
      const btc3l = { address: await chain.tokens.BTC3L.getAddress(), symbol: "BTC3L", trigger: "TIME" };
      const operator = keeper(chain, chain.keeperB, { config: { mode: "operator" } });
      expect(await simulateRebalance(operator.context, btc3l)).to.equal(undefined);
      expect(await simulateRebalance(keeper(chain, chain.keeperB).context, btc3l)).to.equal("lostRace");
      const second = await runOnce(b.context);
      expect(second.due).to.include("BTC3L"); // the latest block still says due
      expect(second.lostRace).to.deep.equal(["BTC3L"]);
      expect(second.rebalanced).to.deep.equal([]);
      expect(await ethers.provider.getTransactionCount(chain.keeperB.address, "pending")).to.equal(nonceB);
      expect(b.logs.find((l) => l.msg === "already rebalanced by another keeper")?.token).to.equal("BTC3L");
      expect(b.logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
      await ethers.provider.send("evm_mine", []);
      first = await passA;
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    expect(first.rebalanced).to.deep.equal(["BTC3L"]);
    const events = await chain.tokens.BTC3L.queryFilter(chain.tokens.BTC3L.filters.Rebalanced(), from + 1);
    expect(events).to.have.length(1);
    // B, passing again after the block, finds nothing due and still has sent nothing.
    const after = await runOnce(b.context);
    expect(after.due).to.not.include("BTC3L");
    expect(await ethers.provider.getTransactionCount(chain.keeperB.address)).to.equal(nonceB);
    expect(await metric(b.context, "keeper_rebalances_total")).to.deep.equal([
      'keeper_rebalances_total{outcome="lost_race"} 1',
    ]);
  });

  /** Has `rival` run when the keeper reads the fees for its transaction (after its estimate, before its send). */
  function rivalBeforeSend(context: KeeperContext, rival: () => Promise<unknown>) {
    let feeReads = 0;
    context.provider = new Proxy(ethers.provider, {
      get(target, property) {
        // The first read prices the gas of the pass's decision; the second is the transaction's own.
        if (property === "getFeeData") {
          return async () => {
            if (++feeReads === 2) await rival();
            return target.getFeeData();
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return () => feeReads;
  }

  for (const batched of [false, true]) {
    it(`a rival's rebalance between the estimate and the send of ${batched ? "a batch" : "a rebalance"}: nothing is sent`, async () => {
      const chain = await loadFixture(batched ? twoLarge : oneLarge);
      const { context, logs } = keeper(chain, chain.keeperA);
      await fallDue(chain);
      await time.increase(400);
      const [admin] = await ethers.getSigners();
      const tokens = batched ? [chain.tokens.BTC3L, chain.tokens.BTC3S] : [chain.tokens.BTC3L];
      const feeReads = rivalBeforeSend(context, () => chain.batcher.connect(admin).rebalance(tokens));
      const nonce = await ethers.provider.getTransactionCount(chain.keeperA.address);

      const report = await runOnce(context);
      expect(feeReads()).to.equal(2);
      expect(report.lostRace).to.deep.equal(batched ? ["BTC3L", "BTC3S"] : ["BTC3L"]);
      expect(report.rebalanced).to.deep.equal([]);
      expect(await ethers.provider.getTransactionCount(chain.keeperA.address)).to.equal(nonce);
      expect(logs.some((l) => l.msg === "rebalance sent" || l.msg === "batch rebalance sent")).to.equal(false);
      expect(logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
    });
  }

  it("the last look waits its random delay first: a rival's rebalance sent during the wait is seen, nothing is sent", async () => {
    const chain = await loadFixture(oneLarge);
    // A wait of 0.99 x 1,500 ms; the rival is sent 100 ms after the keeper read the fees for its transaction.
    const { context, logs } = keeper(chain, chain.keeperA, { config: { sendJitterMs: 1_500 } });
    await fallDue(chain);
    await time.increase(400);
    const [admin] = await ethers.getSigners();
    let rival: Promise<unknown> | undefined;
    const feeReads = rivalBeforeSend(context, async () => {
      rival = new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
        chain.tokens.BTC3L.connect(admin).rebalance(),
      );
    });
    const nonce = await ethers.provider.getTransactionCount(chain.keeperA.address);
    const random = Math.random;
    Math.random = () => 0.99;
    let report: Awaited<ReturnType<typeof runOnce>>;
    try {
      report = await runOnce(context);
    } finally {
      Math.random = random;
    }
    await rival;
    expect(feeReads()).to.equal(2);
    expect(report.lostRace).to.deep.equal(["BTC3L"]);
    expect(report.rebalanced).to.deep.equal([]);
    expect(await ethers.provider.getTransactionCount(chain.keeperA.address)).to.equal(nonce);
    expect(logs.some((l) => l.msg === "rebalance sent")).to.equal(false);
  });

  it("keepers that know each other take turns by block: each sends only in its slots, and takes a slot that passed", async () => {
    const chain = await loadFixture(twoLarge);
    const a = keeper(chain, chain.keeperA, { lens: true });
    const b = keeper(chain, chain.keeperB, { lens: true });
    const large = { BTC3L: chain.tokens.BTC3L, BTC3S: chain.tokens.BTC3S };
    const symbols = ["BTC3L", "BTC3S"] as const;
    const keepers = [getAddress(chain.keeperA.address), getAddress(chain.keeperB.address)];
    /** The next due event of both large tokens, their rewards grown past the gas. */
    const bothDue = async () => {
      const next = [await large.BTC3L.nextRebalanceTime(), await large.BTC3S.nextRebalanceTime()];
      await time.increaseTo(next[0] > next[1] ? next[0] : next[1]);
      await chain.btcFeed.updateAnswer(feedPrice("50000"));
      await time.increase(400);
    };
    /** The keeper whose slot the latest block is in, for `symbol`'s due event. */
    const ownerNow = async (symbol: (typeof symbols)[number]) => {
      const order = turnOrder(await large[symbol].getAddress(), await large[symbol].nextRebalanceTime(), keepers);
      return slotOwner(order, await ethers.provider.getBlockNumber(), 1);
    };
    const sentBy = async (address: string) => ethers.provider.getTransactionCount(address);

    // First due event: each earns a reward by hand, so that each has seen the other paid by the exchange.
    await bothDue();
    await large.BTC3L.connect(chain.keeperA).rebalance();
    await large.BTC3S.connect(chain.keeperB).rebalance();

    // Second: A and B pass in turn until both tokens are rebalanced. Each pass sends exactly the due tokens whose slot
    // the block it reads is in, and each rebalance is sent once.
    await bothDue();
    const before = [await sentBy(keepers[0]), await sentBy(keepers[1])];
    const from = await ethers.provider.getBlockNumber();
    let transactions = 0;
    for (let pass = 0; pass < 6; pass++) {
      const [me, other] = pass % 2 === 0 ? [a, b] : [b, a];
      const address = keepers[pass % 2];
      const mine: string[] = [];
      const others: string[] = [];
      for (const symbol of symbols) {
        if ((await large[symbol].rebalanceAction()) === 0n) continue;
        ((await ownerNow(symbol)) === address ? mine : others).push(symbol);
      }
      const sent = await sentBy(address);
      const report = await runOnce(me.context);
      expect(report.rebalanced).to.deep.equal(mine);
      // (BTC2L, small, waits for its reward.)
      expect(report.waiting.filter((symbol) => symbol in large)).to.deep.equal(others);
      expect(report.lostRace).to.deep.equal([]);
      // One transaction for its tokens (a batch for two), none for the other's.
      expect(await sentBy(address)).to.equal(sent + (mine.length > 0 ? 1 : 0));
      transactions += mine.length > 0 ? 1 : 0;
      // After both have passed on a block that neither sent in, the next block.
      if (pass % 2 === 1 && mine.length === 0) await ethers.provider.send("evm_mine", []);
      expect(other.logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
    }
    for (const symbol of symbols) {
      expect(await large[symbol].rebalanceAction()).to.equal(0n);
      expect(await large[symbol].queryFilter(large[symbol].filters.Rebalanced(), from + 1)).to.have.length(1);
    }
    expect((await sentBy(keepers[0])) + (await sentBy(keepers[1])) - before[0] - before[1]).to.equal(transactions);

    // Third: A has stopped. B, known to nobody as stopped, waits through A's slot, then takes its own, and drops A.
    await bothDue();
    await large.BTC3S.connect(chain.keeperB).rebalance();
    if ((await ownerNow("BTC3L")) !== keepers[0]) await ethers.provider.send("evm_mine", []);
    expect(await ownerNow("BTC3L")).to.equal(keepers[0]);
    // B knows A, and only A, as a rival, whatever the second event's blocks taught it (they follow the clock, and a
    // slot of A's that passed while a token paid drops A): the case here is B meeting A's slot.
    const latest = await ethers.provider.getBlockNumber();
    b.context.state.turns.rivals.clear();
    b.context.state.turns.rivals.set(keepers[0], latest);
    b.context.state.turns.scannedTo = latest;
    // (The second event may have logged a takeover of its own, when a block passed with neither sending.)
    const logged = b.logs.length;
    const early = await runOnce(b.context);
    expect(early.waiting).to.include("BTC3L");
    expect(early.rebalanced).to.deep.equal([]);
    expect(await large.BTC3L.rebalanceAction()).to.equal(1n);
    await ethers.provider.send("evm_mine", []);
    const late = await runOnce(b.context);
    expect(late.rebalanced).to.deep.equal(["BTC3L"]);
    const takeover = b.logs.slice(logged).find((l) => l.msg === "taking the turn of keepers that let it pass");
    expect(takeover).to.deep.include({ token: "BTC3L", missed: [keepers[0]], waited: 1 });
    expect(b.context.state.turns.rivals.has(keepers[0])).to.equal(false);
    expect(b.context.state.turns.rivals.has(keepers[1])).to.equal(false);
  });

  it("the turn order: the same for every keeper, one leader per due event, spread over the keepers", () => {
    const keepers = [1, 2, 3].map((i) => getAddress(`0x${String(i).repeat(40)}`));
    const led = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const token = getAddress(`0x${(i + 16).toString(16).padStart(40, "a")}`);
      const order = turnOrder(token, 1_000n + BigInt(i), keepers);
      expect(turnOrder(token, 1_000n + BigInt(i), [...keepers].reverse())).to.deep.equal(order);
      expect([...order].sort()).to.deep.equal([...keepers].sort());
      led.set(order[0], (led.get(order[0]) ?? 0) + 1);
    }
    // Each of three keepers leads some of sixty due events (a third each on average).
    for (const k of keepers) expect(led.get(k) ?? 0).to.be.greaterThan(5);
  });

  it("the slots: every block has one keeper, in the order's turn, a round of slots after another", () => {
    const [x, y, z] = [1, 2, 3].map((i) => getAddress(`0x${String(i).repeat(40)}`));
    expect([10, 11, 12, 13, 14, 15].map((n) => slotOwner([x, y, z], n, 1))).to.deep.equal([y, z, x, y, z, x]);
    expect([0, 1, 2, 3, 4, 5].map((n) => slotOwner([x, y], n, 2))).to.deep.equal([x, x, y, y, x, x]);
    // Two keepers that know each other never own the same block.
    for (let n = 0; n < 20; n++) expect(slotOwner([x, y], n, 1)).to.not.equal(slotOwner([x, y], n + 1, 1));
  });

  it("the keepers whose slots passed while a token paid: those owning a block from its first paying one, one round back at most", () => {
    const [x, y, z] = [1, 2, 3].map((i) => getAddress(`0x${String(i).repeat(40)}`));
    // Blocks 9, 10, 11 belong to x, y, z (9 mod 3 = 0).
    expect(missedSlots([x, y, z], z, 11, 11, 1)).to.deep.equal([]);
    expect(missedSlots([x, y, z], z, 10, 11, 1)).to.deep.equal([y]);
    expect(missedSlots([x, y, z], z, 9, 11, 1)).to.deep.equal([x, y]);
    expect(missedSlots([x, y, z], z, 0, 11, 1)).to.deep.equal([x, y]);
    expect(missedSlots([x, y], y, 0, 1_000_001, 1)).to.deep.equal([x]);
  });

  it("profit mode's trigger: a pass on each new block, none while the block stays the same", async () => {
    const blocks = [5, 5, 6, 6, 6, 8, 7];
    const check = newBlocks({ getBlockNumber: async () => blocks.shift() as number });
    const seen: boolean[] = [];
    for (let i = 0; i < 7; i++) seen.push(await check());
    expect(seen).to.deep.equal([true, false, true, false, false, true, false]);
  });

  it("an RPC that refuses the pending block: simulations fall back to the latest, said once", async () => {
    const chain = await loadFixture(oneLarge);
    const { context, logs } = keeper(chain, chain.keeperA);
    const refusing = {
      provider: ethers.provider,
      call: async (tx: TransactionRequest) => {
        if (tx.blockTag === "pending") throw new Error("unsupported block tag: pending");
        return ethers.provider.call(tx);
      },
    };
    context.connectToken = (address) => LeveragedToken__factory.connect(address, refusing);
    await fallDue(chain);
    const btc3l = { address: await chain.tokens.BTC3L.getAddress(), symbol: "BTC3L", trigger: "TIME" };
    expect(await simulateRebalance(context, btc3l)).to.equal(undefined);
    expect(await simulateRebalance(context, btc3l)).to.equal(undefined);
    expect(context.state.noPendingTag).to.equal(true);
    expect(
      logs.filter((l) => String(l.msg).startsWith("the RPC does not simulate on the pending block")),
    ).to.have.length(1);
  });

  it("the ETH price: KEEPER_ETH_PRICE, else the exchange's ETH market; profit mode without either stops", async () => {
    const chain = await loadFixture(oneLarge);
    const factory = chain.book.factory;
    const given = await ethPriceSource({ factory, ethPrice: usdc("2500"), mode: "profit" }, ethers.provider);
    expect(typeof given === "object" && (await given.read())).to.equal(usdc("2500"));
    // The keeper chain has a BTC market only.
    expect(await ethPriceSource({ factory, ethPrice: undefined, mode: "profit" }, ethers.provider)).to.equal(
      "--mode profit prices gas in USDC, and the exchange has no ETH market: set KEEPER_ETH_PRICE (or --eth-price) to the USD price of ETH, e.g. 3000",
    );
    expect(await ethPriceSource({ factory, ethPrice: undefined, mode: "operator" }, ethers.provider)).to.equal(
      undefined,
    );
    // With an ETH market, its price.
    const [admin] = await ethers.getSigners();
    const feed = await ethers.deployContract("SettablePriceFeed", [8, "ETH / USD", admin, feedPrice("3100.5")]);
    await chain.exchange.createMarket("ETH", marketConfig(await feed.getAddress()));
    const market = await ethPriceSource({ factory, ethPrice: undefined, mode: "profit" }, ethers.provider);
    expect(typeof market === "object" && market.source).to.equal("the exchange's ETH price");
    expect(typeof market === "object" && (await market.read())).to.equal(usdc("3100.5"));
  });
});
