/**
 * A transaction of the deployment that the network dropped, sent again by the deploy command itself before Ignition
 * resumes. Ignition marks it to be sent again at its nonce, but processes a batch's futures that have no nonce yet
 * first (it sorts them under the sender "0xFFFF...", which sorts before a lowercase address), and the first of those
 * asks for the next nonce while the dropped one's is still free: IGN405 "should be 11, but is 10", at every resume
 * (found by the Base Sepolia rehearsal: four resumes, four IGN405, the deployment stopped half-way).
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { Provider, Signer } from "ethers";

interface JournalBigint {
  _kind: "bigint";
  value: string;
}
type JournalLine = {
  type?: string;
  futureId?: string;
  networkInteractionId?: number;
  nonce?: number;
  networkInteraction?: { type?: string; id?: number; to?: string; data?: string; value?: JournalBigint };
  transaction?: { hash?: string; fees?: Record<string, JournalBigint> };
};

/** A dropped transaction to send again: what Ignition asked for, at its nonce, with the fees it last offered. */
export interface DroppedSend {
  futureId: string;
  networkInteractionId: number;
  nonce: number;
  to?: string;
  data: string;
  value: bigint;
  hashes: string[];
  fees: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
}

/** The onchain interactions of a journal that Ignition marked dropped and has not sent again, by nonce. */
export function droppedInJournal(journal: string): DroppedSend[] {
  return sentInJournal(journal).filter((s) => s.marked);
}

/**
 * The onchain interactions of a journal sent and not confirmed, by nonce, each `marked` when Ignition marked it dropped
 * (and has not sent it again). An unmarked one may be dropped too: Ignition had not looked it up before it stopped
 * (IGN405 "should be 23, but is 22" at every resume, found by the Sepolia rehearsal: a dropped transaction of a batch
 * whose other futures asked for nonces first). Whether the node still knows it is for the caller to ask.
 */
export function sentInJournal(journal: string): (DroppedSend & { marked: boolean })[] {
  type State = Partial<DroppedSend> & { dropped: boolean; done: boolean };
  const states = new Map<string, State>();
  const key = (l: JournalLine) => `${l.futureId} ${l.networkInteractionId ?? l.networkInteraction?.id}`;
  for (const text of journal.split("\n")) {
    if (!text.trim()) continue;
    const line = JSON.parse(text) as JournalLine;
    if (line.type === "NETWORK_INTERACTION_REQUEST" && line.networkInteraction?.type === "ONCHAIN_INTERACTION") {
      const i = line.networkInteraction;
      states.set(key(line), {
        futureId: line.futureId,
        networkInteractionId: i.id,
        to: i.to,
        data: i.data ?? "0x",
        value: BigInt(i.value?.value ?? "0"),
        hashes: [],
        dropped: false,
        done: false,
      });
      continue;
    }
    const state = states.get(key(line));
    if (!state) continue;
    switch (line.type) {
      case "TRANSACTION_PREPARE_SEND":
        state.nonce = line.nonce;
        break;
      case "TRANSACTION_SEND":
        state.nonce = line.nonce;
        state.hashes = [...(state.hashes ?? []), line.transaction?.hash ?? ""];
        state.fees = Object.fromEntries(
          Object.entries(line.transaction?.fees ?? {}).map(([name, v]) => [name, BigInt(v.value)]),
        );
        state.dropped = false;
        break;
      case "ONCHAIN_INTERACTION_DROPPED":
        state.dropped = true;
        break;
      case "ONCHAIN_INTERACTION_REPLACED_BY_USER":
        state.nonce = undefined;
        state.dropped = false;
        break;
      case "TRANSACTION_CONFIRM":
      case "ONCHAIN_INTERACTION_TIMEOUT":
        state.done = true;
        break;
    }
  }
  return [...states.values()]
    .filter((s) => !s.done && s.nonce !== undefined && (s.dropped || (s.hashes?.length ?? 0) > 0))
    .map(({ dropped, done: _done, ...s }) => ({ ...(s as DroppedSend), marked: dropped }))
    .sort((a, b) => a.nonce - b.nonce);
}

const bigint = (value: bigint): JournalBigint => ({ _kind: "bigint", value: value.toString() });

/**
 * Sends again, signed by `signer` at their own nonces, the journal's sent and unconfirmed transactions whose hashes the
 * node no longer knows (dropped, whether Ignition marked them or not) from the next nonce the node expects on, and
 * records each in the journal as Ignition records a send, so that the resumed deployment waits for it instead of asking
 * for a new nonce. Returns the futures sent again.
 */
export async function resendDropped(journalFile: string, provider: Provider, signer: Signer): Promise<string[]> {
  if (!existsSync(journalFile)) return [];
  const sent: string[] = [];
  const from = await signer.getAddress();
  for (const dropped of sentInJournal(readFileSync(journalFile, "utf8"))) {
    const next = await provider.getTransactionCount(from, "pending");
    if (dropped.nonce < next) continue; // mined, or still pending: the node has a transaction at this nonce
    if (dropped.nonce > next) break; // a gap: the one before it is not in the journal
    const known = await Promise.all(dropped.hashes.map((h) => provider.getTransaction(h).catch(() => null)));
    if (known.some((tx) => tx !== null)) continue;
    const fees =
      dropped.fees.maxFeePerGas !== undefined
        ? { maxFeePerGas: dropped.fees.maxFeePerGas, maxPriorityFeePerGas: dropped.fees.maxPriorityFeePerGas }
        : { gasPrice: dropped.fees.gasPrice };
    const tx = await signer.sendTransaction({
      to: dropped.to,
      data: dropped.data,
      value: dropped.value,
      nonce: dropped.nonce,
      ...fees,
    });
    const journalFees = Object.fromEntries(
      Object.entries(fees).flatMap(([name, v]) => (v === undefined ? [] : [[name, bigint(v)]])),
    );
    // Ignition writes each line as "\n" + JSON (the file never ends with a newline): a line is added the same way,
    // or it would run on from the last one and the journal would no longer parse.
    const separator = readFileSync(journalFile, "utf8").endsWith("\n") ? "" : "\n";
    appendFileSync(
      journalFile,
      `${separator}${JSON.stringify({
        futureId: dropped.futureId,
        networkInteractionId: dropped.networkInteractionId,
        nonce: dropped.nonce,
        transaction: { fees: journalFees, hash: tx.hash },
        type: "TRANSACTION_SEND",
      })}`,
    );
    sent.push(dropped.futureId);
  }
  return sent;
}
