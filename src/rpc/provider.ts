import {
  JsonRpcProvider,
  type JsonRpcApiProviderOptions,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
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
