import { expect } from "chai";
import { parseUnits } from "ethers";
import { ConfigError } from "../../src/bots/kit/settings";
import { parseConfig } from "../../src/bots/keeper/config";
import { prettyLine } from "../../src/node/logger";
import { itRefuses, type Refusal } from "../helpers/refusals";

const KEY = `0x${"11".repeat(32)}`;
const FACTORY = `0x${"ab".repeat(20)}`;
const BATCHER = `0x${"cd".repeat(20)}`;
const DEPLOYER = `0x${"de".repeat(20)}`;
const LENS = `0x${"1e".repeat(20)}`;
const book = (network: string) => {
  if (network === "withbatcher") return { factory: FACTORY, chainId: 31337, batcher: BATCHER };
  if (network === "withlens") return { factory: FACTORY, chainId: 31337, batcher: BATCHER, lens: LENS };
  if (network === "sepolia") return { factory: FACTORY, chainId: 11155111 };
  if (network === "withdeployer") return { factory: FACTORY, chainId: 31337, deployer: DEPLOYER };
  if (network !== "localhost") throw new Error(`no address book for network "${network}"`);
  return { factory: FACTORY, chainId: 31337 }; // an address book written before the batcher
};

describe("keeper: configuration", () => {
  it("reads the address book, KEEPER_* variables and defaults; flags win over variables", () => {
    const config = parseConfig(
      ["--network", "localhost", "--poll-interval=500", "--once"],
      {
        KEEPER_PRIVATE_KEY: KEY,
        KEEPER_POLL_INTERVAL_MS: "9000",
        KEEPER_MAX_FEE_GWEI: "2.5",
        KEEPER_METRICS_PORT: "9464",
      },
      book,
    );
    expect(config).to.include({
      rpcUrl: "http://127.0.0.1:8545",
      factory: FACTORY,
      expectedChainId: 31337,
      pollIntervalMs: 500,
      gasLimitMargin: 1.25,
      confirmations: 1,
      once: true,
      dryRun: false,
      logFormat: "json",
      metricsPort: 9464,
    });
    expect(config.maxFeePerGas).to.equal(parseUnits("2.5", 9));
    expect(config).to.include({ batcher: undefined, maxBatch: 50 });
  });

  it("takes the batcher from the address book or --batcher, and KEEPER_MAX_BATCH", () => {
    const env = { KEEPER_PRIVATE_KEY: KEY, KEEPER_RPC_URL: "http://127.0.0.1:8545" };
    expect(parseConfig(["--network", "withbatcher"], env, book)).to.include({ batcher: BATCHER, maxBatch: 50 });
    const other = `0x${"ef".repeat(20)}`;
    expect(
      parseConfig(["--network", "withbatcher", "--batcher", other], { ...env, KEEPER_MAX_BATCH: "256" }, book),
    ).to.include({ batcher: other, maxBatch: 256 });
  });

  it("takes the lens from the address book or --lens; an address book written before it has none", () => {
    const env = { KEEPER_PRIVATE_KEY: KEY, KEEPER_RPC_URL: "http://127.0.0.1:8545" };
    expect(parseConfig(["--network", "withlens"], env, book)).to.include({ lens: LENS });
    expect(parseConfig(["--network", "withbatcher"], env, book)).to.include({ lens: undefined });
    const other = `0x${"ef".repeat(20)}`;
    expect(parseConfig(["--network", "withbatcher"], { ...env, KEEPER_LENS: other }, book)).to.include({ lens: other });
    expect(() => parseConfig(["--network", "withlens", "--lens", "0x12"], env, book)).to.throw(
      "--lens must be an address",
    );
  });

  it("profit mode: --mode, KEEPER_MIN_PROFIT, KEEPER_PROFIT_MARGIN, KEEPER_ETH_PRICE, KEEPER_BLOCK_TIME", () => {
    const env = { KEEPER_PRIVATE_KEY: KEY };
    const defaults = parseConfig(["--network", "localhost"], env, book);
    expect(defaults).to.include({ mode: "operator", minProfit: 0n, profitMargin: 1.2, blockTime: 12 });
    expect(defaults.sendJitterMs).to.equal(3_000); // a quarter of the block time
    expect(defaults.turnBlocks).to.equal(1);
    expect(parseConfig(["--network", "localhost", "--turn-blocks", "3"], env, book).turnBlocks).to.equal(3);
    expect(defaults.ethPrice).to.equal(undefined);
    const profit = parseConfig(
      ["--network", "localhost", "--mode", "profit", "--profit-margin=1.5", "--eth-price", "3000.25"],
      { ...env, KEEPER_MIN_PROFIT: "0.05", KEEPER_BLOCK_TIME: "2", KEEPER_PROFIT_MARGIN: "3" },
      book,
    );
    expect(profit).to.include({ mode: "profit", minProfit: 50_000n, profitMargin: 1.5, blockTime: 2 });
    expect(profit.sendJitterMs).to.equal(500);
    const jitter = (argv: string[], extra: Record<string, string>) =>
      parseConfig(["--network", "localhost", ...argv], { ...env, ...extra }, book).sendJitterMs;
    expect(jitter([], { KEEPER_SEND_JITTER_MS: "0" })).to.equal(0);
    expect(jitter(["--send-jitter-ms", "120"], { KEEPER_SEND_JITTER_MS: "0" })).to.equal(120);
    expect(profit.ethPrice).to.equal(3_000_250_000n);
    expect(parseConfig(["--network", "localhost"], { ...env, KEEPER_MODE: "profit" }, book).mode).to.equal("profit");
  });

  it("dry run needs no key; a factory address needs no address book", () => {
    const config = parseConfig(
      ["--factory", FACTORY, "--rpc-url", "http://127.0.0.1:9999", "--dry-run", "--chain-id", "5"],
      {},
      book,
    );
    expect(config).to.include({ factory: FACTORY, dryRun: true, expectedChainId: 5 });
    expect(config.privateKey).to.equal(undefined);
  });

  it("with no key on the local chain (31337), signs with the node's dev account that is not the deployer", () => {
    const config = parseConfig(["--network", "withdeployer"], { KEEPER_RPC_URL: "http://127.0.0.1:8545" }, book);
    expect(config).to.include({ devAccount: true, deployer: DEPLOYER });
    expect(config.privateKey).to.equal(undefined);
    expect(parseConfig(["--network", "localhost"], { KEEPER_PRIVATE_KEY: KEY }, book)).to.include({
      devAccount: false,
    });
    expect(parseConfig(["--network", "localhost", "--dry-run"], {}, book)).to.include({ devAccount: false });
  });

  it("takes the RPC URL by the same rules as every entry point: LOCALHOST_RPC_URL, a testnet's variable", () => {
    const env = { KEEPER_PRIVATE_KEY: KEY };
    expect(parseConfig(["--network", "localhost"], env, book)).to.include({
      rpcUrl: "http://127.0.0.1:8545",
      rpcUrlSource: "default",
    });
    expect(
      parseConfig(["--network", "localhost"], { ...env, LOCALHOST_RPC_URL: "http://127.0.0.1:9545" }, book),
    ).to.include({ rpcUrl: "http://127.0.0.1:9545", rpcUrlSource: "LOCALHOST_RPC_URL" });
    expect(
      parseConfig(["--network", "sepolia"], { ...env, SEPOLIA_RPC_URL: "https://rpc.example/key" }, book),
    ).to.include({ rpcUrl: "https://rpc.example/key", rpcUrlSource: "SEPOLIA_RPC_URL" });
    expect(
      parseConfig(
        ["--network", "localhost", "--rpc-url", "http://127.0.0.1:7545"],
        { ...env, LOCALHOST_RPC_URL: "http://127.0.0.1:9545" },
        book,
      ),
    ).to.include({ rpcUrl: "http://127.0.0.1:7545", rpcUrlSource: "--rpc-url" });
  });

  const refusals: Refusal[] = [
    [
      "no key off the local chain",
      ["--network", "sepolia"],
      { SEPOLIA_RPC_URL: "https://rpc.example" },
      "KEEPER_PRIVATE_KEY is required (or run with --dry-run, which never signs)",
    ],
    [
      "a testnet without its RPC URL",
      ["--network", "sepolia"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_RPC_URL (or --rpc-url, or SEPOLIA_RPC_URL) is required",
    ],
    [
      "a short key",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: "0xabc" },
      "KEEPER_PRIVATE_KEY must be 32 bytes of hex (64 hex digits)",
    ],
    [
      "no factory",
      ["--rpc-url", "http://127.0.0.1:1"],
      { KEEPER_PRIVATE_KEY: KEY },
      "no factory: give --network <name> (an address book) or --factory 0x..",
    ],
    [
      "an unknown network",
      ["--network", "mainnet"],
      { KEEPER_PRIVATE_KEY: KEY },
      'no address book for network "mainnet"',
    ],
    [
      "a bad margin",
      ["--network", "localhost", "--gas-limit-margin", "0.5"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_GAS_LIMIT_MARGIN must be between 1 and 5 (e.g. 1.25)",
    ],
    [
      "a bad log format",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_LOG_FORMAT: "xml" },
      "KEEPER_LOG_FORMAT must be json or pretty",
    ],
    [
      "a batch too large for the contract",
      ["--network", "localhost", "--max-batch", "257"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_MAX_BATCH (tokens per batch transaction) must be between 1 and 256",
    ],
    [
      "a malformed batcher",
      ["--network", "localhost", "--batcher", "0x12"],
      { KEEPER_PRIVATE_KEY: KEY },
      "--batcher must be an address (0x and 40 hex digits)",
    ],
    [
      "an unknown mode",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_MODE: "greedy" },
      "KEEPER_MODE must be operator or profit",
    ],
    [
      "a profit margin below 1",
      ["--network", "localhost", "--profit-margin", "0.9"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_PROFIT_MARGIN must be between 1 and 100 (e.g. 1.2)",
    ],
    [
      "a profit margin that is no number",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_PROFIT_MARGIN: "x2" },
      "KEEPER_PROFIT_MARGIN must be a decimal number like 1.5",
    ],
    [
      "a negative minimum profit",
      ["--network", "localhost", "--min-profit", "-1"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_MIN_PROFIT (USDC) must be a decimal number like 1.5",
    ],
    [
      "a minimum profit finer than a USDC unit",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_MIN_PROFIT: "0.0000001" },
      "KEEPER_MIN_PROFIT (USDC) has at most 6 decimals",
    ],
    [
      "an ETH price of 0",
      ["--network", "localhost", "--eth-price", "0"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_ETH_PRICE must be greater than 0",
    ],
    [
      "an ETH price that is no number",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_ETH_PRICE: "$3000" },
      "KEEPER_ETH_PRICE (USD per ETH) must be a decimal number like 1.5",
    ],
    [
      "a block time of 0",
      ["--network", "localhost", "--block-time", "0"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_BLOCK_TIME (seconds between blocks) must be between 1 and 3600",
    ],
    [
      "a block time in milliseconds",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_BLOCK_TIME: "0.25" },
      "KEEPER_BLOCK_TIME (seconds between blocks) must be a whole number",
    ],
    [
      "a send jitter in seconds",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_SEND_JITTER_MS: "0.5" },
      "KEEPER_SEND_JITTER_MS (ms) must be a whole number",
    ],
    [
      "a send jitter of more than a minute",
      ["--network", "localhost", "--send-jitter-ms", "60001"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_SEND_JITTER_MS (ms) must be at most 60000",
    ],
    [
      "a turn of 0 blocks",
      ["--network", "localhost"],
      { KEEPER_PRIVATE_KEY: KEY, KEEPER_TURN_BLOCKS: "0" },
      "KEEPER_TURN_BLOCKS (blocks a turn) must be between 1 and 1000",
    ],
    ["an unknown flag", ["--netwrok", "localhost"], {}, "unknown option --netwrok (see docs/KEEPER.md)"],
    ["a flag without value", ["--network"], {}, "--network needs a value"],
    [
      "a conflicting chain id",
      ["--network", "localhost", "--chain-id", "1"],
      { KEEPER_PRIVATE_KEY: KEY },
      "KEEPER_CHAIN_ID 1 does not match the localhost address book's 31337",
    ],
  ];
  itRefuses(refusals, (argv, env) => parseConfig(argv, env, book), ConfigError);

  it("the human log format prints time, level, message and fields on one line", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: Date.UTC(2025, 0, 1, 12, 0, 1, 5),
        name: "keeper",
        msg: "rebalanced",
        token: "BTC3L",
        gasUsed: "100",
      }),
    );
    expect(line).to.equal("12:00:01.005 INFO  rebalanced token=BTC3L gasUsed=100");
  });
});
