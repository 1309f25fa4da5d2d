import { useEffect, useMemo, useState } from "react";
import { PRICE_FILES } from "../../chain/priceFiles";
import { flatUnderlyingReturn } from "@lt/model/monteCarlo";
import { LineChart } from "../../components/LineChart";
import type { DecayResponse } from "./decay.worker";
import { useDecayWorker } from "./useDecayWorker";
import { NumberField } from "../../components/NumberField";

const LEVERAGES = [3, 2, -1, -3];
const PATHS = 5_000;
const ASSETS: Record<string, { url: string; years: string[] }> = {
  BTC: { url: PRICE_FILES.BTC, years: range(2015, 2025) },
  ETH: { url: PRICE_FILES.ETH, years: range(2018, 2025) },
};

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}

const pct = (x: number, places = 1) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(places)}%`;

/** Why leveraged tokens decay, interactively: Monte Carlo outcomes, the flat-market cost, a real year back-tested. */
export default function DecayPage() {
  const [leverage, setLeverage] = useState(3);
  const [volText, setVolText] = useState("80");
  const [daysText, setDaysText] = useState("30");
  const [asset, setAsset] = useState("BTC");
  const [year, setYear] = useState("2021");
  const { answers, ask } = useDecayWorker();
  const volatility = Math.min(Math.max(Number(volText) / 100 || 0, 0.05), 3);
  const days = Math.min(Math.max(Math.round(Number(daysText)) || 1, 1), 730);

  useEffect(() => {
    const timer = window.setTimeout(
      () => ask("monteCarlo", { kind: "monteCarlo", leverage, volatility, days, paths: PATHS, seed: 1 }),
      200,
    );
    return () => window.clearTimeout(timer);
  }, [leverage, volatility, days]);
  useEffect(() => {
    ask("backtest", { kind: "backtest", csvUrl: ASSETS[asset].url, asset, year, leverage });
  }, [asset, year, leverage]);

  const mc = answers.monteCarlo?.kind === "monteCarlo" ? answers.monteCarlo : undefined;
  const bt = answers.backtest?.kind === "backtest" ? answers.backtest : undefined;
  const error = [answers.monteCarlo, answers.backtest].find((a) => a?.kind === "error") as
    Extract<DecayResponse, { kind: "error" }> | undefined;
  const flat = flatUnderlyingReturn(leverage, volatility, days);
  const distribution = useMemo(
    () =>
      mc && {
        x: mc.bins.map((b) => b * 100),
        series: [
          { label: `${leverage}x token`, values: mc.token.map((f) => f * 100), color: "#2458d6" },
          { label: "underlying", values: mc.underlying.map((f) => f * 100), color: "#9a6b00" },
        ],
      },
    [mc, leverage],
  );
  const history = useMemo(
    () =>
      bt && {
        x: bt.times,
        series: [
          { label: `${leverage}x token`, values: bt.nav, color: "#2458d6" },
          { label: asset, values: bt.underlying, color: "#9a6b00" },
        ],
      },
    [bt, leverage, asset],
  );

  return (
    <section aria-labelledby="decay-heading">
      <h1 id="decay-heading">Decay: why a leveraged token is not L times the market over time</h1>
      <p className="note">
        A token is rebalanced to its leverage every day, so it gives L times each day&apos;s move, not L times the move
        over a month. After an up day it holds more, after a down day less: in a market that goes up and down it buys
        high and sells low, and loses value even when the market ends where it started. The loss grows with the square
        of the leverage, the volatility and the time held.
      </p>
      <div className="form">
        <label>
          Leverage
          <select aria-label="Leverage" value={leverage} onChange={(e) => setLeverage(Number(e.target.value))}>
            {LEVERAGES.map((l) => (
              <option key={l} value={l}>
                {Math.abs(l)}x {l > 0 ? "long" : "short"}
              </option>
            ))}
          </select>
        </label>
        <NumberField label="Volatility (% a year)" name="Volatility" value={volText} onChange={setVolText} size={5} />
        <NumberField label="Holding days" name="Holding days" value={daysText} onChange={setDaysText} whole size={5} />
      </div>

      <h2>If the market ends where it started</h2>
      <p aria-label="Flat-market cost">
        After {days} days at {(volatility * 100).toFixed(0)}% volatility, a {Math.abs(leverage)}x{" "}
        {leverage > 0 ? "long" : "short"} token is expected to be <strong>{pct(flat, 2)}</strong> when the market is
        back where it started (before fees): e<sup>-(L²-L)σ²T/2</sup> - 1.
      </p>

      <h2>Outcomes over {days} days: token against the underlying</h2>
      {distribution ? (
        <>
          <LineChart
            label={`Distribution of ${PATHS} simulated outcomes over ${days} days: the token's median ${pct(mc!.summary.median)} against the underlying's ${pct(mc!.summary.underlyingMedian)}`}
            x={distribution.x}
            series={distribution.series}
            stepped
            xFormat={(v) => `${v.toFixed(0)}%`}
            yFormat={(v) => `${v.toFixed(1)}%`}
            height={260}
          />
          <p className="note">
            Share of {PATHS.toLocaleString("en-US")} paths (geometric Brownian motion, no drift) by return. Token median{" "}
            {pct(mc!.summary.median)} (5% of paths below {pct(mc!.summary.p5)}, 5% above {pct(mc!.summary.p95)});
            underlying median {pct(mc!.summary.underlyingMedian)}. The token loses in{" "}
            {pct(mc!.summary.probabilityOfLoss, 0).replace("+", "")} of paths
            {mc!.summary.probabilityOfWipeOut > 0
              ? `, and is wiped out in ${pct(mc!.summary.probabilityOfWipeOut, 2).replace("+", "")}`
              : ""}
            .
          </p>
        </>
      ) : (
        <p aria-busy="true">Simulating…</p>
      )}

      <h2>A real year</h2>
      <div className="form">
        <label>
          Asset
          <select aria-label="Asset" value={asset} onChange={(e) => setAsset(e.target.value)}>
            {Object.keys(ASSETS).map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Year
          <select aria-label="Year" value={year} onChange={(e) => setYear(e.target.value)}>
            {ASSETS[asset].years.map((y) => (
              <option key={y}>{y}</option>
            ))}
          </select>
        </label>
      </div>
      {history && bt ? (
        <>
          <LineChart
            label={`${asset} ${year}, rebased to 100: a daily-rebalanced ${leverage}x token ${pct(bt.result.tokenReturn)}, ${asset} ${pct(bt.result.underlyingReturn)}`}
            x={history.x}
            series={history.series}
            time
            height={260}
          />
          <p className="note">
            {bt.result.from} to {bt.result.to}: {asset} {pct(bt.result.underlyingReturn)}, the {leverage}x token{" "}
            {pct(bt.result.tokenReturn)} (worst fall from a peak {pct(-bt.result.maxDrawdown)}; volatility{" "}
            {(bt.result.annualVolatility * 100).toFixed(0)}% a year)
            {bt.result.wipeOutDate ? `; wiped out on ${bt.result.wipeOutDate}` : ""}. The exact token model over the
            real daily closes, rebalanced daily, no fees.
          </p>
        </>
      ) : (
        <p aria-busy="true">Back-testing…</p>
      )}
      {error && <p role="alert">{error.message}</p>}

      <h2>Use when, avoid when</h2>
      <ul>
        <li>Use when you expect a strong move in one direction within days, and will watch the position.</li>
        <li>Use when you want leverage without margin calls: the most you can lose is what you put in.</li>
        <li>Avoid when the market is choppy or going sideways: the daily rebalancing loses value every round trip.</li>
        <li>Avoid holding for weeks or months unless the trend is strong: the cost grows with time and volatility.</li>
        <li>
          Avoid high leverage on volatile assets: the drag grows with L² - L, so a 3x long loses to volatility three
          times as fast as a 2x long, and a 3x short twice as fast as a 3x long.
        </li>
      </ul>
    </section>
  );
}
