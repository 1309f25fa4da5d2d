import { formatUnits, NonceManager, type Provider, type TransactionReceipt, type TransactionRequest } from "ethers";
import {
  BatchRebalancer__factory,
  type BatchRebalancer,
  type LeveragedToken,
  type LeveragedTokenFactory,
} from "../../typechain-types";
import { CONTRACT_INTERFACES } from "../contracts";
import { decodeRevert, describeError } from "../errors";
import type { KeeperConfig } from "./config";
import type { Logger } from "./logger";
import type { KeeperMetrics } from "./metrics";
import { isNonceError, isRpcFault, sleep, withRetry } from "./rpc";

/** What runOnce needs from the configuration. */
export type PassConfig = Pick<
  KeeperConfig,
  | "dryRun"
  | "gasLimitMargin"
  | "maxFeePerGas"
  | "confirmations"
  | "txTimeoutMs"
  | "maxReplacements"
  | "rpcRetries"
  | "rpcBackoffMs"
  | "minBalance"
  | "maxBatch"
>;

/** A rebalance sent and not known to be mined: no other rebalance of its tokens is sent until it is resolved. */
export interface PendingRebalance {
  nonce: number;
  hashes: string[];
  /** A batch transaction's tokens, in the order of the call (bit i of `done` is `batch[i]`); one entry each. */
  batch?: string[];
}

/** What the keeper remembers between passes. */
export interface KeeperState {
  symbols: Map<string, string>;
  pending: Map<string, PendingRebalance>;
}

export function newKeeperState(): KeeperState {
  return { symbols: new Map(), pending: new Map() };
}

/** Transactions sent and not yet mined (the tokens of a batch share one). */
export function pendingTransactions(state: KeeperState): number {
  return new Set(state.pending.values()).size;
}

export interface KeeperContext {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined in dry run. */
  signer?: NonceManager;
  factory: LeveragedTokenFactory;
  /** The BatchRebalancer; undefined: one transaction per due token. */
  batcher?: BatchRebalancer;
  connectToken: (address: string) => LeveragedToken;
  config: PassConfig;
  logger: Logger;
  metrics?: KeeperMetrics;
  state: KeeperState;
  /** True once SIGINT/SIGTERM arrived: the transaction in flight finishes, no new one starts. */
  stopping?: () => boolean;
}

/** What one pass did, by token symbol. */
export interface PassReport {
  tokens: number;
  due: string[];
  rebalanced: string[];
  /** Another keeper rebalanced first (the simulation or our transaction found nothing due). */
  lostRace: string[];
  /** Dry run: would have sent. */
  simulated: string[];
  /** The simulation reverted with another error; nothing was sent. */
  skipped: string[];
  failed: string[];
  /** Sent and still not mined after every replacement; no other rebalance of the token until it resolves. */
  pending: string[];
}

const ACTIONS = ["NONE", "TIME", "DRIFT"] as const;
const STATUS_PAGE = 100n;
const NOT_DUE = "LeveragedTokenRebalanceNotDue";

const BATCH_INTERFACE = BatchRebalancer__factory.createInterface();

type Outcome = "rebalanced" | "lostRace" | "simulated" | "skipped" | "failed" | "pending";

/** A token found due in this pass. */
interface DueToken {
  address: string;
  symbol: string;
  trigger: string;
}

/**
 * One pass of the keeper: reads every token's status in a few calls (the factory's `keeperStatuses`, by pages),
 * then rebalances the tokens that are due. One due token (or no batcher): one transaction per token, one at a
 * time: simulate, estimate, send with a capped fee, wait for the receipt (replacing a stuck transaction at the same
 * nonce), and log the decoded `Rebalanced` event. Several due tokens and a batcher: the same for one BatchRebalancer
 * transaction per `maxBatch` tokens, whose `BatchRebalanced` event says which tokens it rebalanced. A token's (or a
 * batch's) failure is logged and the pass goes on with the next. RPC faults are retried with bounded backoff; if
 * the statuses cannot be read at all, the pass throws.
 */
