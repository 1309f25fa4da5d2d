import type { BlockTag } from "ethers";
import type { BatchRebalancer } from "../../../typechain-types";
import { CONTRACT_INTERFACES } from "../../chain/contracts";
import { describeError, isRevert } from "../../chain/reverts";
import { isRpcFault } from "../../rpc/faults";
import { isSuperseded, submit } from "../../tx/submit";
import { retrying, type SentTx } from "../../tx/context";
import { usd } from "./earnings";
import { isSet, logBatchReceipt, logFailure, logReceipt, lostRace } from "./outcomes";
import {
  NOT_DUE,
  pendingTransactions,
  type DueToken,
  type KeeperContext,
  type Outcome,
  type PendingRebalance,
} from "./types";
import { txContext } from "../kit/context";

/** `rebalanceToken`, with an unexpected failure logged as the token's outcome. */
export async function rebalanceAlone(context: KeeperContext, token: DueToken): Promise<Outcome> {
  try {
    return await rebalanceToken(context, token);
  } catch (error) {
    return logFailure(context, [token.symbol], error);
  }
}

/**
 * The overrides of a simulation: the sender, and the block to run it on. Ethers honours `blockTag` in a staticCall's
 * overrides; TypeChain's type for a state-changing function leaves it out.
 */
const simulationOverrides = (from: string | undefined, blockTag: BlockTag | undefined) =>
  ({ from, ...(blockTag === undefined ? {} : { blockTag }) }) as { from?: string };

/** Profit mode, where simulations run on the pending block (a rival's rebalance sent and not mined counts). */
const profitMode = (context: KeeperContext) => context.config.mode === "profit";

/**
 * Runs a simulation (retrying RPC faults). In profit mode it runs on the pending block, so that a rebalance another
 * keeper has sent and that is not mined yet makes it revert (not due): the keeper that lost the race sends nothing.
 * A node that refuses the pending block (an error that is no revert, where the latest block answers) is remembered
 * and logged once; simulations then use the latest block.
 */
export async function simulate<T>(
  context: KeeperContext,
  label: string,
  call: (blockTag: BlockTag | undefined) => Promise<T>,
): Promise<T> {
  const retry = retrying(txContext(context));
  if (!profitMode(context) || context.state.noPendingTag) return retry(label, () => call(undefined));
  try {
    return await retry(label, () => call("pending"));
  } catch (error) {
    if (isRevert(error) || isRpcFault(error)) throw error;
    const result = await retry(label, () => call(undefined));
    context.state.noPendingTag = true;
    context.logger.warn(
      { error: describeError(error, CONTRACT_INTERFACES) },
      "the RPC does not simulate on the pending block; simulating on the latest",
    );
    return result;
  }
}

/**
 * Simulates a due token's `rebalance()` from the signer: undefined when it would rebalance, else its outcome,
 * logged: another keeper was first (not due), or skipped (it reverts for another reason).
 */
export async function simulateRebalance(
  context: KeeperContext,
  { address, symbol, trigger }: DueToken,
): Promise<Outcome | undefined> {
  const { logger, metrics, signer } = context;
  const token = context.connectToken(address);
  const from = signer ? await signer.getAddress() : undefined;
  try {
    await simulate(context, "simulate", (blockTag) => token.rebalance.staticCall(simulationOverrides(from, blockTag)));
    return undefined;
  } catch (error) {
    if (isSuperseded(error, [NOT_DUE])) return lostRace(context, { token: symbol, trigger });
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn(
      { token: symbol, trigger, error: describeError(error, CONTRACT_INTERFACES) },
      "simulation reverted, skipping",
    );
    return "skipped";
  }
}

/**
 * Profit mode's last look before a transaction goes out: `check` on the pending block (a rival's rebalance sent
 * meanwhile makes it revert, or the batch do nothing: nothing is sent), after a random wait of up to `sendJitterMs`
 * when no rival is known (two keepers that do not know each other yet and saw the same block would otherwise look in
 * the same instant; keepers that know each other look a block apart, see `turns.ts`). Undefined (no last look) in
 * operator mode.
 */
