/** The demo's tables and charts, from the stories' results. */
import { writeChart } from "../../src/charts/render";
import { groupedBars, lines } from "../../src/charts/specs";
import { table } from "../../src/text/format";
import { pct, type Outcome, type Story } from "./world";

/** Every story's outcomes in one table: BTC, the token, and the rule of thumb. */
export function summaryTable(outcomes: Outcome[]): string {
  return table(
    ["story", "BTC", "token", "rule of thumb"],
    outcomes.map((o) => [o.name, pct(o.underlying), pct(o.token), pct(o.ruleOfThumb)]),
  );
}

/** `stories.svg|png` (every outcome as bars) and `choppy-week.svg|png` (the week day by day) under `outDir`. */
export async function writeDemoCharts(outDir: string, stories: Story[]): Promise<string[]> {
  const outcomes = stories.flatMap((s) => s.outcomes);
  const charts = await writeChart(
    outDir,
    "stories",
    groupedBars(
      "The demo's stories: BTC, the token, and the rule of thumb (L x the move, compounded per rebalance)",
      outcomes.flatMap((o) => [
        { group: o.name, series: "BTC", value: o.underlying },
        { group: o.name, series: "token", value: o.token },
        { group: o.name, series: "rule of thumb", value: o.ruleOfThumb },
      ]),
      "return over the story",
    ),
  );
  const week = stories.find((s) => s.days);
  if (week?.days) {
    const [outcome] = week.outcomes;
    charts.push(
      ...(await writeChart(
        outDir,
        "choppy-week",
        lines(
          `A choppy week: BTC ends ${pct(outcome.underlying)}, BTC3L ${pct(outcome.token)} (NAV after each daily rebalance)`,
          week.days.map((d) => ({ x: d.day, series: d.series, value: d.value })),
          { title: "day", whole: true },
          { title: "return since the start of the week", format: ".0%" },
          "bottom-left",
        ),
      )),
    );
  }
  return charts;
}
