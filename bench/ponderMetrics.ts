/*
 * Where an indexer run's time went, from Ponder's Prometheus metrics (GET /metrics): RPC requests by method, the
 * indexing functions' time by event, the historical extract/transform steps and the store's queries by table.
 */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sums of `name` grouped by the `key` label, over the samples whose labels match `where`. */
function byLabel(
  samples: Sample[],
  name: string,
  key: string,
  where: Record<string, string> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || Object.entries(where).some(([l, v]) => s.labels[l] !== v)) continue;
    const k = s.labels[key] ?? "";
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

const list = (m: Map<string, number>, format: (k: string, v: number) => string) =>
  [...m]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => format(k, v))
    .join(", ") || "none";

/** A few lines on where the time went, from the text of Ponder's /metrics. */
export function metricsReport(text: string): string[] {
  const s = parseMetrics(text);
  const rpcCount = byLabel(s, "ponder_rpc_request_duration_count", "method");
  const rpcSum = byLabel(s, "ponder_rpc_request_duration_sum", "method");
  const fnCount = byLabel(s, "ponder_indexing_function_duration_count", "event");
  const fnSum = byLabel(s, "ponder_indexing_function_duration_sum", "event");
  const handlerCalls = byLabel(s, "ponder_indexing_rpc_requests_total", "method");
  const extract = byLabel(s, "ponder_historical_extract_duration", "step");
  const transform = byLabel(s, "ponder_historical_transform_duration", "step");
  const store = byLabel(s, "ponder_indexing_store_queries_total", "method");
  const writes = byLabel(s, "ponder_indexing_store_queries_total", "table", { method: "insert" });
  const updates = byLabel(s, "ponder_indexing_store_queries_total", "table", { method: "update" });
  const dbCount = byLabel(s, "ponder_database_method_duration_count", "method");
  const dbSum = byLabel(s, "ponder_database_method_duration_sum", "method");
  const rawSql = s.find((x) => x.name === "ponder_indexing_store_raw_sql_duration_count")?.value ?? 0;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  return [
    `RPC requests by method (count, total time): ${list(rpcCount, (k, v) => `${k} ${v} (${ms(rpcSum.get(k) ?? 0)})`)}`,
    `handlers' context.client requests: ${list(handlerCalls, (k, v) => `${k} ${v}`)}`,
    `indexing functions (events, total time): ${list(fnSum, (k, v) => `${k} ${fnCount.get(k) ?? 0} (${ms(v)})`)}`,
    `historical extract steps: ${list(extract, (k, v) => `${k} ${ms(v)}`)}`,
    `historical transform steps: ${list(transform, (k, v) => `${k} ${ms(v)}`)}`,
    `store queries by method: ${list(store, (k, v) => `${k} ${v}`)}; raw SQL queries: ${rawSql}`,
    `store inserts by table: ${list(writes, (k, v) => `${k} ${v}`)}; updates: ${list(updates, (k, v) => `${k} ${v}`)}`,
    `database calls (count, total time): ${list(dbSum, (k, v) => `${k} ${dbCount.get(k) ?? 0} (${ms(v)})`)}`,
  ];
}