export async function runOnce(context: KeeperContext): Promise<PassReport> {
  const { factory, logger, metrics, config, state } = context;
  const retry = <T>(label: string, call: () => Promise<T>) =>
    withRetry(call, {
      retries: config.rpcRetries,
      baseMs: config.rpcBackoffMs,
      onRetry: (error, attempt) => {
        metrics?.errors.inc({ kind: "rpc" });
        logger.warn({ call: label, attempt, error: describeError(error, CONTRACT_INTERFACES) }, "rpc error, retrying");
      },
    });

  // Nonces are re-read from the node each pass (sends are sequential and awaited), so a chain that was reset or
  // a transaction sent by someone else with this key cannot leave the nonce manager behind.
  if (state.pending.size === 0) context.signer?.reset();
  await checkBalance(context, retry);

  const statuses: Awaited<ReturnType<LeveragedTokenFactory["keeperStatuses"]>> = [];
  for (let offset = 0n; ; offset += STATUS_PAGE) {
    const page = await retry("keeperStatuses", () => factory.keeperStatuses(offset, STATUS_PAGE));
    statuses.push(...page);
    if (BigInt(page.length) < STATUS_PAGE) break;
  }

  const unknown = statuses.map((s) => s.token).filter((a) => !state.symbols.has(a));
  if (unknown.length > 0) {
    // Concurrent calls go out as one JSON-RPC batch.
    const symbols = await retry("symbol", () => Promise.all(unknown.map((a) => context.connectToken(a).symbol())));
    unknown.forEach((address, i) => {
      state.symbols.set(address, symbols[i]);
      const retired = statuses.find((s) => s.token === address)?.retired === true;
      logger.info({ token: symbols[i], address, ...(retired ? { retired } : {}) }, "watching token");
    });
  }
  if (metrics) await recordTokenMetrics(context, statuses, retry);

  const report: PassReport = {
    tokens: statuses.length,
    due: [],
    rebalanced: [],
    lostRace: [],
    simulated: [],
    skipped: [],
    failed: [],
    pending: [],
  };
  const due: DueToken[] = [];
  for (const status of statuses) {
    // A retired token (wiped out, a successor listed) never has anything due again.
    if (status.retired) continue;
    const symbol = state.symbols.get(status.token) ?? status.token;
    try {
      if (state.pending.has(status.token)) {
        const resolved = await resolvePending(context, status.token, symbol);
        // Resolved: its outcome is logged; the status read before it was mined is stale.
        if (!resolved) report.pending.push(symbol);
        continue;
      }
      if (Number(status.action) === 0) continue;
      report.due.push(symbol);
      due.push({ address: status.token, symbol, trigger: ACTIONS[Number(status.action)] ?? "?" });
    } catch (error) {
      report.failed.push(symbol);
      logFailure(context, [symbol], error);
    }
  }

  const groups = context.batcher && due.length > 1 ? chunks(due, config.maxBatch) : due.map((token) => [token]);
  for (const group of groups) {
    if (context.stopping?.()) break;
    const outcomes =
      group.length === 1
        ? [await rebalanceAlone(context, group[0], retry)]
        : await rebalanceBatch(context, group, retry);
    group.forEach((token, i) => report[outcomes[i]].push(token.symbol));
  }
  metrics?.pendingTransactions.set(pendingTransactions(state));
  metrics?.lastTick.set(Date.now() / 1000);
  logger.debug({ ...report }, "pass done");
  return report;
}

/** `items` in consecutive groups of at most `size`. */
function chunks<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

type Retry = <T>(label: string, call: () => Promise<T>) => Promise<T>;

/** Logs a token's (or a batch's) unexpected failure, after which the pass goes on. */
function logFailure({ metrics, logger }: KeeperContext, symbols: string[], error: unknown): Outcome {
  const kind = isRpcFault(error) ? "rpc" : "token";
  metrics?.errors.inc({ kind });
  logger.error(
    {
      ...(symbols.length === 1 ? { token: symbols[0] } : { tokens: symbols }),
      kind,
      error: describeError(error, CONTRACT_INTERFACES),
    },
    symbols.length === 1 ? "token failed" : "batch failed",
  );
  return "failed";
}

async function checkBalance({ signer, provider, metrics, logger, config }: KeeperContext, retry: Retry) {
  if (!signer) return;
  const address = await signer.getAddress();
  const balance = await retry("getBalance", () => provider.getBalance(address));
  metrics?.signerBalance.set(Number(formatUnits(balance, 18)));
  const low = balance < config.minBalance;
  metrics?.signerBalanceLow.set(low ? 1 : 0);
  if (low) {
    logger.warn(
      { signer: address, balance: formatUnits(balance, 18), minimum: formatUnits(config.minBalance, 18) },
      "signer balance is low",
    );
  }
}

