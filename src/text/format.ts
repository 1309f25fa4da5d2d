/** How numbers, times and tables are shown to people (never used for money math). */
import { formatUnits } from "ethers";
import { TOKEN_DECIMALS, USDC_DECIMALS, WAD } from "./units";

/**
 * Formats integer units rounded (half up) to `places` decimals with thousands separators; trailing zeros are
 * trimmed unless `fixed` ("1,600.5", or "3.00" with fixed).
 */
export function formatAmount(value: bigint, decimals: number, places = decimals, fixed = false): string {
  const negative = value < 0n;
  let abs = negative ? -value : value;
  if (places < decimals) {
    const step = 10n ** BigInt(decimals - places);
    abs = ((abs + step / 2n) / step) * step;
  }
  const [whole, fraction = ""] = formatUnits(abs, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cut = fixed ? fraction.padEnd(places, "0").slice(0, places) : fraction.slice(0, places).replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${grouped}${cut ? `.${cut}` : ""}`;
}

export const formatUsdc = (value: bigint, places = 2) => formatAmount(value, USDC_DECIMALS, places);
export const formatToken = (value: bigint, places = 6) => formatAmount(value, TOKEN_DECIMALS, places);
/** A signed WAD fraction as a percentage with its sign: "+1.25%", "-0.50%", "0.00%" (a pool's premium to NAV). */
export function formatPercent(wad: bigint, places = 2): string {
  const text = formatAmount(wad, 16, places, true);
  return `${wad > 0n && /[1-9]/.test(text) ? "+" : ""}${text}%`;
}
/** A signed WAD leverage as "3.00x" / "-3.00x". */
export const formatLeverage = (value: bigint) => `${formatAmount(value, 18, 2, true)}x`;

/** Renders rows as a plain-text table with a header and right-aligned numeric-looking cells. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = (cell: string) => /^-?[\d,]+(\.\d+)?[x%*]?$/.test(cell);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric(cell) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const UNITS = [
  ["d", 86_400],
  ["h", 3_600],
  ["min", 60],
  ["s", 1],
] as const;

/** A length of time in its largest unit and the next one if not 0: "45 s", "12 min 5 s", "3 h 12 min", "1 d". */
export function duration(seconds: bigint | number): string {
  const s = Math.abs(Number(seconds));
  const first = UNITS.findIndex(([, size]) => s >= size);
  if (first < 0) return "0 s";
  const [unit, size] = UNITS[first];
  const parts = [`${Math.floor(s / size)} ${unit}`];
  const next = UNITS[first + 1];
  const rest = next ? Math.floor((s % size) / next[1]) : 0;
  if (next && rest > 0) parts.push(`${rest} ${next[0]}`);
  return parts.join(" ");
}

/** A unix time relative to `now`: "in 3 h 12 min", "5 min 2 s ago" or "now". */
export function relativeTime(at: bigint, now: bigint): string {
  if (at === now) return "now";
  return at > now ? `in ${duration(at - now)}` : `${duration(now - at)} ago`;
}

/** A unix time as a UTC date: "2026-12-02 05:20:07 UTC". */
export const utcTime = (at: bigint | number) =>
  `${new Date(Number(at) * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;

/** Basis points as a percentage: 10 -> "0.10%". */
export const formatBps = (bps: bigint) => `${formatAmount(bps, 2, 2, true)}%`;

/** A WAD rate (a fraction a year, 0.0365e18) as a percentage: "3.65%". */
export const formatRatePerYear = (wad: bigint) => `${formatAmount(wad, 16, 2, true)}%`;

/** A WAD price in USD: "50,000.00". */
export const formatUsdPrice = (wad: bigint, places = 2) => formatAmount(wad, 18, places, true);

/** The change from `before` to `after` as a signed percentage ("+3.21%", "-0.05%"); "-" when `before` is 0. */
export function formatChange(after: bigint, before: bigint): string {
  return before === 0n ? "-" : formatPercent(((after - before) * WAD) / before);
}
