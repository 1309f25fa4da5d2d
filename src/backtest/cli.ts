/**
 * `npm run backtest -- ...`: the back-test on real daily prices, the per-year table, the Monte Carlo and the decay
 * chart. Bad input prints one line `error: ...` and exits with code 1.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { parseLeverage, tokenSymbol } from "../deployment/listing";
import { UserError } from "../text/userError";
import { table } from "../text/format";
import { writeChart } from "../charts/render";
import { lines, logReturnHistogram } from "../charts/specs";
import { decayCurves, flatUnderlyingReturn, runMonteCarlo } from "../model/monteCarlo";
import { assetFile, loadCandles } from "./candleFile";
import { parseDate, selectRange } from "./candles";
import { backtestJson, backtestTable, percent } from "./report";
import { RULES, runBacktest, type BacktestResult, type RebalanceRule } from "./run";

export const USAGE = `usage:
  npm run backtest -- --asset BTC --leverage 3 [--from 2021-01-01] [--to 2021-12-31] [options]
  npm run backtest -- --asset BTC --leverage 3 --years [options]
  npm run backtest -- --gbm --vol 0.8 --days 365 --paths 10000 --leverage 3 [--seed 1]
  npm run backtest -- --decay
options: --csv <file> (instead of --asset), --rule daily|daily+band, --band 0.3333, --fee <% a year>,
  --funding <% a year>, --taker-bps <bps>, --json, --out <dir> (charts; default out/backtest)`;

const OPTIONS = {
  asset: { type: "string" },
  csv: { type: "string" },
  leverage: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  rule: { type: "string", default: "daily" },
  band: { type: "string", default: "0.333333333333333333" },
  fee: { type: "string", default: "0" },
  funding: { type: "string", default: "0" },
  "taker-bps": { type: "string", default: "0" },
  years: { type: "boolean", default: false },
  gbm: { type: "boolean", default: false },
  vol: { type: "string", default: "0.8" },
  days: { type: "string", default: "365" },
  paths: { type: "string", default: "10000" },
  seed: { type: "string", default: "1" },
  decay: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  out: { type: "string", default: "out/backtest" },
  help: { type: "boolean", default: false },
} as const;

/** A strict decimal number (optionally signed), within [min, max]. */
export function parseNumber(input: string | undefined, what: string, min = -Infinity, max = Infinity): number {
  const text = (input ?? "").trim();
  if (!/^-?\d+(\.\d+)?$/.test(text))
    throw new UserError(`${what} must be a number like 3 or 0.5, not "${input ?? ""}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UserError(`${what} must be between ${min} and ${max}, not ${text}`);
  return value;
}

function parseInteger(input: string | undefined, what: string, min: number, max: number): number {
  const value = parseNumber(input, what, min, max);
  if (!Number.isInteger(value)) throw new UserError(`${what} must be a whole number, not ${input}`);
  return value;
}

/** `--leverage -3` as `--leverage=-3`: parseArgs would take "-3" for an option. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const next = argv[i + 1];
    if (argv[i].startsWith("--") && !argv[i].includes("=") && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i += 1;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

export interface CliOutput {
  log(line: string): void;
}

export async function runCli(argv: string[], root: string, out: CliOutput = console): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UserError(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  const args = parsed.values;
  if (args.help) {
    out.log(USAGE);
    return;
  }
  const outDir = path.resolve(root, args.out);
  if (args.decay) return decay(outDir, args.json, out);
  if (args.gbm) return monteCarlo(args, outDir, out);

  const leverage = parseLeverage(args.leverage);
  if (!RULES.includes(args.rule as RebalanceRule)) {
    throw new UserError(`--rule must be ${RULES.join(" or ")}, not "${args.rule}"`);
  }
  if (args.asset && args.csv) throw new UserError("give --asset or --csv, not both");
  const file = args.csv ? path.resolve(root, args.csv) : assetFile(root, args.asset ?? "");
  const name = args.csv ? path.basename(args.csv, path.extname(args.csv)) : (args.asset ?? "").toUpperCase();
  const options = {
    leverage,
    rule: args.rule as RebalanceRule,
    band: parseNumber(args.band, "--band", 0.000001, 0.999999),
    managementFeePerYear: parseNumber(args.fee, "--fee", 0, 10) / 100,
    fundingRatePerYear: parseNumber(args.funding, "--funding", -1000, 1000) / 100,
    takerFeeBps: parseInteger(args["taker-bps"], "--taker-bps", 0, 100),
  };
  const from = args.from === undefined ? undefined : parseDate(args.from, "--from");
  const to = args.to === undefined ? undefined : parseDate(args.to, "--to");
  const candles = selectRange(loadCandles(file), from, to);

  if (args.years) {
    const years = [...new Set(candles.map((c) => c.date.slice(0, 4)))];
    const results = years
      .map((year) => candles.filter((c) => c.date.startsWith(year)))
      .filter((days) => days.length >= 2)
      .map((days) => runBacktest(days, options));
    if (args.json) {
      out.log(JSON.stringify(results.map(backtestJson), null, 2));
      return;
    }
    out.log(`${name} ${leverage}x, rebalanced ${options.rule}, each calendar year from a 1.00 start:\n`);
    const partial = (r: BacktestResult) => !r.from.endsWith("-01-01") || !r.to.endsWith("-12-31");
    out.log(
      backtestTable(
        results,
        results.map((r) => `${r.from.slice(0, 4)}${partial(r) ? "*" : ""}`),
      ),
    );
    const partials = results.filter(partial).map((r) => `${r.from.slice(0, 4)} (${r.from} .. ${r.to})`);
    if (partials.length > 0) out.log(`\n* partial year, the data covers only ${partials.join(" and ")}`);
    return;
  }

  const result = runBacktest(candles, options);
  const label = tokenSymbol(name, leverage);
  const files = await writeChart(
    outDir,
    `${label}-${result.from}-${result.to}-${options.rule}`,
    navChart(label, result),
  );
  if (args.json) {
    out.log(JSON.stringify({ ...backtestJson(result), charts: files }, null, 2));
    return;
  }
  out.log(`${label} (${leverage}x ${name}), rebalanced ${options.rule}, ${result.from} .. ${result.to}:\n`);
  out.log(backtestTable([result]));
  out.log(`\nchart: ${files.map((f) => path.relative(root, f)).join(", ")}`);
}

function navChart(label: string, r: BacktestResult) {
  const rows = r.series.flatMap((p) => [
    { date: new Date(p.time * 1000).toISOString(), series: `${label} token NAV`, value: p.nav },
    { date: new Date(p.time * 1000).toISOString(), series: "underlying", value: p.underlying },
    { date: new Date(p.time * 1000).toISOString(), series: `static ${r.leverage}x position`, value: p.static },
  ]);
  return lines(
    `${label}: token NAV vs the underlying and a static ${r.leverage}x position (start = 1)`,
    rows.map(({ date, ...rest }) => ({ x: date, ...rest })),
    { title: "date", type: "temporal" },
    { title: "value (start = 1)", zero: true },
  );
}

async function monteCarlo(args: Record<string, string | boolean | undefined>, outDir: string, out: CliOutput) {
  const leverage = parseLeverage(args.leverage as string | undefined);
  const options = {
    leverage,
    volatility: parseNumber(args.vol as string, "--vol", 0, 10),
    days: parseInteger(args.days as string, "--days", 1, 36_500),
    paths: parseInteger(args.paths as string, "--paths", 1, 10_000_000),
    seed: parseInteger(args.seed as string, "--seed", 0, 2 ** 32 - 1),
    managementFeePerYear: parseNumber(args.fee as string, "--fee", 0, 10) / 100,
    fundingRatePerYear: parseNumber(args.funding as string, "--funding", -1000, 1000) / 100,
  };
  const started = process.hrtime.bigint();
  const result = runMonteCarlo(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const name = `gbm-${leverage}x-vol${options.volatility}-${options.days}d`;
  const { summary: s, theory } = result;
  const files = await writeChart(
    outDir,
    name,
    logReturnHistogram(
      `${leverage}x token over ${options.days} days, vol ${percent(options.volatility, 0)}: ${options.paths} GBM paths`,
      Array.from(result.tokenReturns),
      [
        { label: `simulated median ${percent(s.median)}`, value: s.median },
        { label: `theory median ${percent(theory.median)}`, value: theory.median, dashed: true },
        { label: `simulated mean ${percent(s.mean)} ± ${percent(s.meanStandardError)} (s.e.)`, value: s.mean },
        { label: `theory mean ${percent(theory.mean)}`, value: theory.mean, dashed: true },
      ],
      "token return (log scale: bins of ln(1 + return))",
    ),
  );
  if (args.json) {
    out.log(
      JSON.stringify(
        { options: result.options, pathDays: result.pathDays, seconds, summary: s, theory, charts: files },
        null,
        2,
      ),
    );
    return;
  }
  out.log(
    `${options.paths} paths x ${options.days} days of GBM (vol ${percent(options.volatility, 0)} a year, no drift), ` +
      `${leverage}x rebalanced daily: ${Math.round(result.pathDays / seconds).toLocaleString("en-US")} path-days/s\n`,
  );
  out.log(
    table(
      ["", "simulated", "theory"],
      [
        [
          "mean token return (± standard error)",
          `${percent(s.mean)} ± ${percent(s.meanStandardError)}`,
          percent(theory.mean),
        ],
        ["median token return", percent(s.median), percent(theory.median)],
        ["5th percentile", percent(s.p5), ""],
        ["25th percentile", percent(s.p25), ""],
        ["75th percentile", percent(s.p75), ""],
        ["95th percentile", percent(s.p95), ""],
        ["P(token loses)", percent(s.probabilityOfLoss), ""],
        ["P(wipe-out)", percent(s.probabilityOfWipeOut, 2), ""],
        [
          "median underlying return",
          percent(s.underlyingMedian),
          percent(Math.exp((-(options.volatility ** 2) * options.days) / 730) - 1),
        ],
        ["flat underlying: token", "", percent(theory.flatUnderlying)],
        ["median |token - (S_T/S_0)^L e^(-(L^2-L) s^2 T/2)|", percent(s.medianApproximationError, 2), ""],
      ],
    ),
  );
  out.log(`\nchart: ${files.join(", ")}`);
}

const DECAY_LEVERAGES = [2, 3];
const DECAY_VOLATILITIES = [0.4, 0.8, 1.2];
const DECAY_HORIZONS = [1, 7, 30, 90, 180, 365];

async function decay(outDir: string, json: boolean, out: CliOutput) {
  const rows = decayCurves(DECAY_LEVERAGES, DECAY_VOLATILITIES);
  const files = await writeChart(
    outDir,
    "decay",
    lines(
      "Token return given that the underlying ends where it started: exp(-(L^2-L) sigma^2 T / 2) - 1",
      rows,
      { title: "holding period (days)" },
      { title: "token return", format: "%" },
      "bottom-left",
    ),
  );
  const table_ = DECAY_LEVERAGES.flatMap((L) =>
    DECAY_VOLATILITIES.map((v) => [
      `${L}x, vol ${percent(v, 0)}`,
      ...DECAY_HORIZONS.map((d) => percent(flatUnderlyingReturn(L, v, d))),
    ]),
  );
  if (json) {
    out.log(JSON.stringify({ horizons: DECAY_HORIZONS, rows: table_, charts: files }, null, 2));
    return;
  }
  out.log("Token return given that the underlying ends where it started (rebalanced continuously):\n");
  out.log(table(["", ...DECAY_HORIZONS.map((d) => `${d}d`)], table_));
  out.log(`\nchart: ${files.join(", ")}`);
}
