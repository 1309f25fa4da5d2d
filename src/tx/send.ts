import { formatUnits, type FeeData, type TransactionReceipt, type TransactionRequest } from "ethers";
import { CONTRACT_INTERFACES } from "../chain/contracts";
import { describeError } from "../chain/reverts";
import { isNonceError, isRpcFault, sleep } from "../rpc/faults";
import type { Retry, SentTx, TxConfig, TxContext } from "./context";

/** The transaction for `data` to `to`: gas limit = estimate x margin (rounded up), fees capped. */
export async function prepareRequest(
  { config, provider }: TxContext,
  retry: Retry,
  to: string,
  data: string,
  estimateGas: () => Promise<bigint>,
): Promise<TransactionRequest> {
  const estimate = await retry("estimateGas", estimateGas);
  const fees = await retry("getFeeData", () => provider.getFeeData());
  const marginPermille = BigInt(Math.round(config.gasLimitMargin * 1000));
  const maxFeePerGas = offeredMaxFee(fees, config);
  const maxPriorityFeePerGas = min(fees.maxPriorityFeePerGas ?? 1_000_000_000n, maxFeePerGas);
  return {
    to,
    data,
    gasLimit: (estimate * marginPermille + 999n) / 1000n,
    maxFeePerGas,
    maxPriorityFeePerGas,
    type: 2,
  };
}

/** The maxFeePerGas a transaction is sent with: the node's suggestion (or its gas price), never above the cap. */
export function offeredMaxFee(fees: FeeData, { maxFeePerGas: cap }: Pick<TxConfig, "maxFeePerGas">): bigint {
  return min(fees.maxFeePerGas ?? fees.gasPrice ?? cap, cap);
}

/**
 * Sends at the next nonce; after any error, the next transaction reads its nonce from the node again. `stillWanted`,
 * when given, is asked last, with the nonce read and nothing left but the send: false sends nothing (undefined).
 */
export async function sendAtNextNonce(
  { signer }: TxContext,
  retry: Retry,
  request: TransactionRequest,
  stillWanted?: () => Promise<boolean>,
): Promise<{ nonce: number; hash: string } | undefined> {
  if (!signer) throw new Error("no signer: a read-only (dry run) context sends nothing");
  try {
    const nonce = await retry("getNonce", () => signer.getNonce("pending"));
    if (stillWanted && !(await stillWanted())) return undefined;
    const sent = await signer.signer.sendTransaction({ ...request, nonce });
    signer.increment();
    return { nonce, hash: sent.hash };
  } catch (error) {
    signer.reset();
    throw error;
  }
}

/** Logs and counts a send the node refused (or that never reached it). */
export function logSendFailure({ onError, logger }: TxContext, what: Record<string, unknown>, error: unknown): void {
  const kind = isNonceError(error) ? "nonce" : isRpcFault(error) ? "rpc" : "send";
  onError?.(kind);
  logger.error(
    { ...what, kind, error: describeError(error, CONTRACT_INTERFACES) },
    kind === "nonce" ? "nonce error, nonce manager reset" : "send failed",
  );
}

/** The log fields of a sent transaction. */
export const sentFields = (sent: { nonce: number; hash: string }, request: TransactionRequest) => ({
  hash: sent.hash,
  nonce: sent.nonce,
  gasLimit: request.gasLimit?.toString(),
  maxFeeGwei: formatUnits(request.maxFeePerGas as bigint, 9),
});

/** How many times a transaction the node dropped from its pool is sent again (beyond the replacements). */
const MAX_RESENDS = 3;

/**
 * Waits for any of the transactions sent at `sent.nonce`; past `txTimeoutMs` without a receipt, sends a replacement
 * at the same nonce with fees raised by at least 12.5% (what nodes require), never above the cap, and adds its hash
 * to `sent.hashes`. A transaction the node no longer knows (dropped from its pool, none mined) is sent again at once
 * at the same nonce (fees raised likewise, or as they were at the cap), up to three times, without waiting for the
 * timeout. Returns undefined when the last wait times out too. `what` names the subject in the logs.
 */
