import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/**
 * A line chart (uPlot) of several series over one x axis; `time` makes the x axis dates from unix seconds. `label`
 * is what a screen reader hears: the chart's message in one sentence.
 */
export function LineChart(props: {
  label: string;
  x: number[];
  series: Series[];
  time?: boolean;
  /** Steps instead of lines (a histogram). */
  stepped?: boolean;
  height?: number;
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || props.x.length === 0) return;
    const width = Math.max(320, Math.min(element.parentElement?.clientWidth ?? 800, 1100) - 20);
    const yFormat = props.yFormat ?? ((v: number) => v.toFixed(0));
    const plot = new uPlot(
      {
        width,
        height: props.height ?? 300,
        scales: { x: { time: props.time ?? false } },
        axes: [
          props.xFormat ? { values: (_u, ticks) => ticks.map((t) => props.xFormat!(t)) } : {},
          { values: (_u, ticks) => ticks.map(yFormat), size: 60 },
        ],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.6,
            value: (_u: uPlot, v: number | null) => (v == null ? "-" : yFormat(v)),
          })),
        ],
        legend: { live: true },
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    return () => plot.destroy();
  }, [props.x, props.series, props.time, props.stepped, props.height, props.yFormat, props.xFormat]);
  return <div className="chart" ref={box} role="img" aria-label={props.label} />;
}
