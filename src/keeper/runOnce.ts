import { formatUnits, NonceManager, type Provider, type TransactionReceipt, type TransactionRequest } from "ethers";
import type { LeveragedToken, LeveragedTokenFactory } from "../../typechain-types";
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
>;

/** A rebalance sent and not known to be mined: no other rebalance of that token is sent until it is resolved. */
export interface PendingRebalance {
  nonce: number;
  hashes: string[];
}

/** What the keeper remembers between passes. */
export interface KeeperState {
  symbols: Map<string, string>;
  pending: Map<string, PendingRebalance>;
}

export function newKeeperState(): KeeperState {
  return { symbols: new Map(), pending: new Map() };
}

export interface KeeperContext {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined in dry run. */
  signer?: NonceManager;
  factory: LeveragedTokenFactory;
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

type Outcome = "rebalanced" | "lostRace" | "simulated" | "skipped" | "failed" | "pending";

/**
 * One pass of the keeper: reads every token's status in a few calls (the factory's `keeperStatuses`, by pages),
 * and rebalances each token that is due, one at a time: simulate, estimate, send with a capped fee, wait for the
 * receipt (replacing a stuck transaction at the same nonce), and log the decoded `Rebalanced` event. A token's
 * failure is logged and the pass goes on with the next. RPC faults are retried with bounded backoff; if the
 * statuses cannot be read at all, the pass throws.
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
      logger.info({ token: symbols[i], address }, "watching token");
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
  for (const status of statuses) {
    const symbol = state.symbols.get(status.token) ?? status.token;
    try {
      if (state.pending.has(status.token)) {
        const resolved = await resolvePending(context, status.token, symbol);
        if (!resolved) {
          report.pending.push(symbol);
          continue;
        }
        continue; // its outcome is logged; the status read before it was mined is stale
      }
      if (Number(status.action) === 0) continue;
      report.due.push(symbol);
      if (context.stopping?.()) continue;
      const outcome = await rebalanceToken(context, status.token, symbol, ACTIONS[Number(status.action)] ?? "?", retry);
      report[outcome].push(symbol);
    } catch (error) {
      report.failed.push(symbol);
      const kind = isRpcFault(error) ? "rpc" : "token";
      metrics?.errors.inc({ kind });
      logger.error({ token: symbol, kind, error: describeError(error, CONTRACT_INTERFACES) }, "token failed");
    }
  }
  metrics?.pendingTransactions.set(state.pending.size);
  metrics?.lastTick.set(Date.now() / 1000);
  logger.debug({ ...report }, "pass done");
  return report;
}

type Retry = <T>(label: string, call: () => Promise<T>) => Promise<T>;

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

async function rebalanceToken(
  context: KeeperContext,
  address: string,
  symbol: string,
  trigger: string,
  retry: Retry,
): Promise<Outcome> {
  const { logger, metrics, config, signer } = context;
  const token = context.connectToken(address);
  const from = signer ? await signer.getAddress() : undefined;

  try {
    await retry("simulate", () => token.rebalance.staticCall({ from }));
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) {
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbol, trigger }, "already rebalanced by another keeper");
      return "lostRace";
    }
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
    const estimate = await retry("estimateGas", () => token.rebalance.estimateGas({ from }));
    const fees = await retry("getFeeData", () => context.provider.getFeeData());
    const marginPermille = BigInt(Math.round(config.gasLimitMargin * 1000));
    const maxFeePerGas = min(fees.maxFeePerGas ?? fees.gasPrice ?? config.maxFeePerGas, config.maxFeePerGas);
    const maxPriorityFeePerGas = min(fees.maxPriorityFeePerGas ?? 1_000_000_000n, maxFeePerGas);
    request = {
      to: address,
      data: token.interface.encodeFunctionData("rebalance"),
      gasLimit: (estimate * marginPermille + 999n) / 1000n,
      maxFeePerGas,
      maxPriorityFeePerGas,
      type: 2,
    };
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) {
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbol, trigger }, "already rebalanced by another keeper");
      return "lostRace";
    }
    throw error;
  }

  let nonce: number;
  let hash: string;
  try {
    nonce = await retry("getNonce", () => signer.getNonce("pending"));
    const sent = await signer.signer.sendTransaction({ ...request, nonce });
    signer.increment();
    hash = sent.hash;
  } catch (error) {
    // Whatever happened, the next transaction reads its nonce from the node again.
    signer.reset();
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name === NOT_DUE) {
      // A node that executes on submission (automine) refused it: another keeper was first.
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbol, trigger }, "already rebalanced by another keeper");
      return "lostRace";
    }
    const kind = isNonceError(error) ? "nonce" : isRpcFault(error) ? "rpc" : "send";
    metrics?.errors.inc({ kind });
    logger.error(
      { token: symbol, kind, error: describeError(error, CONTRACT_INTERFACES) },
      kind === "nonce" ? "nonce error, nonce manager reset" : "send failed",
    );
    return "failed";
  }
  logger.info(
    {
      token: symbol,
      trigger,
      hash,
      nonce,
      gasLimit: request.gasLimit?.toString(),
      maxFeeGwei: formatUnits(request.maxFeePerGas as bigint, 9),
    },
    "rebalance sent",
  );

  const pending: PendingRebalance = { nonce, hashes: [hash] };
  context.state.pending.set(address, pending);
  metrics?.pendingTransactions.set(context.state.pending.size);
  const receipt = await waitOrReplace(context, symbol, request, pending);
  if (!receipt) {
    logger.warn({ token: symbol, nonce, hashes: pending.hashes }, "rebalance still pending, will check next pass");
    return "pending";
  }
  context.state.pending.delete(address);
  metrics?.pendingTransactions.set(context.state.pending.size);
  return logReceipt(context, address, symbol, receipt);
}

/**
 * Waits for any of the transactions sent at `pending.nonce`; past `txTimeoutMs` without a receipt, sends a
 * replacement at the same nonce with fees raised by at least 12.5% (what nodes require), never above the cap.
 * Returns undefined when the last wait times out too.
 */
async function waitOrReplace(
  context: KeeperContext,
  symbol: string,
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
        { token: symbol, nonce: pending.nonce, maxFeeGwei: formatUnits(maxFee, 9) },
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
          token: symbol,
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
        { token: symbol, nonce: pending.nonce, error: describeError(error, CONTRACT_INTERFACES) },
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
      await logReceipt(context, address, symbol, receipt);
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
  { logger, metrics, connectToken }: KeeperContext,
  address: string,
  symbol: string,
  receipt: TransactionReceipt,
): Promise<Outcome> {
  const token = connectToken(address);
  if (receipt.status !== 1) {
    const action = await token.rebalanceAction();
    if (Number(action) === 0) {
      metrics?.rebalances.inc({ outcome: "lost_race" });
      logger.info({ token: symbol, hash: receipt.hash }, "another keeper rebalanced first; our transaction reverted");
      return "lostRace";
    }
    metrics?.errors.inc({ kind: "reverted" });
    logger.error({ token: symbol, hash: receipt.hash }, "rebalance transaction reverted");
    return "failed";
  }
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
      gasUsed: receipt.gasUsed.toString(),
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
