/**
 * The decay page's computations, off the page's thread: the Monte Carlo of src/model (outcomes of a daily-rebalanced
 * token against its underlying) and the back-test of src/backtest (the exact token model over a real year).
 */
import { parseCandles } from "@lt/backtest/candles";
import { runBacktest } from "@lt/backtest/run";
import { runMonteCarlo, type MonteCarloOptions } from "@lt/model/monteCarlo";
import { histogram, quantile } from "@lt/model/statistics";

export type DecayRequest =
  | ({ id: number; kind: "monteCarlo" } & MonteCarloOptions)
  | { id: number; kind: "backtest"; csvUrl: string; asset: string; year: string; leverage: number };

export type DecayResponse =
  | {
      id: number;
      kind: "monteCarlo";
      bins: number[]; // return at the bin's center
      token: number[]; // fraction of paths
      underlying: number[];
      summary: ReturnType<typeof runMonteCarlo>["summary"];
      theory: ReturnType<typeof runMonteCarlo>["theory"];
    }
  | {
      id: number;
      kind: "backtest";
      times: number[];
      nav: number[];
      underlying: number[];
      result: {
        from: string;
        to: string;
        tokenReturn: number;
        underlyingReturn: number;
        maxDrawdown: number;
        annualVolatility: number;
        wipeOutDate: string | null;
      };
    }
  | { id: number; kind: "error"; message: string };

const BINS = 60;
const csvCache = new Map<string, Promise<string>>();

function handle(request: DecayRequest): Promise<DecayResponse> | DecayResponse {
  if (request.kind === "monteCarlo") {
    const result = runMonteCarlo(request);
    const all = [...result.tokenReturns, ...result.underlyingReturns].sort((a, b) => a - b);
    const lo = Math.max(-1, quantile(all, 0.01));
    const hi = quantile(all, 0.99);
    const token = histogram(result.tokenReturns, BINS, lo, hi);
    const underlying = histogram(result.underlyingReturns, BINS, lo, hi);
    return {
      id: request.id,
      kind: "monteCarlo",
      bins: token.centers,
      token: token.fractions,
      underlying: underlying.fractions,
      summary: result.summary,
      theory: result.theory,
    };
  }
  if (!csvCache.has(request.csvUrl))
    csvCache.set(
      request.csvUrl,
      fetch(request.csvUrl).then((r) => r.text()),
    );
  return csvCache.get(request.csvUrl)!.then((text) => {
    const candles = parseCandles(text, `${request.asset} prices`).filter((c) => c.date.startsWith(request.year));
    if (candles.length < 2) throw new Error(`no ${request.asset} prices for ${request.year}`);
    const r = runBacktest(candles, { leverage: request.leverage });
    return {
      id: request.id,
      kind: "backtest",
      times: r.series.map((p) => p.time),
      nav: r.series.map((p) => p.nav * 100),
      underlying: r.series.map((p) => p.underlying * 100),
      result: {
        from: r.from,
        to: r.to,
        tokenReturn: r.tokenReturn,
        underlyingReturn: r.underlyingReturn,
        maxDrawdown: r.maxDrawdown,
        annualVolatility: r.annualVolatility,
        wipeOutDate: r.wipeOutDate,
      },
    };
  });
}

// The worker's global scope (typed by hand: the app's TypeScript has the DOM's types, not the worker's).
const scope = self as unknown as {
  onmessage: (event: MessageEvent<DecayRequest>) => void;
  postMessage(message: DecayResponse): void;
};

scope.onmessage = async (event) => {
  try {
    scope.postMessage(await handle(event.data));
  } catch (error) {
    scope.postMessage({
      id: event.data.id,
      kind: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