function lastLook(context: KeeperContext, check: () => Promise<boolean>): (() => Promise<boolean>) | undefined {
  if (!profitMode(context)) return undefined;
  const alone = context.state.turns.rivals.size === 0;
  const wait = alone ? Math.floor(Math.random() * context.config.sendJitterMs) : 0;
  return async () => {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return check();
  };
}

/** Profit mode's figures of a token it sends, for the logs. */
const quoteFields = (token: DueToken) =>
  token.quote ? { reward: usd(token.quote.reward), gasCost: usd(token.quote.gasCost) } : {};

/**
 * One due token on its own: simulates `rebalance()`, then (unless dry run) sends it through the transaction layer
 * and logs the mined outcome. A simulation, an estimate or a send that finds it no longer due is a lost race.
 */
async function rebalanceToken(context: KeeperContext, due: DueToken): Promise<Outcome> {
  const { logger, config, signer } = context;
  const { address, symbol, trigger } = due;
  const token = context.connectToken(address);
  const from = signer ? await signer.getAddress() : undefined;

  const simulated = await simulateRebalance(context, due);
  if (simulated) return simulated;
  if (config.dryRun || !signer) {
    logger.info({ token: symbol, trigger, ...quoteFields(due) }, "dry run: would rebalance");
    return "simulated";
  }

  const result = await submit(txContext(context), {
    to: address,
    data: token.interface.encodeFunctionData("rebalance"),
    estimateGas: () => token.rebalance.estimateGas({ from }),
    supersededBy: [NOT_DUE],
    label: "rebalance",
    what: { token: symbol, trigger, ...quoteFields(due) },
    // Profit mode asks the pending block once more right before sending: a rival's rebalance sent meanwhile.
    stillWanted: lastLook(context, () =>
      simulate(context, "simulate", (blockTag) => token.rebalance.staticCall(simulationOverrides(from, blockTag))).then(
        () => true,
      ),
    ),
    onSent: (sent) => remember(context, sent, [address]),
  });
  if (result.kind === "superseded") return lostRace(context, { token: symbol, trigger });
  if (result.kind !== "mined") return result.kind;
  forget(context, [address]);
  return logReceipt(context, address, symbol, result.receipt);
}

/**
 * Rebalances `tokens` (two or more) in one BatchRebalancer transaction. The batch is simulated first: it says which
 * tokens it would rebalance. Any other goes through `rebalanceToken` on its own, which logs why (another keeper was
 * first, its rebalance reverts) or, should it be due after all, sends it alone; so does a lone remaining token. The
 * rest are sent by `sendBatch`. Returns each token's outcome, in the order of `tokens`.
 */
export async function rebalanceBatch(context: KeeperContext, tokens: DueToken[]): Promise<Outcome[]> {
  const { logger, signer } = context;
  const batcher = context.batcher as BatchRebalancer;
  const from = signer ? await signer.getAddress() : undefined;
  const addresses = tokens.map((t) => t.address);
  let done: bigint;
  try {
    // Profit mode (sending) sends every token that pays: its last look runs the batch on the pending block right
    // before the send (a token another keeper rebalanced meanwhile is skipped by the batcher, and told by the receipt).
    [done] =
      profitMode(context) && signer && !context.config.dryRun
        ? [(1n << BigInt(tokens.length)) - 1n]
        : await simulate(context, "simulate batch", (blockTag) =>
            batcher.rebalance.staticCall(addresses, simulationOverrides(from, blockTag)),
          );
  } catch (error) {
    const symbols = tokens.map((t) => t.symbol);
    if (isRpcFault(error)) {
      const outcome = logFailure(context, symbols, error);
      return tokens.map(() => outcome);
    }
    logger.warn(
      { tokens: symbols, error: describeError(error, CONTRACT_INTERFACES) },
      "batch simulation reverted; one transaction per token",
    );
    done = 0n;
  }
  const batch = tokens.filter((_, i) => isSet(done, i));
  const outcomes = new Map<DueToken, Outcome>();
  for (const token of tokens) {
    if (batch.length < 2 || !batch.includes(token)) outcomes.set(token, await rebalanceAlone(context, token));
  }
  if (batch.length >= 2) {
    let sent: Outcome[];
    try {
      sent = await sendBatch(context, batch);
    } catch (error) {
      const outcome = logFailure(
        context,
        batch.map((t) => t.symbol),
        error,
      );
      sent = batch.map(() => outcome);
    }
    batch.forEach((token, i) => outcomes.set(token, sent[i]));
  }
  return tokens.map((token) => outcomes.get(token) as Outcome);
}

