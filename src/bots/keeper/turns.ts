import { getAddress, solidityPackedKeccak256 } from "ethers";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError } from "../../chain/reverts";
import { retrying } from "../../tx/context";
import { readLogs } from "../../reads/logs";
import {
  EXCHANGE_INTERFACE,
  MARGIN_TRANSFERRED_TOPIC,
  type DueToken,
  type KeeperContext,
  type PassReport,
} from "./types";
import { txContext } from "../kit/context";
import type { PassBlock } from "./profit";

/**
 * Profit keepers take turns by block, so that two of them do not send the same rebalance (the loser's transaction
 * reverts and costs it gas). Each keeper learns its rivals from the chain: whoever the exchange paid a keeper reward
 * to (`MarginTransferred` events) is a keeper. For each due event of a token (the token and its `nextRebalanceTime`,
 * the same for every keeper), the keepers are ordered by `keccak256(token, nextRebalanceTime, keeper)`, and the blocks
 * are dealt out in that order, `KEEPER_TURN_BLOCKS` blocks a slot: block `b` belongs to `order[floor(b / turnBlocks)
 * mod keepers]`. A keeper decides to send a token that pays only from a block in its slot. Two keepers that know each
 * other therefore never decide on the same block: each makes its last look at the pending block (`rebalance.ts`) a
 * slot after the other, and sees the other's transaction there. (They could still both send only if one's pass took
 * a slot longer than the other's, to within the few milliseconds between a look and its send.) A rebalance waits at
 * most a round of slots for a keeper that is running. A rival whose slot passed while the token paid (stopped, busy,
 * or pricing gas higher) is dropped until it is seen earning a reward again. A keeper that knows of no rival decides
 * on any block and looks after a random wait (`KEEPER_SEND_JITTER_MS`).
 */

/** How far back the first scan for rivals looks, and the longest range one `eth_getLogs` asks (public RPCs cap it). */
export const RIVAL_LOOKBACK_BLOCKS = 5_000;

/** The keepers in the order of their turns for one due event of `token`. */
export function turnOrder(token: string, round: bigint, keepers: string[]): string[] {
  const key = (keeper: string) =>
    BigInt(solidityPackedKeccak256(["address", "uint256", "address"], [token, round, keeper]));
  return [...keepers].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * Reads the rewards paid since the last scan (from `RIVAL_LOOKBACK_BLOCKS` back on the first) and remembers who was
 * paid, other than `me`. One `eth_getLogs` (more only if the endpoint refuses it), asked only in passes with a token
 * that pays.
 */
export async function learnRivals(context: KeeperContext, me: string, block: PassBlock): Promise<void> {
  const turns = context.state.turns;
  const retry = retrying(txContext(context));
  turns.exchange ??= await retry("exchange", () => context.factory.exchange());
  const oldest = Math.max(0, block.number - RIVAL_LOOKBACK_BLOCKS + 1);
  const fromBlock = Math.max(oldest, (turns.scannedTo ?? -1) + 1);
  if (fromBlock > block.number) return;
  // Paged as the history reads are (`readLogs`): an endpoint that refuses the range or its results is asked in halves.
  const logs = await retry("getLogs", () =>
    readLogs(
      context.provider,
      { address: turns.exchange, topics: [MARGIN_TRANSFERRED_TOPIC] },
      fromBlock,
      block.number,
    ),
  );
  for (const log of logs) {
    const keeper = getAddress(EXCHANGE_INTERFACE.parseLog(log)?.args.to as string);
    if (keeper !== me) turns.rivals.set(keeper, log.blockNumber);
  }
  turns.scannedTo = block.number;
}

/** The keeper whose slot block `block` is in, for a due event whose keepers are in `order` (see `turnOrder`). */
export function slotOwner(order: string[], block: number, turnBlocks: number): string {
  return order[Math.floor(block / turnBlocks) % order.length];
}

/**
 * The keepers of `order` (other than `me`) whose slot came in the blocks `from` to `to - 1`: those that let a token
 * that paid go by. A full round of slots back at most.
 */
export function missedSlots(order: string[], me: string, from: number, to: number, turnBlocks: number): string[] {
  const missed = new Set<string>();
  for (let block = Math.max(from, to - order.length * turnBlocks); block < to; block++) {
    const owner = slotOwner(order, block, turnBlocks);
    if (owner !== me) missed.add(owner);
  }
  return order.filter((keeper) => missed.has(keeper));
}

/**
 * Starts reading the rewards paid to others (`learnRivals`), so that it goes out with the pass's other reads;
 * resolves to the error, if any. Nothing to learn without a signer.
 */
export function startLearning(context: KeeperContext, block: PassBlock): Promise<unknown> {
  const { signer } = context;
  if (!signer) return Promise.resolve(undefined);
  return signer
    .getAddress()
    .then((me) => learnRivals(context, getAddress(me), block))
    .then(
      () => undefined,
      (error: unknown) => error ?? new Error("could not read the rewards"),
    );
}

/**
 * Of the tokens whose reward pays, those in this keeper's slot at `block`; the others are `waiting` in the report
 * (a later pass asks again). Without a signer (dry run) or a known rival, every token. `learning`: the pass's
 * `startLearning`.
 */
export async function takeTurns(
  context: KeeperContext,
  paying: DueToken[],
  block: PassBlock,
  report: PassReport,
  learning: Promise<unknown> = startLearning(context, block),
): Promise<DueToken[]> {
  const { logger, signer, config, state } = context;
  const turns = state.turns;
  for (const token of paying) {
    const round = token.round ?? 0n;
    // A token seen paying in an earlier due event (rebalanced by another keeper since) starts again.
    if (turns.payingSince.get(token.address)?.round !== round) {
      turns.payingSince.set(token.address, { round, block: block.number });
    }
  }
  if (paying.length === 0 || !signer) return paying;
  const me = getAddress(await signer.getAddress());
  const error = await learning;
  if (error) {
    logger.warn(
      { error: describeError(error, CONTRACT_INTERFACES) },
      "could not read the keeper rewards paid to others; sending as if alone",
    );
    return paying;
  }
  if (turns.rivals.size === 0) return paying;
  const mine: DueToken[] = [];
  for (const token of paying) {
    const order = turnOrder(token.address, token.round ?? 0n, [me, ...turns.rivals.keys()]);
    const owner = slotOwner(order, block.number, config.turnBlocks);
    if (owner !== me) {
      logger.debug({ token: token.symbol, slot: owner, block: block.number }, "waiting: another keeper's slot");
      report.waiting.push(token.symbol);
      continue;
    }
    const since = turns.payingSince.get(token.address)?.block ?? block.number;
    const missed = missedSlots(order, me, since, block.number, config.turnBlocks);
    if (missed.length > 0) {
      // Their slots passed and the token still pays: they are not keeping it (stopped, busy, or priced gas higher).
      for (const rival of missed) turns.rivals.delete(rival);
      logger.info(
        { token: token.symbol, missed, waited: block.number - since },
        "taking the turn of keepers that let it pass",
      );
    }
    mine.push(token);
  }
  return mine;
}
