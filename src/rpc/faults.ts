import { isError } from "ethers";

/** True for an error of the endpoint or the transport (worth retrying), false for a revert or a refused input. */
export function isRpcFault(error: unknown): boolean {
  if (isError(error, "CALL_EXCEPTION") || isError(error, "INSUFFICIENT_FUNDS") || isError(error, "NONCE_EXPIRED")) {
    return false;
  }
  if (
    isError(error, "NETWORK_ERROR") ||
    isError(error, "SERVER_ERROR") ||
    isError(error, "TIMEOUT") ||
    isError(error, "BAD_DATA")
  ) {
    return true;
  }
  const text = errorText(error);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|fetch failed|other side closed|network/i.test(text);
}

/** True when the node refused a transaction for its nonce (too low, too high, already known, underpriced). */
export function isNonceError(error: unknown): boolean {
  if (isError(error, "NONCE_EXPIRED") || isError(error, "REPLACEMENT_UNDERPRICED")) return true;
  return /nonce too (low|high)|nonce has already been used|already known|invalid nonce|replacement (transaction )?underpriced/i.test(
    errorText(error),
  );
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const record = current as Record<string, unknown>;
    if (typeof record.message === "string") parts.push(record.message);
    if (typeof record.code === "string") parts.push(record.code);
    current = record.error ?? record.cause ?? record.info;
  }
  if (parts.length === 0) parts.push(String(error));
  return parts.join(" | ");
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying RPC faults up to `retries` times with exponential backoff from `baseMs` (doubling, at most
 * 30 s); a revert or any other error is thrown at once.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  {
    retries,
    baseMs,
    onRetry,
  }: { retries: number; baseMs: number; onRetry?: (error: unknown, attempt: number) => void },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= retries || !isRpcFault(error)) throw error;
      onRetry?.(error, attempt + 1);
      await sleep(Math.min(baseMs * 2 ** attempt, 30_000));
    }
  }
}
