import { expect } from "chai";
import { parseUnits } from "ethers";
import { ConfigError } from "../../src/bots/kit/settings";
import { parseConfig, type ArbitrageBook } from "../../src/bots/arbitrage/config";
import { itRefuses, type Refusal } from "../helpers/refusals";

const KEY = `0x${"11".repeat(32)}`;
const FACTORY = `0x${"ab".repeat(20)}`;
const DEX = `0x${"cd".repeat(20)}`;
const FLASH = `0x${"ef".repeat(20)}`;
const book = (network: string): ArbitrageBook => {
  if (network === "localhost")
    return { network, factory: FACTORY, chainId: 31337, dex: { factory: DEX, arbitrage: FLASH } };
  if (network === "sepolia")
    return { network, factory: FACTORY, chainId: 11155111, dex: { factory: DEX, arbitrage: FLASH } };
  if (network === "nodex") return { network, factory: FACTORY, chainId: 31337 };
  if (network === "old") return { network, factory: FACTORY, chainId: 31337, dex: { factory: DEX } };
  throw new Error(`no address book for network "${network}"`);
};

describe("arbitrage bot: configuration", () => {
  it("reads the address book, ARB_* variables and defaults; flags win over variables", () => {
    const config = parseConfig(
      ["--network", "localhost", "--min-profit=2.5", "--once"],
      { ARB_PRIVATE_KEY: KEY, ARB_MIN_PROFIT_USD: "9", ARB_MAX_FEE_GWEI: "3", ARB_METRICS_PORT: "9465" },
      book,
    );
    expect(config).to.include({
      rpcUrl: "http://127.0.0.1:8545",
      factory: FACTORY,
      dexFactory: DEX,
      arbitrage: FLASH,
      expectedChainId: 31337,
      minProfit: 2_500_000n,
      nativeMarket: "ETH",
      once: true,
      dryRun: false,
      devAccount: false,
      metricsPort: 9465,
    });
    expect(config.maxFeePerGas).to.equal(parseUnits("3", 9));
    expect([config.nativePrice, config.receiver]).to.deep.equal([undefined, undefined]);
  });

  it("with no key on the local chain, signs with a dev account; addresses and the gas price can be given directly", () => {
    expect(parseConfig(["--network", "localhost"], {}, book)).to.include({ devAccount: true });
    const config = parseConfig(
      [
        "--factory",
        FACTORY,
        "--dex-factory",
        DEX,
        "--arbitrage",
        FLASH,
        "--rpc-url",
        "http://127.0.0.1:9",
        "--dry-run",
      ],
      { ARB_NATIVE_PRICE_USD: "2500.5", ARB_RECEIVER: FLASH },
      book,
    );
    expect(config).to.include({ dryRun: true, nativePrice: 2_500_500_000n, receiver: FLASH, devAccount: false });
  });

  const refusals: Refusal[] = [
    [
      "no key off the local chain",
      ["--network", "sepolia"],
      { SEPOLIA_RPC_URL: "https://rpc.example" },
      "ARB_PRIVATE_KEY is required (or run with --dry-run, which never signs)",
    ],
    [
      "a deployment without a DEX",
      ["--network", "nodex"],
      { ARB_PRIVATE_KEY: KEY },
      'the nodex deployment has no DEX (its spec says dex "none"): no pool to arbitrage',
    ],
    [
      "an address book from before the FlashArbitrage",
      ["--network", "old"],
      { ARB_PRIVATE_KEY: KEY },
      "no FlashArbitrage contract: deployments/old.json predates it (npm run deploy again) or give --arbitrage 0x..",
    ],
    [
      "a negative minimum profit",
      ["--network", "localhost", "--min-profit", "-1"],
      { ARB_PRIVATE_KEY: KEY },
      "ARB_MIN_PROFIT_USD must be a decimal number like 1.5",
    ],
    [
      "a minimum profit finer than the stablecoin",
      ["--network", "localhost"],
      { ARB_PRIVATE_KEY: KEY, ARB_MIN_PROFIT_USD: "0.0000001" },
      "ARB_MIN_PROFIT_USD has at most 6 decimals",
    ],
    [
      "a malformed receiver",
      ["--network", "localhost", "--receiver", "me"],
      { ARB_PRIVATE_KEY: KEY },
      "--receiver must be an address (0x and 40 hex digits)",
    ],
    [
      "a lower-case market",
      ["--network", "localhost", "--native-market", "eth"],
      { ARB_PRIVATE_KEY: KEY },
      "ARB_NATIVE_MARKET must be a market symbol such as ETH",
    ],
    ["an unknown flag", ["--netwrok", "localhost"], {}, "unknown option --netwrok (see docs/ARBITRAGE.md)"],
    ["an unknown network", ["--network", "mainnet"], {}, 'no address book for network "mainnet"'],
    [
      "a conflicting chain id",
      ["--network", "localhost", "--chain-id", "5"],
      { ARB_PRIVATE_KEY: KEY },
      "ARB_CHAIN_ID 5 does not match the localhost address book's 31337",
    ],
  ];
  itRefuses(refusals, (argv, env) => parseConfig(argv, env, book), ConfigError);
});
