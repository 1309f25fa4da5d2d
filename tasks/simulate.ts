import { task } from "hardhat/config";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import { resolveMarket } from "../src/chain/addressBook";
import { parseAmount } from "../src/text/input";
import { feedAnswer, USDC_DECIMALS } from "../src/text/units";
import { UserError } from "../src/text/userError";
import { loadCandles } from "../src/backtest/candleFile";
import { parseDate, selectRange } from "../src/backtest/candles";
import { percent } from "../src/backtest/report";
import { formatAmount, formatLeverage, formatUsdc, table } from "../src/text/format";
import { rebalanceActionName } from "../src/chain/enums";
import { ExactTokenModel } from "../src/model/exactToken";
import { readMarketParams, readTokenParams } from "../src/model/fromChain";
import { withContext } from "./context";

const DAY = 86_400n;

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
        const feed = await hre.ethers.getContractAt("SettablePriceFeed", market.feed, signer);
        const provider = hre.ethers.provider;
        // The path is replayed as returns from the feed's current price, so that a deployed token is not gapped
        // to the file's first price: price_t = current x close_t / close_0.
        const [, current] = await feed.latestRoundData();
        const feedDecimals = Number(await feed.decimals());
        const scaled = (close: number) => (current * feedAnswer(close)) / feedAnswer(candles[0].close);
        const toWad = (close: number) => scaled(close) * 10n ** BigInt(18 - feedDecimals);
        const timeOf = async (tx: Promise<ContractTransactionResponse>) => {
          const receipt = await (await tx).wait();
          const block = await provider.getBlock(receipt!.blockNumber);
          return BigInt(block!.timestamp);
        };

        // Start: the first close, and a position of our own.
        await timeOf(feed.updateAnswer(scaled(candles[0].close)));
        await timeOf(system.stablecoin.mint(signer.address, amount));
        await timeOf(system.stablecoin.approve(await token.getAddress(), amount));
        const mintedAt = await timeOf(token.mint(amount, 0, signer.address));

        // The model starts from the chain's state right after that mint.
        const address = await token.getAddress();
        const [state, position, { margin }, marketParams, tokenParams] = await Promise.all([
          system.exchange.market(market.id),
          system.exchange.position(address, market.id),
          system.exchange.accountState(address, market.id),
          readMarketParams(system.exchange, market.id),
          readTokenParams(token),
        ]);
        const model = ExactTokenModel.fromState(marketParams, tokenParams, {
          now: mintedAt,
          price: toWad(candles[0].close),
          cumulativeFunding: state.cumulativeFunding,
          lastFundingUpdate: state.lastFundingUpdate,
          margin,
          size: position.size,
          openNotional: position.openNotional,
          fundingIndex: position.fundingIndex,
          supply: await token.totalSupply(),
          lastRebalance: await token.lastRebalanceTime(),
          lastFeeAccrual: mintedAt,
          wipedOut: await token.wipedOut(),
        });

        const symbol = await token.symbol();
        const startNav = await token.navPerShare();
        console.log(
          `${symbol}: minted for ${formatUsdc(amount)} USDC at NAV ${formatUsdc(startNav, 6)}; replaying ${candles.length - 1} days from ${candles[0].date}...`,
        );
        let chainRebalances = 0;
        let modelRebalances = 0;
        const mismatches: string[] = [];
        const PROGRESS_EVERY = 30;
        for (const [day, candle] of candles.slice(1).entries()) {
          const next = BigInt((await provider.getBlock("latest"))!.timestamp) + DAY;
          await provider.send("evm_setNextBlockTimestamp", [Number(next)]);
          const pushedAt = await timeOf(feed.updateAnswer(scaled(candle.close)));
          model.setPrice(toWad(candle.close), pushedAt);
          const due = rebalanceActionName(await token.rebalanceAction());
          if (due !== model.rebalanceAction())
            mismatches.push(`${candle.date}: chain says ${due}, model ${model.rebalanceAction()}`);
          if (due !== "none") {
            const at = await timeOf(token.rebalance());
            chainRebalances++;
            if (model.at(at).rebalanceIfDue()) modelRebalances++;
          }
          if ((day + 1) % PROGRESS_EVERY === 0 && day + 1 < candles.length - 1) {
            console.log(
              `  day ${day + 1}/${candles.length - 1} (${candle.date}): NAV ${formatUsdc(await token.navPerShare(), 6)}, ${chainRebalances} rebalances`,
            );
          }
        }

        const nav = await token.navPerShare();
        const leverage = await token.currentLeverage();
        const rows = [
          ["NAV per token (USDC)", formatUsdc(nav, 6), formatUsdc(model.navPerShare(), 6)],
          ["equity (USDC)", formatUsdc(await token.equity(), 6), formatUsdc(model.equity(), 6)],
          ["leverage", formatLeverage(leverage), formatLeverage(model.currentLeverage())],
          ["rebalances", String(chainRebalances), String(modelRebalances)],
          ["wiped out", String(await token.wipedOut()), String(model.state.wipedOut)],
        ];
        const first = candles[0];
        const last = candles[candles.length - 1];
        const tokenReturn = Number(nav) / Number(startNav) - 1;
        console.log(
          `${symbol} over ${candles.length} days, ${first.date} (${first.close.toFixed(2)}) to ${last.date} (${last.close.toFixed(2)})`,
        );
        console.log(
          `NAV ${formatUsdc(startNav, 6)} -> ${formatUsdc(nav, 6)} USDC: token ${percent(tokenReturn, 2)}, underlying ${percent(last.close / first.close - 1, 2)} (compare: npm run backtest -- --csv ${args.csv} --leverage ${formatAmount(await token.targetLeverage(), 18, 0)} --from ${first.date} --to ${last.date})`,
        );
        console.log(table(["", "on chain", "model"], rows));
        if (nav !== model.navPerShare() || chainRebalances !== modelRebalances || mismatches.length > 0) {
          throw new UserError(`the chain and the model disagree${mismatches.length ? `: ${mismatches[0]}` : ""}`);
        }
        console.log("the chain and the model agree to the wei");
      },
    ),
  );