async function recordTokenMetrics(
  context: KeeperContext,
  statuses: Awaited<ReturnType<LeveragedTokenFactory["keeperStatuses"]>>,
  retry: Retry,
) {
  const { metrics, state } = context;
  if (!metrics) return;
  for (const s of statuses) {
    const token = state.symbols.get(s.token) ?? s.token;
    metrics.leverage.set({ token }, Number(formatUnits(s.leverage, 18)));
    metrics.equity.set({ token }, Number(formatUnits(s.equity, 6)));
    metrics.rebalanceDue.set({ token }, Number(s.action));
  }
  try {
    const navs = await retry("navPerShare", () =>
      Promise.all(statuses.map((s) => context.connectToken(s.token).navPerShare())),
    );
    statuses.forEach((s, i) =>
      metrics.nav.set({ token: state.symbols.get(s.token) ?? s.token }, Number(formatUnits(navs[i], 6))),
    );
  } catch (error) {
    context.logger.warn({ error: describeError(error, CONTRACT_INTERFACES) }, "could not read NAVs for metrics");
  }
}

/** `rebalanceToken`, with an unexpected failure logged as the token's outcome. */
async function rebalanceAlone(context: KeeperContext, token: DueToken, retry: Retry): Promise<Outcome> {
  try {
    return await rebalanceToken(context, token, retry);
  } catch (error) {
    return logFailure(context, [token.symbol], error);
  }
}

async function rebalanceToken(
  context: KeeperContext,
  { address, symbol, trigger }: DueToken,
  retry: Retry,
): Promise<Outcome> {
  const { logger, metrics, config, signer } = context;
  const token = context.connectToken(address);
  const from = signer ? await signer.getAddress() : undefined;
  const lostRace = (): Outcome => {
    metrics?.rebalances.inc({ outcome: "lost_race" });
    logger.info({ token: symbol, trigger }, "already rebalanced by another keeper");
    return "lostRace";
  };

  try {
    await retry("simulate", () => token.rebalance.staticCall({ from }));
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) return lostRace();
    metrics?.errors.inc({ kind: "simulation" });
    logger.warn(
      { token: symbol, trigger, error: describeError(error, CONTRACT_INTERFACES) },
      "simulation reverted, skipping",
    );
    return "skipped";
  }
  if (config.dryRun || !signer) {
    logger.info({ token: symbol, trigger }, "dry run: would rebalance");
    return "simulated";
  }

  let request: TransactionRequest;
  try {
    request = await transactionRequest(
      context,
      address,
      token.interface.encodeFunctionData("rebalance"),
      () => token.rebalance.estimateGas({ from }),
      retry,
    );
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) return lostRace();
    throw error;
  }

  let sent: { nonce: number; hash: string };
  try {
    sent = await send(signer, request, retry);
  } catch (error) {
    // A node that executes on submission (automine) refused it: another keeper was first.
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) return lostRace();
    return sendFailed(context, { token: symbol }, error);
  }
  logger.info({ token: symbol, trigger, ...sentFields(sent, request) }, "rebalance sent");

  const receipt = await track(context, request, { ...sent, hashes: [sent.hash] }, [address], { token: symbol });
  if (!receipt) return "pending";
  return logReceipt(context, address, symbol, receipt);
}

/**
 * Rebalances `tokens` (two or more) in one BatchRebalancer transaction. The batch is simulated first: it says which
 * tokens it would rebalance. Any other goes through `rebalanceToken` on its own, which logs why (another keeper was
 * first, its rebalance reverts) or, should it be due after all, sends it alone; so does a lone remaining token. The
 * rest are sent by `sendBatch`. Returns each token's outcome, in the order of `tokens`.
 */
