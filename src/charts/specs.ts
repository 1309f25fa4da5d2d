/** The project's chart specs (Vega-Lite), from plain rows. */
import type { VegaLiteSpec } from "./render";

const BASE = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: 720, height: 360 };

/** Lines of several series against time: rows of { date, series, value }. */
export function lineChart(
  title: string,
  rows: { date: string; series: string; value: number }[],
  yTitle: string,
): VegaLiteSpec {
  return {
    ...BASE,
    title,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "date", type: "temporal", title: null },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "top-left" } },
    },
  };
}

/** Lines of y against a numeric x: rows of { x, series, value }. */
export function xyChart(
  title: string,
  rows: { x: number; series: string; value: number }[],
  xTitle: string,
  yTitle: string,
  yFormat = "%",
): VegaLiteSpec {
  return {
    ...BASE,
    title,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "x", type: "quantitative", title: xTitle },
      y: { field: "value", type: "quantitative", title: yTitle, axis: { format: yFormat } },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom-left" } },
    },
  };
}

/** A histogram of values (token returns), with vertical rules at named reference values. */
export function histogramWithRules(
  title: string,
  values: number[],
  rules: { label: string; value: number }[],
  xTitle: string,
): VegaLiteSpec {
  return {
    ...BASE,
    title,
    layer: [
      {
        data: { values: values.map((v) => ({ v })) },
        mark: { type: "bar", opacity: 0.8 },
        encoding: {
          x: { field: "v", type: "quantitative", bin: { maxbins: 80 }, title: xTitle, axis: { format: "%" } },
          y: { aggregate: "count", type: "quantitative", title: "paths" },
        },
      },
      {
        data: { values: rules },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x: { field: "value", type: "quantitative" },
          color: { field: "label", type: "nominal", title: null, legend: { orient: "top-right" } },
        },
      },
    ],
  };
}

/** Grouped bars: rows of { group, series, value } (e.g. the story tables of the demo). */
export function groupedBars(title: string, rows: { group: string; series: string; value: number }[]): VegaLiteSpec {
  return {
    ...BASE,
    title,
    data: { values: rows },
    mark: "bar",
    encoding: {
      x: { field: "group", type: "nominal", title: null, sort: null },
      xOffset: { field: "series", sort: null },
      y: { field: "value", type: "quantitative", title: "return", axis: { format: "%" } },
      color: { field: "series", type: "nominal", title: null, sort: null },
    },
  };
}
