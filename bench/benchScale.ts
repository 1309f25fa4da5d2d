/**
 * The benchmark's figures over 200 tokens: the FactoryUpkeep's gas (rows of gas-snapshot.json), and, informational
 * (not in gas-snapshot.json, never checked), one keeper tick against them over JSON-RPC and the Monte Carlo
 * back-test's speed. Loaded by the bench task after compiling (it needs the TypeChain types).
 */
import { performance } from "node:perf_hooks";
import { AbiCoder, Network, Wallet, ZeroAddress, parseEther, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deploySystem } from "../ignition/deploySystem";
import type { AddressBook } from "../src/chain/addressBook";
import { leverageWad } from "../src/deployment/listing";
import { loadSpec } from "../src/deployment/spec";
import { feedAnswer, parseUsdc } from "../src/text/units";
import { table } from "../src/text/format";
import { parseConfig } from "../src/bots/keeper/config";
import { PROVIDER_OPTIONS } from "../src/bots/kit/provider";
import { ethPriceSource, keeperContext } from "../src/bots/keeper/context";
import { createLogger } from "../src/node/logger";
import { KeeperMetrics } from "../src/bots/keeper/metrics";
import { runOnce } from "../src/bots/keeper/runOnce";
import { type KeeperContext } from "../src/bots/keeper/types";
import { runMonteCarlo } from "../src/model/monteCarlo";
import { ResilientJsonRpcProvider } from "../src/rpc/provider";

/** Ten markets with every leverage (1x to 10x, long and short) but one: 199 tokens; the eleventh holds LTC3L. */
const MARKETS = ["BTC", "ETH", "SOL", "AVAX", "LINK", "DOGE", "ARB", "OP", "UNI", "AAVE", "LTC"];
export const TOKENS = 200;
const MONTE_CARLO_TARGET = 5_000_000;

/** The keeper's JSON-RPC provider, counting at the transport: requests (a batch of N is N) and HTTP round trips. */
export class CountingProvider extends ResilientJsonRpcProvider {
  requests = 0;
  roundTrips = 0;
  transactions = 0;

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const calls = Array.isArray(payload) ? payload : [payload];
    this.roundTrips += 1;
    this.requests += calls.length;
    this.transactions += calls.filter((call) => call.method === "eth_sendRawTransaction").length;
    return super._send(payload);
  }
}

/**
 * Deploys the system (through the Ignition module, with the local parameters: fees and funding on) with eleven
 * markets and 200 tokens with 1,000 USDC minted in each, on the in-process chain: what the keeper pass and the app's
 * token list are measured against.
 */
export async function deployScaleSystem(hre: HardhatRuntimeEnvironment): Promise<AddressBook> {
  const { ethers } = hre;
  const base = loadSpec(hre.config.paths.root, "hardhat");
  const book = await deploySystem(hre, {
    ...base,
    markets: MARKETS.map((symbol) => ({ ...base.markets[0], symbol, feed: { kind: "settable", initialPrice: "100" } })),
    tokens: [],
    dex: { kind: "none" },
    pools: [],
  });
  const [admin] = await ethers.getSigners();
  const stablecoin = await ethers.getContractAt("MockStablecoin", book.stablecoin);
  const factory = await ethers.getContractAt("LeveragedTokenFactory", book.factory);
  const amount = parseUsdc("1000");
  await stablecoin.mint(admin, amount * BigInt(TOKENS));
  const leverages = Array.from({ length: 10 }, (_, i) => [i + 1, -(i + 1)]).flat();
  const wanted: [string, number][] = [
    ...MARKETS.slice(0, -1)
      .flatMap((market) => leverages.map((leverage): [string, number] => [market, leverage]))
      .slice(0, TOKENS - 1),
    ["LTC", 3],
  ];
  for (const [market, leverage] of wanted) {
    const marketId = book.markets[market].id;
    await factory.createToken(marketId, leverageWad(leverage));
    const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(marketId, leverageWad(leverage)));
    await stablecoin.approve(token, amount);
    await token.mint(amount, 1n, admin);
  }
  return book;
}