async function rebalanceBatch(context: KeeperContext, tokens: DueToken[], retry: Retry): Promise<Outcome[]> {
  const { logger, signer } = context;
  const batcher = context.batcher as BatchRebalancer;
  const from = signer ? await signer.getAddress() : undefined;
  const symbols = tokens.map((t) => t.symbol);
  let done: bigint;
  try {
    [done] = await retry("simulate batch", () =>
      batcher.rebalance.staticCall(
        tokens.map((t) => t.address),
        { from },
      ),
    );
  } catch (error) {
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
    if (batch.length < 2 || !batch.includes(token)) outcomes.set(token, await rebalanceAlone(context, token, retry));
  }
  if (batch.length >= 2) {
    let sent: Outcome[];
    try {
      sent = await sendBatch(context, batch, retry);
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
 * Sends one BatchRebalancer transaction for `batch` (whose simulation rebalanced every one), waits for it and
 * replaces it like a single rebalance; the mined `BatchRebalanced` event's `done` bitmap says which were
 * rebalanced. Returns each token's outcome, in the order of `batch`.
 */
async function sendBatch(context: KeeperContext, batch: DueToken[], retry: Retry): Promise<Outcome[]> {
  const { logger, config, signer } = context;
  const batcher = context.batcher as BatchRebalancer;
  const symbols = batch.map((t) => t.symbol);
  if (config.dryRun || !signer) {
    for (const token of batch) {
      logger.info({ token: token.symbol, trigger: token.trigger, batch: true }, "dry run: would rebalance");
    }
    return batch.map(() => "simulated");
  }
  const addresses = batch.map((t) => t.address);
  const from = await signer.getAddress();
  const request = await transactionRequest(
    context,
    await batcher.getAddress(),
    batcher.interface.encodeFunctionData("rebalance", [addresses]),
    () => batcher.rebalance.estimateGas(addresses, { from }),
    retry,
  );
  let sent: { nonce: number; hash: string };
  try {
    sent = await send(signer, request, retry);
  } catch (error) {
    const outcome = sendFailed(context, { tokens: symbols }, error);
    return batch.map(() => outcome);
  }
  logger.info(
    { tokens: symbols, triggers: batch.map((t) => t.trigger), ...sentFields(sent, request) },
    "batch rebalance sent",
  );
  const pending: PendingRebalance = { ...sent, hashes: [sent.hash], batch: addresses };
  const receipt = await track(context, request, pending, addresses, { tokens: symbols });
  if (!receipt) return batch.map(() => "pending");
  return logBatchReceipt(context, receipt, addresses);
}

const isSet = (bitmap: bigint, i: number) => ((bitmap >> BigInt(i)) & 1n) === 1n;

/** The transaction of a rebalance: gas limit = estimate x margin, fees capped. */
async function transactionRequest(
  { config, provider }: KeeperContext,
  to: string,
  data: string,
  estimateGas: () => Promise<bigint>,
  retry: Retry,
): Promise<TransactionRequest> {
  const estimate = await retry("estimateGas", estimateGas);
  const fees = await retry("getFeeData", () => provider.getFeeData());
  const marginPermille = BigInt(Math.round(config.gasLimitMargin * 1000));
  const maxFeePerGas = min(fees.maxFeePerGas ?? fees.gasPrice ?? config.maxFeePerGas, config.maxFeePerGas);
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

/** Sends at the next nonce; after any error, the next transaction reads its nonce from the node again. */
async function send(signer: NonceManager, request: TransactionRequest, retry: Retry) {
  try {
    const nonce = await retry("getNonce", () => signer.getNonce("pending"));
    const sent = await signer.signer.sendTransaction({ ...request, nonce });
    signer.increment();
    return { nonce, hash: sent.hash };
  } catch (error) {
    signer.reset();
    throw error;
  }
}

function sendFailed({ metrics, logger }: KeeperContext, what: Record<string, unknown>, error: unknown): Outcome {
  const kind = isNonceError(error) ? "nonce" : isRpcFault(error) ? "rpc" : "send";
  metrics?.errors.inc({ kind });
  logger.error(
    { ...what, kind, error: describeError(error, CONTRACT_INTERFACES) },
    kind === "nonce" ? "nonce error, nonce manager reset" : "send failed",
  );
  return "failed";
}

const sentFields = (sent: { nonce: number; hash: string }, request: TransactionRequest) => ({
  hash: sent.hash,
  nonce: sent.nonce,
  gasLimit: request.gasLimit?.toString(),
  maxFeeGwei: formatUnits(request.maxFeePerGas as bigint, 9),
});

/**
 * Remembers a sent transaction as pending for each of `addresses` (so that none of them is sent again), waits for
 * it (see `waitOrReplace`), and forgets it once mined. Undefined: still pending after every replacement; the next
 * passes resolve it.
 */
async function track(
  context: KeeperContext,
  request: TransactionRequest,
  pending: PendingRebalance,
  addresses: string[],
  what: Record<string, unknown>,
): Promise<TransactionReceipt | undefined> {
  const { state, metrics, logger } = context;
  for (const address of addresses) state.pending.set(address, pending);
  metrics?.pendingTransactions.set(pendingTransactions(state));
  const receipt = await waitOrReplace(context, what, request, pending);
  if (!receipt) {
    logger.warn(
      { ...what, nonce: pending.nonce, hashes: pending.hashes },
      "rebalance still pending, will check next pass",
    );
    return undefined;
  }
  for (const address of addresses) state.pending.delete(address);
  metrics?.pendingTransactions.set(pendingTransactions(state));
  return receipt;
}

/**
 * Waits for any of the transactions sent at `pending.nonce`; past `txTimeoutMs` without a receipt, sends a
 * replacement at the same nonce with fees raised by at least 12.5% (what nodes require), never above the cap.
 * Returns undefined when the last wait times out too. `what` names the token(s) in the logs.
 */
async function waitOrReplace(
  context: KeeperContext,
  what: Record<string, unknown>,
  request: TransactionRequest,
  pending: PendingRebalance,
): Promise<TransactionReceipt | undefined> {
  const { config, logger, metrics, signer } = context;
  let maxFee = request.maxFeePerGas as bigint;
  let priorityFee = request.maxPriorityFeePerGas as bigint;
  for (let round = 0; round <= config.maxReplacements; round++) {
    const receipt = await waitForAny(context, pending.hashes, config.txTimeoutMs);
    if (receipt) return receipt;
    metrics?.errors.inc({ kind: "timeout" });
    if (round === config.maxReplacements || !signer) break;
    const bumpedFee = min(bump(maxFee), config.maxFeePerGas);
    const bumpedPriority = min(bump(priorityFee), bumpedFee);
    if (bumpedFee < bump(maxFee)) {
      logger.warn(
        { ...what, nonce: pending.nonce, maxFeeGwei: formatUnits(maxFee, 9) },
        "stuck transaction cannot be replaced: fee is at the cap",
      );
      continue;
    }
    try {
      const replacement = await signer.signer.sendTransaction({
        ...request,
        nonce: pending.nonce,
        maxFeePerGas: bumpedFee,
        maxPriorityFeePerGas: bumpedPriority,
      });
      pending.hashes.push(replacement.hash);
      maxFee = bumpedFee;
      priorityFee = bumpedPriority;
      logger.warn(
        {
          ...what,
          nonce: pending.nonce,
          replaced: pending.hashes[pending.hashes.length - 2],
          hash: replacement.hash,
          maxFeeGwei: formatUnits(bumpedFee, 9),
        },
        "stuck transaction replaced with a higher fee",
      );
    } catch (error) {
      // Usually: one of ours was mined meanwhile (nonce too low); the next wait finds its receipt.
      logger.warn(
        { ...what, nonce: pending.nonce, error: describeError(error, CONTRACT_INTERFACES) },
        "replacement not accepted",
      );
    }
  }
  return undefined;
}

/** +12.5%, rounded up, and at least 1 wei more. */
const bump = (fee: bigint) => fee + (fee * 125n + 999n) / 1000n + 1n;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

async function waitForAny(
  { provider, config }: KeeperContext,
  hashes: string[],
  timeoutMs: number,
): Promise<TransactionReceipt | undefined> {
  const deadline = Date.now() + timeoutMs;
  const pollMs = Math.max(100, Math.min(1_000, Math.floor(timeoutMs / 10)));
  while (Date.now() < deadline) {
    for (const hash of hashes) {
      try {
        const receipt = await provider.getTransactionReceipt(hash);
        if (receipt && (await receipt.confirmations()) >= config.confirmations) return receipt;
      } catch (error) {
        if (!isRpcFault(error)) throw error;
      }
    }
    await sleep(pollMs);
  }
  return undefined;
}

/** A rebalance left pending by an earlier pass: mined (log it), dropped (forget it), or still pending. */
async function resolvePending(context: KeeperContext, address: string, symbol: string): Promise<boolean> {
  const { provider, state, logger, signer } = context;
  const pending = state.pending.get(address);
  if (!pending) return true;
  for (const hash of pending.hashes) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) {
      state.pending.delete(address);
      if (pending.batch) await logBatchReceipt(context, receipt, pending.batch, [address]);
      else await logReceipt(context, address, symbol, receipt);
      return true;
    }
  }
  const known = await Promise.all(pending.hashes.map((h) => provider.getTransaction(h)));
  const mined = signer
    ? (await provider.getTransactionCount(await signer.getAddress(), "latest")) > pending.nonce
    : false;
  if (mined || known.every((tx) => tx === null)) {
    state.pending.delete(address);
    signer?.reset();
    logger.warn({ token: symbol, nonce: pending.nonce }, "pending rebalance was dropped or superseded; forgetting it");
    return true;
  }
  return false;
}

async function logReceipt(
  context: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
): Promise<Outcome> {
  const { logger, metrics } = context;
  if (receipt.status !== 1) {
    const action = await context.connectToken(address).rebalanceAction();
    if (Number(action) === 0) {
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbol, hash: receipt.hash }, "another keeper rebalanced first; our transaction reverted");
      return "lostRace";
    }
    metrics?.errors.inc({ kind: "reverted" });
    logger.error({ token: symbol, hash: receipt.hash }, "rebalance transaction reverted");
    return "failed";
  }
  return logRebalanced(context, address, symbol, receipt, { gasUsed: receipt.gasUsed.toString() });
}

