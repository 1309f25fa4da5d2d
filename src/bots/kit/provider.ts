import { Network, type JsonRpcApiProviderOptions } from "ethers";
import type { Logger } from "../../node/logger";
import { ResilientJsonRpcProvider } from "../../rpc/provider";
import { sleep } from "../../rpc/faults";

/**
 * How a bot's JSON-RPC provider is built: the chain id is checked once at start (`staticNetwork`), and no answer
 * is reused (ethers reuses an identical request's answer for 250 ms by default; a nonce read right after a send
 * must not be).
 */
export const PROVIDER_OPTIONS: JsonRpcApiProviderOptions = { staticNetwork: true, cacheTimeout: -1 };

/** The endpoint's chain id (retried a few times), or a one-line reason to stop. */
export async function readChainId(
  config: { rpcUrl: string; expectedChainId?: number; network?: string; rpcRetries: number; rpcBackoffMs: number },
  logger: Logger,
): Promise<number | string> {
  let lastError = "";
  for (let attempt = 0; attempt <= config.rpcRetries; attempt++) {
    try {
      const response = await fetch(config.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { result?: string };
      if (!body.result) throw new Error(`no chain id in the answer (HTTP ${response.status})`);
      const chainId = Number(BigInt(body.result));
      if (config.expectedChainId !== undefined && chainId !== config.expectedChainId) {
        return `the RPC at ${config.rpcUrl} is chain ${chainId}, but the ${config.network ?? "configured"} address book is for chain ${config.expectedChainId}`;
      }
      return chainId;
    } catch (error) {
      lastError =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      logger.warn({ rpcUrl: config.rpcUrl, attempt: attempt + 1, error: lastError }, "cannot reach the RPC yet");
      if (attempt < config.rpcRetries) await sleep(Math.min(config.rpcBackoffMs * 2 ** attempt, 30_000));
    }
  }
  return `cannot reach the RPC at ${config.rpcUrl}: ${lastError}`;
}

/** A bot's provider for its endpoint: resilient to dropped connections and a busy endpoint (logged at debug), on the checked chain. */
export function botProvider(rpcUrl: string, chainId: number, logger: Logger): ResilientJsonRpcProvider {
  return new ResilientJsonRpcProvider(rpcUrl, Network.from(chainId), PROVIDER_OPTIONS, {
    onRetry: (method, attempt) =>
      logger.debug({ method, attempt }, "connection dropped or endpoint busy, asking again"),
  });
}
