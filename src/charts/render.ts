/**
 * Charts without a browser: a Vega-Lite spec compiled to Vega, rendered to SVG headless, and to PNG with resvg.
 * vega and vega-lite are ESM-only; they are imported at the call site.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export type VegaLiteSpec = Record<string, unknown>;

/** The parts of vega-lite and vega used here (their own types need moduleResolution node16). */
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: "none" }) => { toSVG(): Promise<string>; finalize(): void };
}

/**
 * A native `import()`: TypeScript compiles `import()` to `require()` under CommonJS, which cannot load vega-lite
 * (an ES module with top-level await).
 */
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vegaLite = (await importEsm("vega-lite")) as VegaLiteModule;
  const vega = (await importEsm("vega")) as VegaModule;
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes `<name>.svg` and `<name>.png` under `dir`; returns both paths. */
export async function writeChart(dir: string, name: string, spec: VegaLiteSpec): Promise<string[]> {
  const { Resvg } = await import("@resvg/resvg-js");
  mkdirSync(dir, { recursive: true });
  const svg = await renderSvg(spec);
  const svgFile = path.join(dir, `${name}.svg`);
  const pngFile = path.join(dir, `${name}.png`);
  writeFileSync(svgFile, svg);
  const png = new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: 2 } }).render().asPng();
  writeFileSync(pngFile, png);
  return [svgFile, pngFile];
}
