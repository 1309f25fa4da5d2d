import type { Provider } from "ethers";
import { INTERFACES, connectExchange, connectToken } from "../chain/contracts";
import { rebalanceActionName, type RebalanceAction } from "../chain/enums";
import { unlessPriceRevert } from "../chain/reverts";
import { DEFAULT_LOG_PAGE_BLOCKS, readLogs } from "./logs";

/**
 * A token's history from the chain's own records: its rebalances from its `Rebalanced` events, and its NAV beside
 * its market's price at the blocks where something happened (created, each rebalance, now), read with calls at
 * those blocks (which needs a node that keeps old state: a local node does, so do archive endpoints).
 */

export interface RebalanceRecord {
  blockNumber: number;
  timestamp: number; // unix seconds
  txHash: string;
  trigger: RebalanceAction;
  leverageBefore: bigint; // signed WAD
  leverageAfter: bigint; // signed WAD
  sizeDelta: bigint; // base, 18 decimals, signed
  price: bigint; // WAD
  equity: bigint; // stablecoin units, before the trade
}

export interface NavPoint {
  blockNumber: number;
  timestamp: number;
  navPerShare: bigint; // stablecoin units per whole token
  price: bigint; // WAD, the underlying's mark price
}

export interface TokenHistory {
  createdAt: number; // block number
  rebalances: RebalanceRecord[]; // oldest first
  nav: NavPoint[]; // oldest first
}

export interface HistoryOptions {
  /** At most this many NAV points (evenly chosen among the blocks with events); default 300. */
  maxPoints?: number;
  /** Blocks per eth_getLogs request, a first guess halved while the endpoint refuses it (see `readLogs`). */
  logRange?: number;
}

const { token: tokenInterface, factory: factoryInterface } = INTERFACES;

/** Evenly spaced picks of at most `count` items, always keeping the first and the last. */
export function evenly<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  const picked: T[] = [];
  for (let i = 0; i < count; i++) picked.push(items[Math.round((i * (items.length - 1)) / (count - 1))]);
  return picked;
}

export async function readTokenHistory(
  provider: Provider,
  book: { factory: string; exchange: string },
  tokenAddress: string,
  options: HistoryOptions = {},
): Promise<TokenHistory> {
  const maxPoints = options.maxPoints ?? 300;
  const range = options.logRange ?? DEFAULT_LOG_PAGE_BLOCKS;
  const latest = await provider.getBlockNumber();
  const created = await readLogs(
    provider,
    {
      address: book.factory,
      topics: [
        factoryInterface.getEvent("TokenCreated")!.topicHash,
        `0x${tokenAddress.slice(2).toLowerCase().padStart(64, "0")}`,
      ],
    },
    0,
    latest,
    range,
  );
  if (created.length === 0) throw new Error(`${tokenAddress} was not created by the factory ${book.factory}`);
  const createdAt = created[0].blockNumber;

  const rebalancedTopic = tokenInterface.getEvent("Rebalanced")!.topicHash;
  const logs = await readLogs(provider, { address: tokenAddress, topics: [rebalancedTopic] }, createdAt, latest, range);
  const token = connectToken(tokenAddress, provider);
  const exchange = connectExchange(book.exchange, provider);
  const marketId = await token.marketId();

  const blocks = evenly([...new Set([createdAt, ...logs.map((l) => l.blockNumber), latest])], maxPoints);
  const wanted = [...new Set([...blocks, ...logs.map((l) => l.blockNumber)])];
  const [times, navs, snapshots] = await Promise.all([
    Promise.all(wanted.map((n) => provider.getBlock(n))),
    // A block whose price was stale or invalid has no NAV (the token's view reverts as a mint would): no point.
    Promise.all(blocks.map((n) => unlessPriceRevert(token.navPerShare({ blockTag: n }), undefined))),
    Promise.all(blocks.map((n) => exchange.accountState(tokenAddress, marketId, { blockTag: n }))),
  ]);
  const timeOf = new Map(wanted.map((n, i) => [n, times[i]?.timestamp ?? 0]));

  const rebalances = logs.map((log): RebalanceRecord => {
    const event = tokenInterface.parseLog(log)!;
    return {
      blockNumber: log.blockNumber,
      timestamp: timeOf.get(log.blockNumber) ?? 0,
      txHash: log.transactionHash,
      trigger: rebalanceActionName(event.args.trigger),
      leverageBefore: event.args.leverageBefore,
      leverageAfter: event.args.leverageAfter,
      sizeDelta: event.args.sizeDelta,
      price: event.args.price,
      equity: event.args.equity,
    };
  });
  const nav = blocks.flatMap((n, i) => {
    const navPerShare = navs[i];
    if (navPerShare === undefined) return [];
    return [{ blockNumber: n, timestamp: timeOf.get(n) ?? 0, navPerShare, price: snapshots[i].price }];
  });
  return { createdAt, rebalances, nav };
}

/** A series rebased to 100 at its first value, as floats for a chart (never for money). */
export function rebased(values: bigint[]): number[] {
  const first = values[0];
  if (!first) return values.map(() => NaN);
  return values.map((v) => (Number((v * 1_000_000n) / first) / 1_000_000) * 100);
}
