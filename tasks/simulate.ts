import { task } from "hardhat/config";
import path from "node:path";
import { resolveMarket } from "../src/chain/addressBook";
import { parseAmount } from "../src/text/input";
import { USDC_DECIMALS } from "../src/text/units";
import { UserError } from "../src/text/userError";
import { loadCandles } from "../src/backtest/candleFile";
import { parseDate, selectRange } from "../src/backtest/candles";
import { withContext } from "./context";

task("lt:simulate", "Replays daily closes from a CSV on a local chain and compares the token's NAV with the model's")
  .addOptionalParam("csv", "a Date,Open,High,Low,Close CSV", "data/btc-usd-daily.csv")
  .addOptionalParam("market", "the market whose feed gets the prices", "BTC")
  .addOptionalParam("token", "the token to follow (default: the market's 3x long)")
  .addOptionalParam("from", "first day (YYYY-MM-DD; default: the file's first)")
  .addOptionalParam("days", "how many days to replay", "365")
  .addOptionalParam("amount", "stablecoin the signer mints into the token first", "1000")
  .setAction(
    withContext<{ csv: string; market: string; token?: string; from?: string; days: string; amount: string }>(
      async (args, { hre, signer, system, resolveToken }) => {
        if (!["hardhat", "localhost"].includes(hre.network.name)) {
          throw new UserError("the simulator moves time and pushes prices: use a local chain (--network localhost)");
        }
        const market = resolveMarket(system.book, args.market);
        if (!market.settable) throw new UserError(`${market.symbol} reads a Chainlink feed; its price cannot be set`);
        if (!/^\d+$/.test(args.days) || Number(args.days) < 1)
          throw new UserError("--days must be a whole number >= 1");
        const from = args.from === undefined ? undefined : parseDate(args.from, "--from");
        const candles = selectRange(loadCandles(path.resolve(args.csv)), from, undefined).slice(0, Number(args.days));
        if (candles.length === 0) throw new UserError(`${args.csv} has no day from ${args.from}`);
        const amount = parseAmount(args.amount, USDC_DECIMALS, "--amount");
        const token = await resolveToken(args.token ?? `${market.symbol}3L`);
        if ((await token.marketId()) !== BigInt(market.id)) {
          throw new UserError(`${await token.symbol()} does not trade on the ${market.symbol} market`);
        }
        const { replayOnChain } = await import("../src/backtest/chainReplay"); // TypeChain's: loaded when it runs
        const { provider } = hre.ethers;
        const run = { system, signer, provider, market, token, candles, amount, csv: args.csv, log: console.log };
        const { disagreement } = await replayOnChain(run);
        if (disagreement !== undefined) {
          throw new UserError(`the chain and the model disagree${disagreement ? `: ${disagreement}` : ""}`);
        }
        console.log("the chain and the model agree to the wei");
      },
    ),
  );
