/**
 * The market of `npm start`: moves the local chain's settable price feeds one day at a time, every few seconds,
 * and moves the chain's clock by a day with them (so that funding accrues and daily rebalances fall due). BTC and
 * ETH replay their real daily closes from a start date (as returns from the feeds' current prices), other markets
 * walk randomly; `--random-walk` makes every market walk. Prints one line a day. Stops on SIGINT/SIGTERM (exit 0).
 *
 *   ts-node scripts/market.ts --network localhost [--rpc-url URL] [--speed 3] [--from 2021-01-01]
 *     [--random-walk] [--seed 1] [--volatility 0.8] [--days N]
 */
import { requireSupportedNode } from "../src/node/nodeVersion";
requireSupportedNode();
import { parseArgs } from "node:util";
import { JsonRpcProvider, Network, type Signer } from "ethers";
import { readAddressBook } from "../src/node/addressBookFile";
import { type AddressBook } from "../src/chain/addressBook";
import { PROJECT_ROOT } from "../src/node/projectRoot";
import { assetFile, loadCandles } from "../src/backtest/candleFile";
import { ASSET_FILES, parseDate } from "../src/backtest/candles";
import { connectSettableFeed, CONTRACT_INTERFACES } from "../src/chain/contracts";
import { SERVICE_ACCOUNTS } from "../src/chain/devAccounts";
import { UserError } from "../src/text/userError";
import { describeError } from "../src/chain/reverts";
import { readTokenList } from "../src/reads/lens";
import { dayLine, dueTokens, nextDayStart, pushPrices, waitForKeeper } from "../src/market/day";
import { applyRatio, historyPath, randomWalk, type MarketPath } from "../src/market/paths";

/** How long a day waits for the keeper beyond --speed before the market moves on. */
const KEEPER_WAIT_MS = 60_000;

export interface MarketOptions {
  network: string;
  rpcUrl: string;
  speedSeconds: number;
  from: string;
  randomWalk: boolean;
  seed: number;
  volatility: number;
  days?: number;
}

export function parseMarketOptions(argv: string[]): MarketOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      network: { type: "string", default: "localhost" },
      "rpc-url": { type: "string" },
      speed: { type: "string", default: "3" },
      from: { type: "string", default: "2021-01-01" },
      "random-walk": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      volatility: { type: "string", default: "0.8" },
      days: { type: "string" },
    },
    strict: true,
  });
  const number = (text: string, what: string, min: number, max: number) => {
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || n < min || n > max) {
      throw new UserError(`${what} must be a number from ${min} to ${max}, not "${text}"`);
    }
    return n;
  };
  return {
    network: values.network,
    rpcUrl: values["rpc-url"] ?? "http://127.0.0.1:8545",
    speedSeconds: number(values.speed, "--speed (seconds per market day)", 0.2, 3600),
    from: parseDate(values.from, "--from"),
    randomWalk: values["random-walk"],
    seed: Math.floor(number(values.seed, "--seed", 0, 2 ** 32 - 1)),
    volatility: number(values.volatility, "--volatility (a year, 0.8 = 80%)", 0, 5),
    days: values.days === undefined ? undefined : Math.floor(number(values.days, "--days", 1, 1e6)),
  };
}

/** One path per market of the address book: its history where data/ has it (unless random walk), else a walk. */
export function marketPaths(book: AddressBook, options: MarketOptions): Record<string, MarketPath> {
  const paths: Record<string, MarketPath> = {};
  for (const [i, symbol] of Object.keys(book.markets).entries()) {
    const walk = randomWalk(symbol, options.volatility, options.seed + i);
    paths[symbol] =
      options.randomWalk || !ASSET_FILES[symbol]
        ? walk
        : historyPath(symbol, loadCandles(assetFile(PROJECT_ROOT, symbol)), options.from, walk);
  }
  return paths;
}

async function main(argv: string[]): Promise<number> {
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const options = parseMarketOptions(argv);
  const book = readAddressBook(PROJECT_ROOT, options.network);
  const network = Network.from(book.chainId);
  const provider = new JsonRpcProvider(options.rpcUrl, network, { staticNetwork: network, cacheTimeout: -1 });
  // The node signs for its own dev accounts: the market's account is the deployer, which may push prices.
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const signer: Signer = await provider.getSigner(accounts[SERVICE_ACCOUNTS.market]);
  const markets = Object.entries(book.markets).filter(([, m]) => m.settable);
  if (markets.length === 0) throw new UserError(`no market of ${book.network} has a settable feed to move`);
  const paths = marketPaths(book, options);
  const feeds = markets.map(([symbol, m]) => ({
    symbol,
    feed: connectSettableFeed(m.feed, signer),
    path: paths[symbol],
  }));
  const start = await Promise.all(feeds.map(async (f) => (await f.feed.latestRoundData()).answer));
  const answers = [...start];
  const startList = await readTokenList(book, provider);
  const dated = new Set(feeds.filter((f) => f.path.describe.includes("replays")).map((f) => f.symbol));
  console.log(feeds.map((f) => f.path.describe).join("; "));

  let list = startList;
  let dayStart = Number(startList.timestamp);
  for (let day = 1; !stopping && (options.days === undefined || day <= options.days); day++) {
    dayStart = nextDayStart(dayStart, list);
    let date: string | undefined;
    for (const [i, f] of feeds.entries()) {
      const next = f.path.next();
      if (next.date) date ??= next.date;
      else if (dated.delete(f.symbol)) console.log(`${f.symbol}: the history in data/ ends here; from now on it walks`);
      answers[i] = applyRatio(answers[i], next.ratio);
    }
    await pushPrices(
      provider,
      feeds.map((f, i) => ({ feed: f.feed, answer: answers[i] })),
      dayStart,
    );
    // The day lasts --speed seconds, and until the keeper has rebalanced what fell due (at most a minute more).
    await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, options.speedSeconds * 1000)));
    list = await waitForKeeper(book, provider, KEEPER_WAIT_MS, () => stopping);
    const late = dueTokens(list);
    const prices = feeds.map((f, i) => ({ symbol: f.symbol, answer: answers[i], start: start[i] }));
    console.log(
      dayLine(day, date, prices, list, startList) + (late.length ? ` (not rebalanced yet: ${late.join(", ")})` : ""),
    );
  }
  provider.destroy();
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${describeError(error, CONTRACT_INTERFACES)}\n`);
      process.exit(1);
    },
  );
}
