import { getAddress, solidityPackedKeccak256 } from "ethers";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError } from "../../chain/reverts";
import { retrying } from "../../tx/context";
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
 * Profit keepers take turns, so that two of them do not send the same rebalance (the loser's transaction reverts and
 * costs it gas). Each keeper learns its rivals from the chain: whoever the exchange paid a keeper reward to
 * (`MarginTransferred` events) is a keeper. For each due event of a token (the token and its `nextRebalanceTime`, the
 * same for every keeper), the keepers are ordered by `keccak256(token, nextRebalanceTime, keeper)`: the first sends
 * as soon as the reward pays, the second only when the token still pays `KEEPER_TURN_BLOCKS` blocks later, and so
 * on. Keepers that know each other never send the same rebalance, and the turns spread the tokens over them. A rival
 * that let its turn pass is dropped from the order until it is seen earning a reward again, so a keeper that stopped
 * delays each of its tokens once. A keeper that knows of no rival sends at once, after its random wait
 * (`KEEPER_SEND_JITTER_MS`).
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
 * paid, other than `me`. One `eth_getLogs`, asked only in passes with a token that pays.
 */
export async function learnRivals(context: KeeperContext, me: string, block: PassBlock): Promise<void> {
  const turns = context.state.turns;
  const retry = retrying(txContext(context));
  turns.exchange ??= await retry("exchange", () => context.factory.exchange());
  const oldest = Math.max(0, block.number - RIVAL_LOOKBACK_BLOCKS + 1);
  const fromBlock = Math.max(oldest, (turns.scannedTo ?? -1) + 1);
  if (fromBlock > block.number) return;
  const logs = await retry("getLogs", () =>
    context.provider.getLogs({
      address: turns.exchange,
      topics: [MARGIN_TRANSFERRED_TOPIC],
      fromBlock,
      toBlock: block.number,
    }),
  );
  for (const log of logs) {
    const keeper = getAddress(EXCHANGE_INTERFACE.parseLog(log)?.args.to as string);
    if (keeper !== me) turns.rivals.set(keeper, log.blockNumber);
  }
  turns.scannedTo = block.number;
}

/**
 * Of the tokens whose reward pays, those whose turn has come for this keeper; the others are `waiting` in the report
 * (a later pass asks again). Without a signer (dry run) or a known rival, every token.
 */
export async function takeTurns(
  context: KeeperContext,
  paying: DueToken[],
  block: PassBlock,
  report: PassReport,
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
  try {
    await learnRivals(context, me, block);
  } catch (error) {
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
    const rank = order.indexOf(me);
    const waited = block.number - (turns.payingSince.get(token.address)?.block ?? block.number);
    if (waited < rank * config.turnBlocks) {
      logger.debug({ token: token.symbol, turn: rank, first: order[0], waited }, "waiting: another keeper's turn");
      report.waiting.push(token.symbol);
      continue;
    }
    const missed = order.slice(0, rank);
    if (missed.length > 0) {
      // Their turns passed and the token still pays: they are not keeping it (stopped, or priced gas higher).
      for (const rival of missed) turns.rivals.delete(rival);
      logger.info({ token: token.symbol, missed, waited }, "taking the turn of keepers that let it pass");
    }
    mine.push(token);
  }
  return mine;
}