export async function waitOrReplace(
  context: TxContext,
  what: Record<string, unknown>,
  request: TransactionRequest,
  sent: SentTx,
): Promise<TransactionReceipt | undefined> {
  const { config, logger, onError, signer } = context;
  let maxFee = request.maxFeePerGas as bigint;
  let priorityFee = request.maxPriorityFeePerGas as bigint;
  let replacements = 0;
  let resends = 0;
  for (;;) {
    const waited = await waitForAny(context, sent.hashes, config.txTimeoutMs);
    if (waited !== "dropped" && waited !== undefined) return waited;
    const dropped = waited === "dropped";
    if (dropped) {
      if (resends === MAX_RESENDS || !signer) break;
      resends += 1;
    } else {
      onError?.("timeout");
      if (replacements === config.maxReplacements || !signer) break;
      replacements += 1;
    }
    const bumpedFee = min(bump(maxFee), config.maxFeePerGas);
    const bumpedPriority = min(bump(priorityFee), bumpedFee);
    if (!dropped && bumpedFee < bump(maxFee)) {
      logger.warn(
        { ...what, nonce: sent.nonce, maxFeeGwei: formatUnits(maxFee, 9) },
        "stuck transaction cannot be replaced: fee is at the cap",
      );
      continue;
    }
    try {
      const replacement = await signer.signer.sendTransaction({
        ...request,
        nonce: sent.nonce,
        maxFeePerGas: bumpedFee,
        maxPriorityFeePerGas: bumpedPriority,
      });
      sent.hashes.push(replacement.hash);
      maxFee = bumpedFee;
      priorityFee = bumpedPriority;
      logger.warn(
        {
          ...what,
          nonce: sent.nonce,
          replaced: sent.hashes[sent.hashes.length - 2],
          hash: replacement.hash,
          maxFeeGwei: formatUnits(bumpedFee, 9),
        },
        dropped
          ? "transaction dropped from the node's pool, sent again at the same nonce"
          : "stuck transaction replaced with a higher fee",
      );
    } catch (error) {
      // Usually: one of ours was mined meanwhile (nonce too low); the next wait finds its receipt.
      logger.warn(
        { ...what, nonce: sent.nonce, error: describeError(error, CONTRACT_INTERFACES) },
        "replacement not accepted",
      );
    }
  }
  return undefined;
}

/** +12.5%, rounded up, and at least 1 wei more. */
const bump = (fee: bigint) => fee + (fee * 125n + 999n) / 1000n + 1n;

/**
 * The highest maxFeePerGas a transaction first sent at `maxFee` can reach through `waitOrReplace`'s replacements
 * (each one bump, never above the cap): what a bot that must not lose money on gas prices its worst case at.
 */
export function highestFee(maxFee: bigint, { maxReplacements, maxFeePerGas: cap }: TxConfig): bigint {
  let fee = maxFee;
  for (let round = 0; round < maxReplacements && bump(fee) <= cap; round++) fee = bump(fee);
  return fee;
}
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The receipt of any of `hashes` once it has its confirmations; "dropped" when the node has twice in a row known
 * none of them (not mined, not in its pool); undefined after `timeoutMs`.
 */
async function waitForAny(
  { provider, config }: TxContext,
  hashes: string[],
  timeoutMs: number,
): Promise<TransactionReceipt | "dropped" | undefined> {
  const deadline = Date.now() + timeoutMs;
  const pollMs = Math.max(100, Math.min(1_000, Math.floor(timeoutMs / 10)));
  let unknown = 0;
  while (Date.now() < deadline) {
    try {
      let known = false;
      for (const hash of hashes) {
        const receipt = await provider.getTransactionReceipt(hash);
        if (receipt && (await receipt.confirmations()) >= config.confirmations) return receipt;
        known ||= receipt !== null;
      }
      // Only the last one can still be in the pool: a replacement took the earlier ones' place.
      known ||= (await provider.getTransaction(hashes[hashes.length - 1])) !== null;
      unknown = known ? 0 : unknown + 1;
      if (unknown >= 2) return "dropped";
    } catch (error) {
      if (!isRpcFault(error)) throw error;
    }
    await sleep(pollMs);
  }
  return undefined;
}

/** Where a transaction left pending by an earlier wait stands now. */
export type SentTxState = { state: "mined"; receipt: TransactionReceipt } | { state: "gone" } | { state: "pending" };

/**
 * A transaction left pending: mined (one of its hashes has a receipt), gone (the node knows none of its hashes, or
 * another transaction of ours took its nonce; the signer then reads its nonce afresh), or still pending.
 */
export async function checkSent({ provider, signer }: TxContext, sent: SentTx): Promise<SentTxState> {
  for (const hash of sent.hashes) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return { state: "mined", receipt };
  }
  const known = await Promise.all(sent.hashes.map((h) => provider.getTransaction(h)));
  const nonceTaken = signer
    ? (await provider.getTransactionCount(await signer.getAddress(), "latest")) > sent.nonce
    : false;
  if (nonceTaken || known.every((tx) => tx === null)) {
    signer?.reset();
    return { state: "gone" };
  }
  return { state: "pending" };
}
