import {
  type FetchRequest,
  JsonRpcProvider,
  type JsonRpcApiProviderOptions,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type FetchResponse,
  type Networkish,
} from "ethers";
import { isIdempotent, requestResiliently, retryOnTransport, type ResilienceOptions } from "./resilient";

/**
 * ethers' JsonRpcProvider that survives a dropped connection (see `requestResiliently`): the keeper's and the bots'
 * provider. A batch of reads is asked again as a whole; a batch with a write goes out request by request, each write
 * checked with the node before it could be sent again.
 */
export class ResilientJsonRpcProvider extends JsonRpcProvider {
  readonly #resilience: ResilienceOptions;

  constructor(
    url: string,
    network?: Networkish,
    options?: JsonRpcApiProviderOptions,
    resilience: ResilienceOptions = {},
  ) {
    super(url, network, options);
    this.#resilience = resilience;
  }

  /**
   * ethers' own answer to an HTTP 429 reads `Retry-After` as milliseconds (a public endpoint gives seconds), so it
   * would ask again a dozen times within a few milliseconds and spend the rate limit it is told to wait out. Here a
   * 429 waits what `Retry-After` says (seconds or an HTTP date, at most a minute; without one, ethers' own growing
   * pause), then asks again, up to ethers' attempt limit.
   */
  override _getConnection(): FetchRequest {
    const request = super._getConnection();
    request.retryFunc = async () => false;
    request.processFunc = async (_request: FetchRequest, response: FetchResponse) => {
      if (response.statusCode === 429) response.throwThrottleError("rate limited", retryAfterMs(response));
      return response;
    };
    return request;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const payloads = Array.isArray(payload) ? payload : [payload];
    if (payloads.every((p) => isIdempotent(p.method))) {
      return retryOnTransport(() => super._send(payload), payloads.map((p) => p.method).join(","), this.#resilience);
    }
    return Promise.all(payloads.map((p) => this.#sendOne(p)));
  }

  async #sendOne(payload: JsonRpcPayload): Promise<JsonRpcResult> {
    const one = async (method: string, params: unknown[]) => {
      // JsonRpcProvider._send gives back what the node answered, errors included, whatever its declared type.
      const [response] = (await super._send({ jsonrpc: "2.0", id: payload.id, method, params })) as (
        JsonRpcResult | JsonRpcError
      )[];
      if ("error" in response) throw Object.assign(new Error(String(response.error.message)), { rpcError: response });
      return response.result;
    };
    try {
      const result = await requestResiliently(one, payload.method, payload.params as unknown[], this.#resilience);
      return { id: payload.id, result };
    } catch (error) {
      // The node's own answer goes back to ethers as it came, so that it decodes reverts as usual.
      const answer = (error as { rpcError?: JsonRpcError }).rpcError;
      if (answer) return answer as unknown as JsonRpcResult;
      throw error;
    }
  }
}

/** The longest `Retry-After` honoured, ms. */
const MAX_RETRY_AFTER_MS = 60_000;

/** A 429's `Retry-After` (whole seconds or an HTTP date) in ms, at most a minute; undefined without a readable one. */
export function retryAfterMs(response: Pick<FetchResponse, "headers">, now = Date.now()): number | undefined {
  const value = response.headers["retry-after"];
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS) : undefined;
}
