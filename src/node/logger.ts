import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const OMITTED = new Set(["level", "time", "msg", "pid", "hostname", "name"]);

/** One pino JSON line as a human line: `12:00:01.123 INFO  rebalanced token=BTC3L gasUsed=123456`. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 23) : "";
  const level = (LEVEL_NAMES[Number(record.level)] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  return [time, level, String(record.msg ?? ""), ...fields].filter(Boolean).join(" ");
}

/** A pino destination that writes human-readable lines (pino-pretty is not a dependency). */
export function prettyDestination(write: (line: string) => void): DestinationStream {
  return { write: (chunk: string) => write(`${prettyLine(chunk)}\n`) };
}

/**
 * A bot's logger (the keeper's, the arbitrageur's): JSON lines (default) or human lines, written synchronously to
 * stdout, each with `name`.
 */
export function createLogger(
  level: string,
  format: "json" | "pretty",
  destination: DestinationStream = format === "pretty"
    ? prettyDestination((line) => process.stdout.write(line))
    : pino.destination({ fd: 1, sync: true }),
  name = "keeper",
): Logger {
  return pino({ level, base: { name }, timestamp: pino.stdTimeFunctions.epochTime }, destination);
}
