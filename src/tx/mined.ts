import {
  isError,
  Transaction,
  Wallet,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import { UserError } from "../text/userError";
import { MinedRevertError } from "../chain/reverts";

/*
 * Sending a transaction through a public RPC and seeing it mined: the gas limit's margin, a transaction the mempool
 * dropped sent again as signed, and a revert once mined explained by replaying it at its block. Plain ethers: the
 * lt:* tasks and the holder's flows (CLI and app) use it.
 */

/**
 * The gas limit a holder's or a task's transaction gets: its estimate plus a quarter. The estimate is for the chain as it is when
 * the task sends; by the block that mines it, the pool, the NAV or a rebalance may have changed the path it takes
 * (found by the Sepolia rehearsal: an lt:sell with the bare estimate ran out of gas, gas used = limit, once mined).
 */
export const GAS_LIMIT_MARGIN_PERCENT = 125n;

/** `estimate` plus the margin: the gas limit to send with. */
export const withGasMargin = (estimate: bigint): bigint => (estimate * GAS_LIMIT_MARGIN_PERCENT) / 100n;

/** A contract method as ethers gives it: sent by a call, simulated by `staticCall`, estimated by `estimateGas`. */
export type Sendable<A extends unknown[]> = ((...args: A) => Promise<ContractTransactionResponse>) & {
  staticCall(...args: A): Promise<unknown>;
  estimateGas(...args: A): Promise<bigint>;
};

/** Sends `method(...args)` (simulated first by the caller) with its estimate plus the margin as its gas limit. */
export async function sendWithMargin<A extends unknown[]>(
  method: Sendable<A>,
  args: A,
): Promise<ContractTransactionResponse> {
  const gasLimit = withGasMargin(await method.estimateGas(...args));
  return (method as unknown as (...a: unknown[]) => Promise<ContractTransactionResponse>)(...args, { gasLimit });
}

/** Where a send stands as it goes: simulated, asked of the signer, sent (its hash). */
export interface SendProgress {
  simulating?(): void | Promise<void>;
  confirming?(): void | Promise<void>;
  sent?(hash: string): void | Promise<void>;
}

/**
 * Simulates `method(...args)` (nothing is sent when it reverts), sends it with the margin, and waits for its receipt
 * (`minedReceipt`, by `wait`); `progress` hears each stage. How the tasks and the holder's flows send.
 */
export async function simulateAndSend<A extends unknown[]>(
  label: string,
  method: Sendable<A>,
  args: A,
  wait?: (tx: ContractTransactionResponse) => Promise<ContractTransactionReceipt | null>,
  progress: SendProgress = {},
): Promise<{ hash: string; receipt: ContractTransactionReceipt }> {
  await progress.simulating?.();
  await method.staticCall(...args);
  await progress.confirming?.();
  const tx = await sendWithMargin(method, args);
  await progress.sent?.(tx.hash);
  return { hash: tx.hash, receipt: await minedReceipt(label, tx, wait) };
}

/**
 * `tx`'s receipt once mined, waited for by `wait` (ethers' own by default): a revert once mined is a
 * `MinedRevertError` (`explainMinedRevert`), a receipt that is missing or not a success an error naming `label`.
 */
export async function minedReceipt(
  label: string,
  tx: ContractTransactionResponse,
  wait: (tx: ContractTransactionResponse) => Promise<ContractTransactionReceipt | null> = (t) => t.wait(),
): Promise<ContractTransactionReceipt> {
  const receipt = await wait(tx).catch(async (error: unknown) => {
    throw await explainMinedRevert(label, tx, error);
  });
  if (!receipt || receipt.status !== 1) throw new Error(`${label}: transaction ${tx.hash} failed`);
  return receipt;
}

/**
 * A transaction mined with status 0 (ethers' bare "transaction execution reverted") as a `MinedRevertError`: the same
 * call replayed at the block it was mined in, whose revert names the cause (the state that made it fail is there).
 * Any other error is returned as it is.
 */
export async function explainMinedRevert(
  label: string,
  tx: ContractTransactionResponse,
  error: unknown,
): Promise<unknown> {
  if (!isError(error, "CALL_EXCEPTION") || !error.receipt) return error;
  const { blockNumber, gasUsed } = error.receipt;
  if (gasUsed >= tx.gasLimit) return new MinedRevertError(label, tx.hash, blockNumber, undefined, tx.gasLimit);
  const replay = await tx.provider
    .call({ from: tx.from, to: tx.to, data: tx.data, value: tx.value, blockTag: blockNumber })
    .then(
      () => undefined,
      (replayed: unknown) => replayed,
    );
  return new MinedRevertError(label, tx.hash, blockNumber, replay);
}

/** How long `waitMined` waits for a receipt in all. */
const MINED_WITHIN_MS = 10 * 60_000;

/**
 * Waits for `tx`'s receipt. A public mempool sometimes drops a pending transaction (`tx.wait()` then waits forever):
 * one the node no longer knows is broadcast again exactly as signed (the same hash at the same nonce, so it can never
 * be mined twice). Gives up in one line when the nonce was used by another transaction or after ten minutes.
 */
export async function waitMined(
  tx: ContractTransactionResponse,
  pollMs = 1_000,
): Promise<ContractTransactionReceipt | null> {
  const provider = tx.provider;
  const signed = tx.signature ? Transaction.from({ ...tx, signature: tx.signature }).serialized : undefined;
  const deadline = Date.now() + MINED_WITHIN_MS;
  for (;;) {
    // Mined: ethers' own wait answers at once, with the contract's events decoded.
    if (await provider.getTransactionReceipt(tx.hash)) return tx.wait();
    if ((await provider.getTransaction(tx.hash)) === null) {
      if ((await provider.getTransactionCount(tx.from, "latest")) > tx.nonce) {
        throw new UserError(
          `transaction ${tx.hash} was dropped and its nonce ${tx.nonce} used by another: check the account's history`,
        );
      }
      if (signed) await provider.broadcastTransaction(signed).catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `transaction ${tx.hash} was not mined within 10 minutes: look it up, then run the command again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Makes `signer` (a network's configured key) sign each transaction itself and broadcast it signed: Hardhat's signer
 * sends it and then asks the node for it until the node knows it, forever, so a transaction the network dropped
 * before that first look hung the task (found by the rehearsal: lt:mint ran past 5 minutes with nothing printed).
 * The response of a broadcast is built from the signed bytes, which `waitMined` sends again if the network drops it.
 */
export function signLocally(signer: Pick<Signer, "provider" | "sendTransaction"> & { address: string }, key: string) {
  const wallet = new Wallet(key, signer.provider);
  if (wallet.address !== signer.address) return;
  signer.sendTransaction = (tx) => wallet.sendTransaction(tx);
}
