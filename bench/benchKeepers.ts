/**
 * The bench's "keepers anyone can run" section (informational: printed, never checked, not in gas-snapshot.json): two
 * profit-mode keepers (each its own process, `scripts/keeper.ts` as `npm run keeper` runs it, with its own key) race for the keeper rewards of
 * the local deployment's tokens on the in-process chain mining a block a second, the operator's keeper off, until
 * 200 due rebalances are done. Loaded by the bench task after compiling (it needs the TypeChain types).
 */
import { Wallet, formatUnits, parseEther, type TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deploySystem } from "../ignition/deploySystem";
import type { AddressBook } from "../src/chain/addressBook";
import {
  BatchRebalancer__factory,
  LeveragedToken__factory,
  LeveragedTokenFactory__factory,
  PerpExchange__factory,
  SettablePriceFeed__factory,
} from "../src/chain/contracts";
import { leverageWad } from "../src/deployment/listing";
import { loadSpec } from "../src/deployment/spec";
import { table } from "../src/text/format";
import { readTokenList, type TokenListing } from "../src/reads/lens";
import { feedAnswer, parseUsdc, USDC_DECIMALS } from "../src/text/units";
import { servedChain } from "./benchScale";
import { startBot, type KeeperProcess } from "../scripts/localNode";

/** Rebalances to wait for. */
const REBALANCES = 200;
/** Tokens beyond the local deployment's nine, so that a day brings more rebalances. */
const EXTRA_TOKENS: [string, number][] = [
  ["BTC", -2],
  ["ETH", -2],
  ["SOL", 2],
  ["SOL", -2],
  ["ETH", 1],
  ["SOL", -1],
];
/** USDC each of two holders mints into each token: 300,000 of equity, whose budget (0.5% a year) is 4 USDC a day. */
const MINT = parseUsdc("150000");
/** The keepers' fee cap, gwei: an L2's gas price (the chain's base fee is kept below it). */
const FEE_GWEI = "0.01";
/** How often the keepers ask for the block number (a pass runs on each new block): different, as two independent keepers' would be. */
const POLL_MS = [100, 150];
/** A round gives up waiting for its due rebalances after this long. */
const ROUND_TIMEOUT_MS = 60_000;
const DAY = 86_400;
const YEAR = 365 * DAY;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const usd = (units: bigint) => formatUnits(units, USDC_DECIMALS);

/** One profit keeper: its wallet and its process (whose JSON log lines are collected). */
interface Racer {
  name: string;
  wallet: Wallet;
  process: KeeperProcess;
}

/** The due tokens a keeper found done (or sent) by the other and sent nothing for, from its log. */
const lostRaces = (racer: Racer) =>
  racer.process.logs.filter((line) => line.msg === "already rebalanced by another keeper").length;

/**
 * Runs the race and returns the section: its title, its table, and a few notes. Leaves the chain automining again.
 */