/**
 * The outcome of `only` (by default every token) of a mined batch transaction of `tokens`: bit i of the
 * `BatchRebalanced` event's `done` says whether `tokens[i]` was rebalanced (a reverted transaction did none). A
 * token it did not rebalance and that is no longer due was rebalanced by another keeper first.
 */
async function logBatchReceipt(
  context: KeeperContext,
  receipt: TransactionReceipt,
  tokens: string[],
  only: string[] = tokens,
): Promise<Outcome[]> {
  const { logger, metrics, state } = context;
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === receipt.to?.toLowerCase())
    .map((log) => BATCH_INTERFACE.parseLog(log))
    .find((parsed) => parsed?.name === "BatchRebalanced");
  const done: bigint = receipt.status === 1 && event ? event.args.done : 0n;
  const symbols = tokens.map((address) => state.symbols.get(address) ?? address);
  if (only.length === tokens.length && receipt.status !== 1) {
    logger.error({ tokens: symbols, hash: receipt.hash }, "batch rebalance transaction reverted");
  } else if (only.length === tokens.length) {
    logger.info(
      {
        tokens: symbols,
        rebalanced: event ? Number(event.args.rebalanced) : 0,
        hash: receipt.hash,
        block: receipt.blockNumber,
        gasUsed: receipt.gasUsed.toString(),
      },
      "batch rebalanced",
    );
  }
  const outcomes: Outcome[] = [];
  for (const address of only) {
    const i = tokens.indexOf(address);
    if (isSet(done, i)) {
      outcomes.push(logRebalanced(context, address, symbols[i], receipt, { batch: true }));
      continue;
    }
    const action = await context.connectToken(address).rebalanceAction();
    if (Number(action) === 0) {
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbols[i], hash: receipt.hash }, "already rebalanced by another keeper");
      outcomes.push("lostRace");
    } else {
      metrics?.errors.inc({ kind: "reverted" });
      logger.error({ token: symbols[i], hash: receipt.hash }, "the batch did not rebalance the token; still due");
      outcomes.push("failed");
    }
  }
  return outcomes;
}

