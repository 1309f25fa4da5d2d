import type { TransactionReceipt } from "ethers";
import { CONTRACT_INTERFACES } from "../chain/contracts";
import { decodeRevert } from "../chain/reverts";
import { retrying, type SentTx, type TxContext } from "./context";
import { logSendFailure, prepareRequest, sendAtNextNonce, sentFields, waitOrReplace } from "./send";

/** One transaction a bot wants mined, already simulated by the caller. */
export interface TxIntent {
  to: string;
  data: string;
  estimateGas: () => Promise<bigint>;
  /**
   * The custom errors that mean someone else already did what this transaction is for (the keeper: the rebalance is
   * no longer due; the arbitrageur: the price gap is gone). A revert with one of them, at the estimate or at the
   * send (a node that executes on submission), is `superseded`, not a failure.
   */
  supersededBy: readonly string[];
  /** Names the transaction in the logs: "rebalance" gives "rebalance sent", "rebalance still pending ...". */
  label: string;
  /** Log fields that name its subject ({ token: "BTC3L" }). */
  what: Record<string, unknown>;
  /** Called once it is sent, before the wait: remember it, so that nothing is sent again for it meanwhile. */
  onSent?: (sent: SentTx) => void;
  /**
   * Asked right before the send, after the estimate, the fees and the nonce: false (or a revert with one of
   * `supersededBy`) means someone else was first meanwhile, and nothing is sent (`superseded`). Narrows the window in
   * which two bots both send.
   */
  stillWanted?: () => Promise<boolean>;
}

export type Submitted =
  | { kind: "superseded" }
  /** Refused by the node or lost on the way; logged (`send failed` / `nonce error ...`) and counted. */
  | { kind: "failed"; error: unknown }
  /** Still without a receipt after every replacement; logged. `checkSent` resolves it later. */
  | { kind: "pending"; sent: SentTx }
  /** Mined (successfully or reverted: see `receipt.status`). */
  | { kind: "mined"; sent: SentTx; receipt: TransactionReceipt };

/** True when `error` is a revert with one of `names`: the one place that decides "someone else was first". */
export function isSuperseded(error: unknown, names: readonly string[]): boolean {
  const name = decodeRevert(error, CONTRACT_INTERFACES)?.name;
  return name !== undefined && names.includes(name);
}

/**
 * Estimates, sends at the next nonce with a capped fee, and waits for the receipt, replacing a stuck transaction at
 * the same nonce with a higher fee (see `waitOrReplace`). RPC reads are retried; an estimate that reverts for
 * another reason than `supersededBy` throws. Needs a signer.
 */
export async function submit(context: TxContext, intent: TxIntent): Promise<Submitted> {
  const retry = retrying(context);
  const request = await prepareRequest(context, retry, intent.to, intent.data, intent.estimateGas).catch(
    (error: unknown) => {
      if (isSuperseded(error, intent.supersededBy)) return undefined;
      throw error;
    },
  );
  if (!request) return { kind: "superseded" };

  let first: { nonce: number; hash: string } | undefined;
  try {
    first = await sendAtNextNonce(context, retry, request, intent.stillWanted);
  } catch (error) {
    if (isSuperseded(error, intent.supersededBy)) return { kind: "superseded" };
    logSendFailure(context, intent.what, error);
    return { kind: "failed", error };
  }
  if (!first) return { kind: "superseded" };
  context.logger.info({ ...intent.what, ...sentFields(first, request) }, `${intent.label} sent`);
  const sent: SentTx = { nonce: first.nonce, hashes: [first.hash] };
  intent.onSent?.(sent);

  const receipt = await waitOrReplace(context, intent.what, request, sent);
  if (!receipt) {
    context.logger.warn(
      { ...intent.what, nonce: sent.nonce, hashes: sent.hashes },
      `${intent.label} still pending, will check next pass`,
    );
    return { kind: "pending", sent };
  }
  return { kind: "mined", sent, receipt };
}