/** A day later, with every market's price fresh again: every token is due by time. */
async function nextDay(hre: HardhatRuntimeEnvironment, book: AddressBook): Promise<void> {
  const { ethers } = hre;
  await ethers.provider.send("evm_increaseTime", [86_400]);
  for (const market of MARKETS) {
    const feed = await ethers.getContractAt("SettablePriceFeed", book.markets[market].feed);
    await feed.updateAnswer((await feed.latestRoundData()).answer);
  }
}

/**
 * The FactoryUpkeep's gas over the 200 tokens of `deployScaleSystem`: a check with nothing due (it reads every
 * token: the most a check costs), as an Automation node simulates it (an eth_call from the zero address, less the
 * 21,000 base), and performs of 10 and of 50 (the most one takes) due tokens, with the data the check returns. The
 * chain is put back as it was.
 */
export async function measureUpkeep(
  hre: HardhatRuntimeEnvironment,
  book: AddressBook,
): Promise<Record<string, number>> {
  const { ethers } = hre;
  const snapshot = await ethers.provider.send("evm_snapshot", []);
  try {
    const upkeep = await ethers.getContractAt("FactoryUpkeep", book.upkeep as string);
    const to = await upkeep.getAddress();
    const data = upkeep.interface.encodeFunctionData("checkUpkeep", ["0x"]);
    const checked = async () => {
      const raw = await ethers.provider.call({ from: ZeroAddress, to, data });
      const [, performData] = upkeep.interface.decodeFunctionResult("checkUpkeep", raw) as unknown as [boolean, string];
      return (AbiCoder.defaultAbiCoder().decode(["address[]"], performData)[0] as string[]).slice();
    };
    const gasOf = async (tokens: string[]) => {
      const performData = AbiCoder.defaultAbiCoder().encode(["address[]"], [tokens]);
      const receipt = await (await upkeep.performUpkeep(performData)).wait();
      return Number(receipt?.gasUsed);
    };
    const gas: Record<string, number> = {};
    const estimate = await ethers.provider.estimateGas({ from: ZeroAddress, to, data });
    gas[`factory upkeep: checkUpkeep, ${TOKENS} tokens, none due (eth_call)`] = Number(estimate) - 21_000;
    await nextDay(hre, book);
    gas["factory upkeep: performUpkeep, 10 tokens"] = await gasOf((await checked()).slice(0, 10));
    const due = await checked();
    if (due.length !== Number(await upkeep.MAX_PERFORM_TOKENS())) throw new Error(`upkeep: ${due.length} due`);
    gas[`factory upkeep: performUpkeep, ${due.length} tokens`] = await gasOf(due);
    return gas;
  } finally {
    await ethers.provider.send("evm_revert", [snapshot]);
  }
}

/** The in-process chain served over HTTP on a loopback port, and a counting provider to it (the keeper's options). */
export async function servedChain(
  hre: HardhatRuntimeEnvironment,
  chainId: number,
): Promise<{ url: string; provider: CountingProvider; close: () => Promise<void> }> {
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const provider = new CountingProvider(url, Network.from(chainId), PROVIDER_OPTIONS);
  return {
    url,
    provider,
    close: async () => {
      provider.destroy();
      await server.close();
    },
  };
}

/**
 * Measures single keeper passes over the 200 tokens of `deployScaleSystem` (`runOnce`, configured with the keeper's
 * defaults and the address book's batcher and lens; one idle pass without the lens, as with an older address book)
 * through a counting provider, over HTTP to the in-process chain.
 */
