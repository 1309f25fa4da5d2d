/** The project's chart specs (Vega-Lite), from plain rows. */
import type { VegaLiteSpec } from "./render";

const BASE = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: 720, height: 360 };

/** How one axis of a line chart reads: its title, its kind and the format of its labels. */
export interface AxisSpec {
  title: string;
  type?: "quantitative" | "temporal";
  /** d3 format of the labels ("%" for returns, ".2f" for an index); dates use the default. */
  format?: string;
  /** Start the axis at zero (default for x); false: fit the data, so that small differences show. */
  zero?: boolean;
  /** Ticks on whole numbers only (days). */
  whole?: boolean;
}

/**
 * Lines of several series: rows of { x, series, value }. The y axis fits the data unless `y.zero` (a chart about
 * a difference of a few percent must not be squashed against zero).
 */
export function lines(
  title: string,
  rows: { x: number | string; series: string; value: number }[],
  x: AxisSpec,
  y: AxisSpec,
  legend: "top-left" | "bottom-left" = "top-left",
): VegaLiteSpec {
  return {
    ...BASE,
    title,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.5, point: rows.length <= 40 },
    encoding: {
      x: axis("x", x),
      y: axis("value", { zero: false, ...y }),
      color: { field: "series", type: "nominal", title: null, sort: null, legend: { orient: legend } },
    },
  };
}

function axis(field: string, spec: AxisSpec) {
  return {
    field,
    type: spec.type ?? "quantitative",
    title: spec.title,
    scale: spec.type === "temporal" ? undefined : { zero: spec.zero ?? true },
    axis: { ...(spec.format ? { format: spec.format } : {}), ...(spec.whole ? { tickMinStep: 1, format: "d" } : {}) },
  };
}

/**
 * A histogram of token returns on a log scale (bins of ln(1 + r), labelled as returns), so that the heavy right
 * tail and the mass of losing paths both show; with vertical rules at named reference returns. `floor` is the
 * return that stands for a wiped-out path (ln 0 has no bin).
 */
export function logReturnHistogram(
  title: string,
  returns: number[],
  rules: { label: string; value: number; dashed?: boolean }[],
  xTitle: string,
  floor = -0.9999,
): VegaLiteSpec {
  const ln = (r: number) => Math.log(1 + Math.max(r, floor));
  // Ticks where the token's value is a power of ten of its start: -99.99%, -99.9%, ..., 0%, +900%, +9,900%.
  const logs = returns.map(ln);
  const [lo, hi] = [Math.min(...logs, 0), Math.max(...logs, 0)].map((g) => g / Math.LN10);
  const ticks: number[] = [];
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k += 1) ticks.push(k * Math.LN10);
  const labelExpr = "format(exp(datum.value) - 1, ',.2~%')";
  return {
    ...BASE,
    title,
    layer: [
      {
        data: { values: logs.map((g) => ({ g })) },
        mark: { type: "bar", opacity: 0.75 },
        encoding: {
          x: {
            field: "g",
            type: "quantitative",
            bin: { maxbins: 80 },
            title: xTitle,
            axis: { values: ticks, labelExpr },
          },
          y: { aggregate: "count", type: "quantitative", title: "paths" },
        },
      },
      {
        data: { values: rules.map((r) => ({ ...r, g: ln(r.value) })) },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x: { field: "g", type: "quantitative" },
          color: {
            field: "label",
            type: "nominal",
            title: null,
            sort: null,
            legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
          },
          strokeDash: {
            field: "dashed",
            type: "nominal",
            legend: null,
            scale: {
              range: [
                [1, 0],
                [6, 4],
              ],
            },
          },
        },
      },
    ],
  };
}

/**
 * Grouped horizontal bars: rows of { group, series, value } (the demo's stories). Horizontal so that long group
 * labels are read in full; the value axis leaves room beyond the longest bar.
 */
export function groupedBars(
  title: string,
  rows: { group: string; series: string; value: number }[],
  valueTitle: string,
  format = "%",
): VegaLiteSpec {
  const values = rows.map((r) => r.value);
  // Round to the axis' 20% steps, with room beyond the longest bar on each side.
  const step = 0.2;
  const domain = [
    Math.floor((Math.min(0, ...values) - step / 4) / step) * step,
    Math.ceil((Math.max(0, ...values) + step / 4) / step) * step,
  ];
  return {
    ...BASE,
    height: { step: 14 },
    title,
    data: { values: rows },
    mark: "bar",
    encoding: {
      y: { field: "group", type: "nominal", title: null, sort: null, axis: { labelLimit: 0 } },
      yOffset: { field: "series", sort: null },
      x: { field: "value", type: "quantitative", title: valueTitle, scale: { domain }, axis: { format } },
      color: { field: "series", type: "nominal", title: null, sort: null, legend: { orient: "top" } },
    },
  };
}
