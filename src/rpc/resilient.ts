/**
 * JSON-RPC that survives a dropped connection and a busy endpoint. A pooled HTTP connection that the node closed
 * while it sat idle (the keep-alive race, frequent on a busy machine) fails the next request with "other side
 * closed", although nothing is wrong with the node; a public endpoint also answers now and then with HTTP 429 (rate
 * limited: Hardhat waits out a short Retry-After itself, then gives up), a 5xx page instead of JSON ("Invalid
 * JSON-RPC response received: Service Unavailable"), or a gateway timeout. A read is simply asked again, after a
 * pause that grows (longer for a busy endpoint than for a dropped connection). A write is never sent again blindly: first the
 * node is asked whether the transaction arrived (by its hash, or by the sender's nonce), and only a transaction that
 * provably did not arrive is sent again, signed the same, so that at most one of the two can ever be mined.
 *
 * `requestResiliently` works over any `(method, params) => result` function: Hardhat's provider (the tasks), ethers'
 * JsonRpcProvider (`ResilientJsonRpcProvider`: the keeper, the bots) and a browser wallet's EIP-1193 `request`.
 */
import { keccak256, Transaction } from "ethers";

export type RpcRequest = (method: string, params: unknown[]) => Promise<unknown>;

/** Methods whose answer does not depend on how often they are asked: asked again after a transport error. */
const IDEMPOTENT = new Set([
  "eth_accounts",
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getCode",
  "eth_getLogs",
  "eth_getStorageAt",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_maxPriorityFeePerGas",
  "eth_signTypedData_v4",
  "eth_syncing",
  "net_version",
  "web3_clientVersion",
  "hardhat_metadata",
  // Setters: doing them twice leaves the same state.
  "evm_setAutomine",
  "evm_setNextBlockTimestamp",
  "hardhat_setBalance",
]);

export const isIdempotent = (method: string) => IDEMPOTENT.has(method);

/**
 * True when the request or its answer was lost on the way (the connection was closed, reset or timed out), so the
 * node may or may not have seen it; false for an answer of the node (a revert, a refused transaction) and for a node
 * that is not listening at all (retrying cannot help).
 */
export function isTransportError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 6; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && /^(UND_ERR_SOCKET|UND_ERR_CLOSED|ECONNRESET|EPIPE|ECONNABORTED)$/.test(code)) {
      return true;
    }
    if (typeof message === "string" && /other side closed|socket hang up|ECONNRESET|EPIPE/i.test(message)) return true;
    current = cause ?? (current as { error?: unknown }).error;
  }
  return false;
}

/**
 * True when the endpoint, not the node, refused to answer for now: rate limited (HTTP 429, once Hardhat's own
 * Retry-After waits are used up), a 5xx status or page instead of a JSON-RPC answer, a gateway timeout. The request
 * may or may not have reached the node (a 5xx from a gateway after forwarding), so a write is checked before it is
 * sent again, as after a dropped connection.
 */
export function isBusyEndpointError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 6; depth++) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (
      typeof message === "string" &&
      /Invalid JSON-RPC response received|Too Many Requests|rate limit|server response (429|5\d\d)|\b(429|50[0-4])\b.*(Service Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error|Too Many)|HH(109|110)\b/i.test(
        message,
      )
    ) {
      return true;
    }
    current = cause ?? (current as { error?: unknown }).error ?? (current as { parent?: unknown }).parent;
  }
  return false;
}

/** A failure worth another try: a lost connection or a busy endpoint. */
export const isTransientError = (error: unknown) => isTransportError(error) || isBusyEndpointError(error);

export interface ResilienceOptions {
  /** How many times a request whose connection was lost, or that a busy endpoint refused, is tried again (default 6). */
  retries?: number;
  /** Pause before the first retry after a lost connection, doubled each time (default 50 ms: a fresh connection is
   * what it needs). */
  baseMs?: number;
  /** Pause before the first retry after a busy endpoint's answer, doubled each time up to 8 s (default 500 ms). */
  busyBaseMs?: number;
  /** Called before each retry (for a log line or a metric). */
  onRetry?: (method: string, attempt: number, error: unknown) => void;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const DEFAULT_RETRIES = 6;
const MAX_BUSY_PAUSE_MS = 8_000;

/** The pause before retry number `attempt` (1-based) after `error`: bounded exponential backoff. */
function backoffMs(error: unknown, attempt: number, options: ResilienceOptions): number {
  if (isBusyEndpointError(error)) return Math.min((options.busyBaseMs ?? 500) * 2 ** (attempt - 1), MAX_BUSY_PAUSE_MS);
  return (options.baseMs ?? 50) * 2 ** (attempt - 1);
}

/** Runs `call` (a read, or a batch of reads), again after each transient error, at most `retries` more times. */
export async function retryOnTransport<T>(
  call: () => Promise<T>,
  what: string,
  options: ResilienceOptions = {},
): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt > retries || !isTransientError(error)) throw error;
      options.onRetry?.(what, attempt, error);
      await pause(backoffMs(error, attempt, options));
    }
  }
}