export async function measureKeeperTicks(hre: HardhatRuntimeEnvironment, book: AddressBook): Promise<string> {
  const { ethers } = hre;
  const feeds = await Promise.all(MARKETS.map((m) => ethers.getContractAt("SettablePriceFeed", book.markets[m].feed)));
  const { url, provider, close } = await servedChain(hre, Number(book.chainId));
  try {
    const wallet = Wallet.createRandom();
    await ethers.provider.send("hardhat_setBalance", [wallet.address, `0x${parseEther("1000").toString(16)}`]);
    const config = parseConfig(
      [
        "--factory",
        book.factory,
        "--batcher",
        book.batcher as string,
        "--lens",
        book.lens as string,
        "--rpc-url",
        url,
        "--chain-id",
        String(book.chainId),
      ],
      { KEEPER_PRIVATE_KEY: wallet.privateKey },
      () => {
        throw new Error("no address book needed");
      },
    );
    // Logged as in production (JSON lines), but not printed.
    const logger = createLogger(config.logLevel, "json", { write: () => undefined });
    // The ETH price as the keeper's main finds it (the exchange's ETH market), to count its gas in USDC.
    const price = await ethPriceSource(config, provider);
    const batched = keeperContext(config, provider, logger, {
      signer: new Wallet(wallet.privateKey, provider),
      metrics: new KeeperMetrics(),
      ethPrice: typeof price === "object" ? price.read : undefined,
    });
    const perToken: KeeperContext = { ...batched, batcher: undefined };
    // An address book written before the lens: the factory's statuses, and one NAV read per token for the metrics.
    const noLens: KeeperContext = { ...batched, lens: undefined };

    const rows: string[][] = [];
    const tick = async (label: string, context: KeeperContext, due: number) => {
      provider.requests = provider.roundTrips = provider.transactions = 0;
      const started = performance.now();
      const report = await runOnce(context);
      const ms = performance.now() - started;
      if (report.tokens !== TOKENS || report.due.length !== due || report.rebalanced.length !== due) {
        throw new Error(
          `keeper tick "${label}": ${report.tokens} tokens, ${report.due.length} due, ${report.rebalanced.length} rebalanced, expected ${TOKENS}, ${due}, ${due}`,
        );
      }
      rows.push([
        label,
        String(due),
        provider.requests.toLocaleString("en-US"),
        provider.roundTrips.toLocaleString("en-US"),
        provider.transactions.toLocaleString("en-US"),
        ms.toFixed(0),
      ]);
    };
    await tick("first pass (reads the symbols)", batched, 0);
    await tick("nothing due", batched, 0);
    await tick("nothing due, no lens", noLens, 0);
    await feeds[MARKETS.indexOf("LTC")].updateAnswer(feedAnswer("88")); // -12%: LTC3L leaves its band
    await tick("one due (drift)", batched, 1);
    await nextDay(hre, book);
    await tick(`all due (time), batches of ${config.maxBatch}`, batched, TOKENS);
    await nextDay(hre, book);
    await tick("all due (time), no batcher", perToken, TOKENS);

    return [
      `keeper: one pass (runOnce) over ${TOKENS} tokens on ${MARKETS.length} markets, JSON-RPC over HTTP to the in-process chain`,
      "",
      table(["pass", "due", "JSON-RPC requests", "HTTP round trips", "transactions", "wall time (ms)"], rows),
    ].join("\n");
  } finally {
    await close();
  }
}

/** Path-days per second of `runMonteCarlo`, the function behind `npm run backtest -- --gbm` (after a warm-up). */
export function measureMonteCarlo(): string {
  const options = { leverage: 3, volatility: 0.8, days: 365, seed: 1 };
  runMonteCarlo({ ...options, paths: 2_000 });
  const started = performance.now();
  const { pathDays } = runMonteCarlo({ ...options, paths: 20_000 });
  const perSecond = Math.round(pathDays / ((performance.now() - started) / 1000));
  const verdict = perSecond >= MONTE_CARLO_TARGET ? "met" : "NOT met";
  return [
    `back-test: Monte Carlo (--gbm), 20,000 paths x 365 days, 3x, vol 80%`,
    "",
    table(
      ["figure", "value", "target"],
      [
        [
          "path-days/s",
          perSecond.toLocaleString("en-US"),
          `>= ${MONTE_CARLO_TARGET.toLocaleString("en-US")} ${verdict}`,
        ],
      ],
    ),
  ].join("\n");
}
