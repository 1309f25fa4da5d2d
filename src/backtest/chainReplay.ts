import type { ContractTransactionResponse, Provider, Signer } from "ethers";
import type { LeveragedToken } from "../../typechain-types";
import { connectSettableFeed, type System } from "../chain/contracts";
import { rebalanceActionName } from "../chain/enums";
import { ExactTokenModel } from "../model/exactToken";
import { readMarketParams, readTokenParams } from "../model/fromChain";
import { formatAmount, formatLeverage, formatUsdc, table } from "../text/format";
import { feedAnswer } from "../text/units";
import type { Candle } from "./candles";
import { percent } from "./report";

/*
 * lt:simulate: daily closes replayed on a local chain (a day of chain time and a feed update a close, a rebalance
 * where one is due), with the exact model (src/model/exactToken.ts) run beside it from the chain's state; the two
 * must agree to the wei.
 */

const DAY = 86_400n;
const PROGRESS_EVERY = 30;

export interface ChainReplay {
  system: System;
  signer: Signer & { address: string };
  /** A local chain's provider: it takes `evm_setNextBlockTimestamp`. */
  provider: Provider & { send(method: string, params: unknown[]): Promise<unknown> };
  market: { id: number; feed: string };
  token: LeveragedToken;
  candles: Candle[];
  /** Stablecoin units the signer mints into the token first. */
  amount: bigint;
  /** The CSV the candles come from, for the backtest command the report suggests. */
  csv: string;
  /** Prints a line: where it starts, a line every 30 days, and the report. */
  log(line: string): void;
}

/** Replays the candles; answers where the chain and the model disagree first, or undefined when they agree. */
export async function replayOnChain(run: ChainReplay): Promise<{ disagreement?: string }> {
  const { system, signer, provider, market, token, candles, amount } = run;
  const feed = connectSettableFeed(market.feed, signer);
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
  run.log(
    `${symbol}: minted for ${formatUsdc(amount)} USDC at NAV ${formatUsdc(startNav, 6)}; replaying ${candles.length - 1} days from ${candles[0].date}...`,
  );
  let chainRebalances = 0;
  let modelRebalances = 0;
  const mismatches: string[] = [];
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
      run.log(
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
  run.log(
    `${symbol} over ${candles.length} days, ${first.date} (${first.close.toFixed(2)}) to ${last.date} (${last.close.toFixed(2)})`,
  );
  run.log(
    `NAV ${formatUsdc(startNav, 6)} -> ${formatUsdc(nav, 6)} USDC: token ${percent(tokenReturn, 2)}, underlying ${percent(last.close / first.close - 1, 2)} (compare: npm run backtest -- --csv ${run.csv} --leverage ${formatAmount(await token.targetLeverage(), 18, 0)} --from ${first.date} --to ${last.date})`,
  );
  run.log(table(["", "on chain", "model"], rows));
  if (nav !== model.navPerShare() || chainRebalances !== modelRebalances || mismatches.length > 0) {
    return { disagreement: mismatches[0] ?? "" };
  }
  return {};
}
