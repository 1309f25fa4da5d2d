/**
 * The rules of the rehearsal's public-RPC-like endpoint (`endpoint.ts`), as plain functions of their inputs so that
 * each can be tested without a server or a clock: the fate of the n-th request under a seed, a per-client rate
 * limit over an injected clock, and the `eth_getLogs` limits with the error answers public providers give.
 */
import { Random } from "../../src/model/random";

export interface EndpointRules {
  /** Same seed, same faults: the n-th request's latency and fault depend on (seed, n) only. */
  seed: number;
  /** JSON-RPC calls a client may make per second (a batch of n costs n, capped at the burst). */
  ratePerSecond: number;
  /** Calls a client may make at once after a quiet second (the bucket's size). */
  burst: number;
  /** `eth_getLogs` over more blocks than this is refused (Infura's live limit). */
  maxLogsBlocks: number;
  /** `eth_getLogs` that matches more logs than this is refused. */
  maxLogsResults: number;
  /** Share of requests answered with a 502, 503 or 504. */
  errorRate: number;
  /** Share of requests whose connection is destroyed without an answer. */
  dropRate: number;
  /** Every request waits a uniform [min, max] milliseconds. */
  latencyMs: readonly [number, number];
}

export const DEFAULT_RULES: EndpointRules = {
  seed: 1,
  ratePerSecond: 25,
  burst: 25,
  maxLogsBlocks: 10_000,
  maxLogsResults: 10_000,
  errorRate: 0.01,
  dropRate: 0.005,
  latencyMs: [50, 300],
};

/**
 * An injected fault. `afterForward`: the node has seen (and acted on) the request, and the answer is what is lost,
 * as when a gateway times out on a slow node or a connection breaks on the way back.
 */
export type Fault =
  | { kind: "none" }
  | { kind: "error"; status: 502 | 503 | 504; afterForward: boolean }
  | { kind: "drop"; afterForward: boolean };

export interface RequestPlan {
  latencyMs: number;
  fault: Fault;
}

const STATUSES = [502, 503, 504] as const;

/** The fate of request number `index` (0-based, in arrival order) under `rules.seed`. */
export function planRequest(rules: EndpointRules, index: number): RequestPlan {
  // Each request draws from its own stream, so one request's fate never depends on what the others drew.
  const random = new Random((Math.imul(rules.seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const [min, max] = rules.latencyMs;
  const latencyMs = min + Math.floor(random.next() * (max - min + 1));
  const roll = random.next();
  const afterForward = random.next() < 0.5;
  const status = STATUSES[Math.floor(random.next() * STATUSES.length)];
  if (roll < rules.errorRate) return { latencyMs, fault: { kind: "error", status, afterForward } };
  if (roll < rules.errorRate + rules.dropRate) return { latencyMs, fault: { kind: "drop", afterForward } };
  return { latencyMs, fault: { kind: "none" } };
}

/**
 * A token bucket per client: `burst` tokens, refilled at `ratePerSecond`. `take` answers 0 when the call may go,
 * else the whole seconds to wait (the `Retry-After` header), at least 1.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rules: Pick<EndpointRules, "ratePerSecond" | "burst">,
    private readonly now: () => number,
  ) {}

  take(client: string, calls: number): number {
    const { ratePerSecond, burst } = this.rules;
    const cost = Math.min(Math.max(calls, 1), burst);
    const now = this.now();
    const bucket = this.#buckets.get(client) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    this.#buckets.set(client, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerSecond));
  }
}

export interface JsonRpcCall {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

export interface JsonRpcError {
  jsonrpc: "2.0";
  id: unknown;
  error: { code: number; message: string; data?: unknown };
}

interface LogFilter {
  fromBlock?: string;
  toBlock?: string;
  blockHash?: string;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * A block tag or number of a filter as a number: "earliest" is 0, a missing one and the other tags ("latest",
 * "pending", "safe", "finalized") are the head.
 */
function blockOf(tag: string | undefined, head: number): number {
  if (tag === "earliest") return 0;
  if (tag === undefined || !/^0x[0-9a-f]+$/i.test(tag)) return head;
  return Number(tag);
}

/** The inclusive block range of an `eth_getLogs` call, or undefined for a `blockHash` filter (one block). */
export function logsRange(call: JsonRpcCall, head: number): { from: number; to: number } | undefined {
  const filter = (call.params?.[0] ?? {}) as LogFilter;
  if (filter.blockHash) return undefined;
  return { from: blockOf(filter.fromBlock, head), to: blockOf(filter.toBlock, head) };
}

/** True when the call's range needs the head block to be known (a tag other than "earliest", or none). */
export function needsHead(call: JsonRpcCall): boolean {
  const filter = (call.params?.[0] ?? {}) as LogFilter;
  if (filter.blockHash) return false;
  return [filter.fromBlock, filter.toBlock].some((t) => t !== "earliest" && !/^0x[0-9a-f]+$/i.test(t ?? ""));
}

/** Infura's answer to a range over its limit (code -32602, "range N exceeds limit of 10000"), or undefined. */
export function refuseRange(call: JsonRpcCall, head: number, rules: EndpointRules): JsonRpcError | undefined {
  const range = logsRange(call, head);
  if (!range || range.to - range.from + 1 <= rules.maxLogsBlocks) return undefined;
  return {
    jsonrpc: "2.0",
    id: call.id ?? null,
    error: { code: -32602, message: `range ${range.to - range.from} exceeds limit of ${rules.maxLogsBlocks}` },
  };
}

/**
 * Infura's answer to a query that matched too many logs (code -32005, "query returned more than 10000 results. Try
 * with this block range [0x.., 0x..]." with the suggested range in `data`), or undefined when `logs` fit. The
 * suggested range ends before the block in which the limit is crossed (the first block alone, if that is where).
 */
export function refuseResults(
  call: JsonRpcCall,
  logs: { blockNumber: string }[],
  head: number,
  rules: EndpointRules,
): JsonRpcError | undefined {
  if (logs.length <= rules.maxLogsResults) return undefined;
  const range = logsRange(call, head) ?? { from: Number(logs[0].blockNumber), to: Number(logs[0].blockNumber) };
  const crossing = Number(logs[rules.maxLogsResults].blockNumber);
  const to = Math.max(range.from, crossing - 1);
  const limit = rules.maxLogsResults;
  return {
    jsonrpc: "2.0",
    id: call.id ?? null,
    error: {
      code: -32005,
      message: `query returned more than ${limit} results. Try with this block range [${hex(range.from)}, ${hex(to)}].`,
      data: { from: hex(range.from), to: hex(to), limit },
    },
  };
}