export async function measureKeepers(hre: HardhatRuntimeEnvironment): Promise<string> {
  const { ethers } = hre;
  const send = (method: string, params: unknown[] = []) => ethers.provider.send(method, params);
  const [admin, ...others] = await ethers.getSigners();
  const holders = others.slice(5, 7);
  const setupStarted = Date.now();

  // The local deployment (BTC, ETH and SOL; fees and funding on) and six more tokens, each with two holders.
  const base = loadSpec(hre.config.paths.root, "hardhat");
  const book: AddressBook = await deploySystem(hre, { ...base, dex: { kind: "none" }, pools: [] });
  const factory = LeveragedTokenFactory__factory.connect(book.factory, admin);
  for (const [market, leverage] of EXTRA_TOKENS) {
    await (await factory.createToken(book.markets[market].id, leverageWad(leverage))).wait();
  }
  const stablecoin = await ethers.getContractAt("MockStablecoin", book.stablecoin);
  const addresses = [...(await factory.allTokens())];
  for (const holder of holders) {
    await (await stablecoin.mint(holder, MINT * BigInt(addresses.length))).wait();
    for (const address of addresses) {
      const token = LeveragedToken__factory.connect(address, holder);
      await (await stablecoin.connect(holder).approve(address, MINT)).wait();
      await (await token.mint(MINT, 1n, holder)).wait();
    }
  }
  const feeds = Object.fromEntries(
    Object.entries(book.markets).map(([symbol, m]) => [symbol, SettablePriceFeed__factory.connect(m.feed, admin)]),
  );
  const exchange = PerpExchange__factory.connect(book.exchange, ethers.provider);
  const batcher = BatchRebalancer__factory.connect(book.batcher as string, ethers.provider);
  const list = () => readTokenList(book, ethers.provider).then((l) => l.tokens);
  // The tokens were listed over a few minutes of the chain's clock: one rebalance of all of them (paid to the admin)
  // puts their time triggers together, as for tokens rebalanced daily by one keeper.
  const due = Math.max(...(await list()).map((t) => Number(t.nextRebalance)));
  await send("evm_setNextBlockTimestamp", [due]);
  for (const feed of Object.values(feeds))
    await (await feed.updateAnswer((await feed.latestRoundData()).answer)).wait();
  await (await batcher.connect(admin).rebalance(addresses)).wait();
  const start = await list();
  const symbols = new Map(start.map((t) => [t.address, t.symbol]));

  // Two keepers with fresh keys (their first reward in a market opens their margin slot there), each its own process
  // (`scripts/keeper.ts`, as `npm run keeper` runs it) with its own provider to the chain served over HTTP, in profit
  // mode at the L2's fee.
  const chainId = Number(book.chainId);
  const { url, close } = await servedChain(hre, chainId);
  const racers: Racer[] = [];
  for (const [i, name] of ["A", "B"].entries()) {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    await send("hardhat_setBalance", [wallet.address, `0x${parseEther("10").toString(16)}`]);
    const args = [
      ...["--factory", book.factory, "--batcher", book.batcher as string, "--lens", book.lens as string],
      ...["--rpc-url", url, "--chain-id", String(chainId), "--mode", "profit", "--block-time", "1"],
      ...["--max-fee-gwei", FEE_GWEI, "--tx-timeout", "3000", "--max-replacements", "0"],
    ];
    const child = startBot("keeper", args, {
      KEEPER_PRIVATE_KEY: wallet.privateKey,
      KEEPER_POLL_INTERVAL_MS: String(POLL_MS[i]),
      KEEPER_LOG_LEVEL: "info",
      KEEPER_LOG_FORMAT: "json",
    });
    racers.push({ name, wallet, process: child });
  }
  const stopKeepers = () => Promise.all(racers.map((r) => r.process.kill("SIGTERM")));
  try {
    // Both watching every token before the race starts.
    const watching = (racer: Racer) => racer.process.logs.filter((line) => line.msg === "watching token").length;
    for (const racer of racers) {
      await racer.process.waitForLog(() => watching(racer) === addresses.length, 120_000);
    }
  } catch (error) {
    await stopKeepers();
    await close();
    throw error;
  }

  // A block a second, the base fee far below the keepers' cap; the operator's keeper is off.
  const from = await ethers.provider.getBlockNumber();
  await send("hardhat_setNextBlockBaseFeePerGas", ["0x3e8"]);
  await send("evm_setAutomine", [false]);
  await send("evm_setIntervalMining", [1000]);

  /** Tokens whose rebalance pays a reward now or within a minute (a drift below the band pays none). */
  const rewardedDue = (tokens: TokenListing[], now: number) =>
    tokens.filter((t) => {
      const above = t.leverage < 0n ? -t.leverage > t.bandUpper : t.leverage > t.bandUpper;
      return (t.action === "drift" && above) || Number(t.nextRebalance) <= now + 60;
    });
  const latest = async () => (await ethers.provider.getBlock("latest"))!;
  const rebalanceCount = async () =>
    (
      await Promise.all(
        addresses.map((a) =>
          LeveragedToken__factory.connect(a, ethers.provider).queryFilter(
            LeveragedToken__factory.connect(a, ethers.provider).filters.Rebalanced(),
            from + 1,
          ),
        ),
      )
    ).reduce((n, events) => n + events.length, 0);
  /** The blocks at which a price move took a token above its band (from them its reward grows). */
  const driftStarts: { token: string; block: number }[] = [];
  let timedOut = 0;
  const prices: Record<string, number> = {};
  for (const [market, feed] of Object.entries(feeds))
    prices[market] = Number((await feed.latestRoundData()).answer) / 1e8;

  /** Moves the clock to `timestamp`, refreshes every price (moving `move`), then waits for the rewarded rebalances. */
  const round = async (timestamp: number, move?: { market: string; factor: number }) => {
    await send("evm_setNextBlockTimestamp", [timestamp]);
    if (move) prices[move.market] *= move.factor;
    const sent = [];
    for (const [market, feed] of Object.entries(feeds)) {
      sent.push(await feed.updateAnswer(feedAnswer(prices[market].toFixed(4))));
    }
    const mined = await Promise.all(sent.map((tx) => tx.wait()));
    if (move) {
      const block = Math.max(...mined.map((r) => r!.blockNumber));
      const tokens = await readTokenList(book, ethers.provider, { blockTag: block }).then((l) => l.tokens);
      for (const t of tokens) {
        const above = t.leverage < 0n ? -t.leverage > t.bandUpper : t.leverage > t.bandUpper;
        if (t.action === "drift" && above) driftStarts.push({ token: t.address, block });
      }
    }
    const deadline = Date.now() + ROUND_TIMEOUT_MS;
    for (;;) {
      if (rewardedDue(await list(), (await latest()).timestamp).length === 0) return;
      if (Date.now() > deadline) {
        timedOut += 1;
        return;
      }
      // Not too often: the keepers share the in-process node with these reads.
      await sleep(500);
    }
  };

  const started = Date.now();
  try {
    for (let day = 0; (await rebalanceCount()) < REBALANCES; day++) {
      const now = (await latest()).timestamp;
      // Six hours on: one market moves (down 12%: its 3x long leaves the band upwards; up 8%: its 3x short does).
      const market = day % 2 === 0 ? "BTC" : "SOL";
      await round(now + 6 * 3_600, { market, factor: day % 4 < 2 ? 0.88 : 1.08 });
      // Then the first time trigger: the tokens rebalanced a day before fall due, one after the other.
      const next = Math.min(...(await list()).map((t) => Number(t.nextRebalance)));
      await round(Math.max(next, (await latest()).timestamp + 1));
    }
  } finally {
    await stopKeepers();
  }
  const seconds = (Date.now() - started) / 1000;
  // USDC units per ETH, from the ETH market's feed (8 decimals), as the keepers priced their gas.
  const ethPrice = parseUsdc(prices.ETH.toFixed(USDC_DECIMALS));

  // What a rebalance that is not due costs (what a keeper that lost the race and sent all the same pays).
  await send("evm_setIntervalMining", [0]);
  await send("evm_setAutomine", [true]);
  const notDue = (await list()).find((t) => t.action === "none")!;
  const loser = new Wallet(racers[0].wallet.privateKey, ethers.provider);
  const justDone = LeveragedToken__factory.connect(notDue.address, loser);
  try {
    await (await justDone.rebalance({ gasLimit: 300_000 })).wait();
  } catch {
    // reverted, as intended (Hardhat reports a failed transaction it automines as an error): the receipt says so
  }
  const lastBlock = (await ethers.provider.getBlock("latest", true))!;
  const lostTx = lastBlock.prefetchedTransactions.find((tx) => tx.from === loser.address && tx.to === notDue.address);
  const notDueReceipt = lostTx && (await ethers.provider.getTransactionReceipt(lostTx.hash));
  if (!notDueReceipt || notDueReceipt.status !== 0) {
    throw new Error("keeper bench: the not-due rebalance did not revert");
  }
  const notDueGas = notDueReceipt.gasUsed;
  await close();

  // Every block of the race, and every transaction the keepers sent.
  const to = notDueReceipt.blockNumber - 1;
  const blocks: { number: number; timestamp: number }[] = [];
  const receipts: TransactionReceipt[] = [];
  const keeperAddresses = new Set(racers.map((r) => r.wallet.address.toLowerCase()));
  for (let n = from + 1; n <= to; n++) {
    const block = (await ethers.provider.getBlock(n, true))!;
    blocks.push({ number: n, timestamp: block.timestamp });
    for (const tx of block.prefetchedTransactions) {
      if (!keeperAddresses.has(tx.from.toLowerCase())) continue;
      const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
      if (receipt) receipts.push(receipt);
    }
  }
  const firstBlockAt = (timestamp: number) => blocks.find((b) => b.timestamp >= timestamp)?.number ?? to;

  // The rebalances, each with its reward and how many blocks it waited since its reward started to grow.
  const transferTopic = exchange.interface.getEvent("MarginTransferred").topicHash;
  const rewardOf = new Map<string, bigint>(); // by "tx hash/token"
  const rewardsByToken = new Map<string, bigint>();
  const singleGas: number[] = [];
  const batchGasPerToken: number[] = [];
  let losers = 0;
  const byKeeper = new Map<string, { rebalances: number; rewards: bigint; gasWei: bigint; transactions: number }>();
  for (const receipt of receipts) {
    const keeper = receipt.from.toLowerCase();
    const mine = byKeeper.get(keeper) ?? { rebalances: 0, rewards: 0n, gasWei: 0n, transactions: 0 };
    byKeeper.set(keeper, mine);
    mine.transactions += 1;
    mine.gasWei += receipt.gasUsed * receipt.gasPrice;
    let rebalanced = 0;
    for (const log of receipt.logs) {
      if (log.topics[0] === transferTopic) {
        const parsed = exchange.interface.parseLog(log)!;
        const token = (parsed.args.from as string).toLowerCase();
        rewardOf.set(`${receipt.hash}/${token}`, parsed.args.amount);
        rewardsByToken.set(token, (rewardsByToken.get(token) ?? 0n) + parsed.args.amount);
        mine.rewards += parsed.args.amount;
      }
      if (symbols.has(log.address) && log.topics[0] === justDone.interface.getEvent("Rebalanced").topicHash) {
        rebalanced += 1;
      }
    }
    mine.rebalances += rebalanced;
    if (rebalanced === 0) losers += 1;
    else if (receipt.to?.toLowerCase() === (await batcher.getAddress()).toLowerCase()) {
      batchGasPerToken.push(Number(receipt.gasUsed) / rebalanced);
    } else if (rebalanced === 1) singleGas.push(Number(receipt.gasUsed));
  }

  const latencies: number[] = [];
  const rewards: number[] = [];
  let rebalances = 0;
  for (const t of start) {
    const token = LeveragedToken__factory.connect(t.address, ethers.provider);
    const events = await token.queryFilter(token.filters.Rebalanced(), from + 1);
    let last = Number(t.lastRebalance);
    let lastBlock = from;
    for (const event of events) {
      rebalances += 1;
      // Its reward started at the time trigger, or at a price move that took it above its band since the last one.
      const timeDue = firstBlockAt(last + DAY);
      const drift = driftStarts.find(
        (d) => d.token === t.address && d.block > lastBlock && d.block <= event.blockNumber,
      );
      latencies.push(event.blockNumber - Math.min(timeDue, drift?.block ?? Infinity));
      rewards.push(Number(usd(rewardOf.get(`${event.transactionHash}/${t.address.toLowerCase()}`) ?? 0n)));
      last = blocks.find((b) => b.number === event.blockNumber)?.timestamp ?? last;
      lastBlock = event.blockNumber;
    }
  }
  latencies.sort((a, b) => a - b);
  rewards.sort((a, b) => a - b);
  const end = await list();
  const elapsed = blocks[blocks.length - 1].timestamp - Number((await ethers.provider.getBlock(from))!.timestamp);
  const bpPerYear = start.map((t) => {
    const equity = (Number(t.equity) + Number(end.find((e) => e.address === t.address)!.equity)) / 2;
    const paid = Number(rewardsByToken.get(t.address.toLowerCase()) ?? 0n);
    return (paid / equity) * (YEAR / elapsed) * 10_000;
  });
  const median = (values: number[]) =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  const met = (value: number, target: number) => (value <= target ? `<= ${target} met` : `> ${target} NOT met`);
  const count = (n: number) => n.toLocaleString("en-US");

  const rows: string[][] = [
    ["rebalances (by the two keepers)", count(rebalances), ""],
    ["latency p50 (blocks)", String(quantile(latencies, 0.5)), ""],
    ["latency p95 (blocks)", String(quantile(latencies, 0.95)), met(quantile(latencies, 0.95), 3)],
    ["latency max (blocks)", String(latencies[latencies.length - 1]), ""],
    ["reward per rebalance (USDC) p50", quantile(rewards, 0.5).toFixed(6), ""],
    ["reward per rebalance (USDC) max", rewards[rewards.length - 1].toFixed(6), ""],
    [
      "rewards per year (bp of equity), most paid by a token",
      Math.max(...bpPerYear).toFixed(4),
      met(Math.max(...bpPerYear), 50),
    ],
    ["transactions sent by losers", String(losers), met(losers, 0)],
    ["gas of a rebalance with its reward", count(median(singleGas)), ""],
    ["gas of a batch, per token (with rewards)", count(Math.round(median(batchGasPerToken))), ""],
    ["gas of a not-due rebalance", count(Number(notDueGas)), ""],
  ];
  const perKeeper = racers.map((racer) => {
    const mine = byKeeper.get(racer.wallet.address.toLowerCase()) ?? {
      rebalances: 0,
      rewards: 0n,
      gasWei: 0n,
      transactions: 0,
    };
    const gasUsd = (mine.gasWei * ethPrice) / 10n ** 18n;
    return `keeper ${racer.name}: ${mine.rebalances} rebalances in ${mine.transactions} transactions, rewards ${usd(mine.rewards)} - gas ${usd(gasUsd)} = net ${usd(mine.rewards - gasUsd)} USDC, ${lostRaces(racer)} times a due token was found done by the other first.`;
  });
  return [
    `keepers anyone can run: two profit-mode keepers (processes passing on each new block, asking for it every ${POLL_MS.join(" / ")} ms, each its own key) race over ${addresses.length} tokens with holders, 1-second blocks, gas at ${FEE_GWEI} gwei (their cap: an L2's), ETH at ${Number(usd(ethPrice)).toLocaleString("en-US")} USDC, the operator's keeper off`,
    "",
    table(["figure", "value", "target"], rows),
    "",
    `${rebalances} rebalances over ${Math.round(elapsed / DAY)} days of chain time (a price move 6 h into each day, then the time trigger) in ${seconds.toFixed(0)} s of wall time (after ${((started - setupStarted) / 1000).toFixed(0)} s of setup); rounds that gave up waiting: ${timedOut}.`,
    ...perKeeper,
    `Latency (blocks: rebalances): ${[...new Set(latencies)].map((l) => `${l}: ${latencies.filter((x) => x === l).length}`).join(", ")}.`,
    "Latency counts blocks from the first block at which the reward grows (the time trigger's, or the price move's that took the token above its band) to the block that mined the rebalance; gas is the receipt's (with the 21,000 base).",
  ].join("\n");
}
