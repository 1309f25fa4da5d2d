/**
 * The bots' transaction layer (the keeper's, the arbitrageur's): retried RPC reads, a capped fee and a gas margin,
 * sends at the next nonce, waits with same-nonce replacements at a higher fee, a pending transaction checked again
 * later, and one rule for "someone else was first". It takes only a provider, a signer, a configuration and a logger
 * (`TxContext`); nothing of the bot that uses it.
 */
export {
  retrying,
  syncNonce,
  type Retry,
  type SentTx,
  type TxConfig,
  type TxContext,
  type TxErrorKind,
} from "./context";
export {
  checkSent,
  highestFee,
  logSendFailure,
  offeredMaxFee,
  prepareRequest,
  sendAtNextNonce,
  sentFields,
  waitOrReplace,
} from "./send";
export type { SentTxState } from "./send";
export { isSuperseded, submit, type Submitted, type TxIntent } from "./submit";
