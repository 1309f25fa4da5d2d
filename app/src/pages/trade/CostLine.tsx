import { useEffect, useState } from "react";
import { parseAmount } from "@lt/text/input";
import { USDC_DECIMALS } from "@lt/text/units";
import { parseCandles } from "@lt/backtest/candles";
import type { Route } from "@lt/dex/quotes";
import {
  costSentence,
  DEFAULT_HOLDING_DAYS,
  holdingCost,
  MAX_HOLDING_DAYS,
  outcomeRange,
  rangeOptions,
} from "@lt/holder/cost";
import { readHolding, type HoldingContext } from "@lt/holder/costInputs";
import { recentCloses } from "@lt/holder/volatility";
import type { TokenListing } from "@lt/reads/lens";
import { PRICE_FILES } from "../../chain/priceFiles";
import { useSession } from "../../chain/session";
import { href } from "../../route";
import { useDecayWorker } from "../decay/useDecayWorker";

/** data/'s recent daily closes of `market`, fetched once (a local chain's volatility when its feed has few rounds). */
const closesCache = new Map<string, Promise<ReturnType<typeof recentCloses>>>();
function localCloses(market: string) {
  const url = PRICE_FILES[market];
  if (!url) return Promise.resolve(undefined);
  if (!closesCache.has(url)) {
    closesCache.set(
      url,
      fetch(url)
        .then((r) => r.text())
        .then((text) => recentCloses(parseCandles(text, `${market} prices`))),
    );
  }
  return closesCache.get(url)!;
}

/**
 * The cost of holding before a mint or a buy, one sentence from src/holder/cost.ts (the formula lt:mint and lt:buy
 * print): the fees in USDC, the expected volatility drag, and the 5-95% range of outcomes from the Monte Carlo, run
 * in the decay page's worker. Links to the Decay page.
 */
export function CostLine(props: { token: TokenListing; amountText: string; route?: Route; daysText: string }) {
  const { book, reader } = useSession();
  const { answers, ask } = useDecayWorker();
  const [holding, setHolding] = useState<HoldingContext>();
  const [failed, setFailed] = useState<string>();
  const days = Math.round(Number(props.daysText));
  const daysValid = Number.isInteger(days) && days >= 1 && days <= MAX_HOLDING_DAYS;
  let amount: bigint | undefined;
  try {
    amount = parseAmount(props.amountText, USDC_DECIMALS, "Amount");
  } catch {
    amount = undefined;
  }
  const { route } = props;

  useEffect(() => {
    setHolding(undefined);
    setFailed(undefined);
    if (!book || !reader || amount === undefined || !route || !daysValid) return;
    let live = true;
    const closes = book.network === "localhost" ? localCloses : undefined;
    readHolding(reader, props.token.address, { amount, route, days }, closes).then(
      (next) => {
        if (!live) return;
        setHolding(next);
        const { volatility } = next.input;
        if (volatility !== undefined)
          ask("cost", { kind: "monteCarlo", ...rangeOptions({ ...next.input, volatility }) });
      },
      (error: Error) => live && setFailed(error.message),
    );
    return () => {
      live = false;
    };
  }, [book, reader, props.token.address, amount, route, days, daysValid]);

  if (!route || amount === undefined) return null;
  if (!daysValid)
    return (
      <p>
        Days held must be a whole number from 1 to {MAX_HOLDING_DAYS} ({DEFAULT_HOLDING_DAYS} by default).
      </p>
    );
  if (failed) return <p>The cost of holding could not be read: {failed}</p>;
  if (!holding) return <p aria-busy="true">Estimating the cost of holding…</p>;
  const answer = answers.cost;
  const range = answer?.kind === "monteCarlo" ? outcomeRange(answer.summary) : undefined;
  if (holding.input.volatility !== undefined && !range) return <p aria-busy="true">Estimating the cost of holding…</p>;
  return (
    <p aria-label="Cost of holding">
      {costSentence(holding.input, holdingCost(holding.input), holding.names, range)}
      {holding.volatilitySource ? ` (volatility from ${holding.volatilitySource})` : ""}; more on the{" "}
      <a href={href.decay}>Decay page</a>.
    </p>
  );
}
