import { formatAmount, formatPercent, WAD } from "./amounts";

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

/** "in 3h 20m" / "due now" for a unix time relative to `now`. */
export function relativeTime(at: bigint, now: bigint): string {
  const seconds = Number(at - now);
  if (seconds <= 0) return "due now";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `in ${h}h ${m}m` : `in ${m}m ${seconds % 60}s`;
}

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