/**
 * Sends one BatchRebalancer transaction for `batch` (whose simulation rebalanced every one) through the transaction
 * layer; the mined `BatchRebalanced` event's `done` bitmap says which were rebalanced. Returns each token's outcome,
 * in the order of `batch`.
 */
async function sendBatch(context: KeeperContext, batch: DueToken[]): Promise<Outcome[]> {
  const { logger, config, signer } = context;
  const batcher = context.batcher as BatchRebalancer;
  if (config.dryRun || !signer) {
    for (const token of batch) {
      logger.info(
        { token: token.symbol, trigger: token.trigger, batch: true, ...quoteFields(token) },
        "dry run: would rebalance",
      );
    }
    return batch.map(() => "simulated");
  }
  const addresses = batch.map((t) => t.address);
  const from = await signer.getAddress();
  const result = await submit(txContext(context), {
    to: await batcher.getAddress(),
    data: batcher.interface.encodeFunctionData("rebalance", [addresses]),
    estimateGas: () => batcher.rebalance.estimateGas(addresses, { from }),
    // The batcher skips a token that is not due instead of reverting: the receipt tells.
    supersededBy: [],
    // Profit mode asks the pending block once more right before sending: nothing left to do, nothing is sent.
    stillWanted: lastLook(context, async () => {
      const [done] = await simulate(context, "simulate batch", (blockTag) =>
        batcher.rebalance.staticCall(addresses, simulationOverrides(from, blockTag)),
      );
      return done !== 0n;
    }),
    label: "batch rebalance",
    what: {
      tokens: batch.map((t) => t.symbol),
      triggers: batch.map((t) => t.trigger),
      ...(batch.every((t) => t.quote)
        ? { reward: usd(batch.reduce((sum, t) => sum + (t.quote?.reward ?? 0n), 0n)) }
        : {}),
    },
    onSent: (sent) => remember(context, sent, addresses, addresses),
  });
  if (result.kind === "superseded") {
    return batch.map((t) => lostRace(context, { token: t.symbol, trigger: t.trigger, batch: true }));
  }
  if (result.kind !== "mined") return batch.map(() => (result.kind === "pending" ? "pending" : "failed"));
  forget(context, addresses);
  return logBatchReceipt(context, result.receipt, addresses);
}

/** Marks `addresses` as having a rebalance in flight (a batch's tokens share one entry). */
function remember(context: KeeperContext, sent: SentTx, addresses: string[], batch?: string[]): void {
  const pending: PendingRebalance = { sent, batch };
  for (const address of addresses) context.state.pending.set(address, pending);
  context.metrics?.pendingTransactions.set(pendingTransactions(context.state));
}

/** Once mined, the tokens of a submission are no longer in flight (one still pending stays remembered). */
function forget(context: KeeperContext, addresses: string[]): void {
  for (const address of addresses) context.state.pending.delete(address);
  context.metrics?.pendingTransactions.set(pendingTransactions(context.state));
}