/** Logs a mined rebalance of one token from its `Rebalanced` event (none: the token was wiped out). */
function logRebalanced(
  { logger, metrics, connectToken }: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
  extra: Record<string, unknown>,
): Outcome {
  const token = connectToken(address);
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => token.interface.parseLog(log))
    .find((parsed) => parsed?.name === "Rebalanced");
  metrics?.rebalances.inc({ outcome: "rebalanced" });
  metrics?.lastRebalance.set({ token: symbol }, Date.now() / 1000);
  if (event) metrics?.leverage.set({ token: symbol }, Number(formatUnits(event.args.leverageAfter, 18)));
  logger.info(
    {
      token: symbol,
      hash: receipt.hash,
      block: receipt.blockNumber,
      ...extra,
      ...(event
        ? {
            trigger: ACTIONS[Number(event.args.trigger)] ?? String(event.args.trigger),
            leverageBefore: formatUnits(event.args.leverageBefore, 18),
            leverageAfter: formatUnits(event.args.leverageAfter, 18),
            sizeDelta: formatUnits(event.args.sizeDelta, 18),
            price: formatUnits(event.args.price, 18),
            equity: formatUnits(event.args.equity, 6),
          }
        : { event: "none (wiped out)" }),
    },
    "rebalanced",
  );
  return "rebalanced";
}