/** Sends one JSON-RPC request, surviving a lost connection as described above. */
export async function requestResiliently(
  request: RpcRequest,
  method: string,
  params: unknown[],
  options: ResilienceOptions = {},
): Promise<unknown> {
  const read: RpcRequest = (m, p) => retryOnTransport(() => request(m, p), m, options);
  if (isIdempotent(method)) return read(method, params);
  if (method === "eth_sendRawTransaction") return sendRaw(request, read, params[0] as string, options);
  if (method === "eth_sendTransaction") return sendByNode(request, read, params[0] as NodeSigned, options);
  return request(method, params); // anything else is sent once: it cannot be checked afterwards
}

/**
 * A signed transaction: after a lost connection or a busy endpoint's answer, it arrived if the node knows its hash;
 * it did not if the sender's nonce is still free (then the same signed bytes go again, after a pause); a nonce taken
 * by another transaction is an error.
 */
async function sendRaw(
  request: RpcRequest,
  read: RpcRequest,
  raw: string,
  options: ResilienceOptions,
): Promise<unknown> {
  const hash = keccak256(raw);
  const tx = Transaction.from(raw);
  for (let attempt = 1; ; attempt++) {
    try {
      return await request("eth_sendRawTransaction", [raw]);
    } catch (error) {
      if (!isTransientError(error)) throw error;
      if ((await read("eth_getTransactionByHash", [hash])) !== null) return hash;
      const next = Number(await read("eth_getTransactionCount", [tx.from, "pending"]));
      if (next > tx.nonce) throw nonceTaken(tx.from as string, tx.nonce, error);
      if (attempt > (options.retries ?? DEFAULT_RETRIES)) throw error;
      options.onRetry?.("eth_sendRawTransaction", attempt, error);
      await pause(backoffMs(error, attempt, options));
    }
  }
}

interface NodeSigned {
  from: string;
  nonce?: string;
  [field: string]: unknown;
}

/**
 * A transaction the node signs (an unlocked account of a local node): its nonce is fixed before the first try, so
 * that after a lost connection the sender's nonce says whether it arrived; if it did, its hash is found in the
 * pending block or the latest ones.
 */
async function sendByNode(
  request: RpcRequest,
  read: RpcRequest,
  tx: NodeSigned,
  options: ResilienceOptions,
): Promise<unknown> {
  const nonce = tx.nonce ?? ((await read("eth_getTransactionCount", [tx.from, "pending"])) as string);
  const pinned = { ...tx, nonce };
  for (let attempt = 1; ; attempt++) {
    try {
      return await request("eth_sendTransaction", [pinned]);
    } catch (error) {
      if (!isTransientError(error)) throw error;
      const next = Number(await read("eth_getTransactionCount", [tx.from, "pending"]));
      if (next > Number(nonce)) {
        const hash = await findSent(read, tx.from, Number(nonce));
        if (hash) return hash;
        throw nonceTaken(tx.from, Number(nonce), error);
      }
      if (attempt > (options.retries ?? DEFAULT_RETRIES)) throw error;
      options.onRetry?.("eth_sendTransaction", attempt, error);
      await pause(backoffMs(error, attempt, options));
    }
  }
}

/** The hash of `from`'s transaction at `nonce` in the pending block or the last 16 blocks, if there. */
async function findSent(read: RpcRequest, from: string, nonce: number): Promise<string | undefined> {
  type Block = { transactions: { hash: string; from: string; nonce: string }[] } | null;
  const latest = Number(await read("eth_blockNumber", []));
  const tags = [
    "pending",
    ...Array.from({ length: Math.min(16, latest + 1) }, (_, i) => `0x${(latest - i).toString(16)}`),
  ];
  for (const tag of tags) {
    const block = (await read("eth_getBlockByNumber", [tag, true])) as Block;
    const found = block?.transactions.find(
      (t) => t.from.toLowerCase() === from.toLowerCase() && Number(t.nonce) === nonce,
    );
    if (found) return found.hash;
  }
  return undefined;
}

function nonceTaken(from: string, nonce: number, cause: unknown): Error {
  return new Error(
    `the connection to the node was lost while sending, and nonce ${nonce} of ${from} has since been used by another transaction: nothing was sent again`,
    { cause },
  );
}
