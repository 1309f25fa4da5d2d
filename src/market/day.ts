import type { JsonRpcProvider } from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { formatAmount, formatChange } from "../text/format";
import type { SettablePriceFeed } from "../../typechain-types";
import { readTokenList, type TokenList } from "../reads/lens";
import { unvaluedReason } from "../reads/tokenState";

/**
 * One market day on a local chain: every feed's new price in one block at the day's start, then the wait for the
 * keeper, so that a day-by-day replay is rebalanced daily as the tokens are meant to be, however fast it runs.
 */

const DAY = 86_400;

/** Sends every feed's new answer and mines them in one block stamped `timestamp` (no feed is ever older than the
 * others); automining is back on afterwards, whatever happens. */
export async function pushPrices(
  provider: JsonRpcProvider,
  updates: { feed: SettablePriceFeed; answer: bigint }[],
  timestamp: number,
): Promise<void> {
  await provider.send("evm_setAutomine", [false]);
  try {
    const sent = [];
    for (const { feed, answer } of updates) sent.push(await feed.updateAnswer(answer));
    await provider.send("evm_mine", [timestamp]);
    for (const tx of sent) {
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`the price update ${tx.hash} failed`);
    }
  } finally {
    await provider.send("evm_setAutomine", [true]);
  }
}

/**
 * When the next day starts: a day after this one, and never before every token's time trigger falls due (a keeper
 * that rebalanced a few seconds into the day moved its token's next rebalance by as much).
 */
export function nextDayStart(dayStart: number, list: TokenList): number {
  const lastRebalance = list.tokens.reduce((latest, t) => Math.max(latest, Number(t.lastRebalance)), 0);
  return Math.max(dayStart + DAY, lastRebalance + DAY, Number(list.timestamp) + 1);
}

/** The tokens a keeper still has to rebalance. */
export const dueTokens = (list: TokenList) => list.tokens.filter((t) => t.action !== "none").map((t) => t.symbol);

/**
 * Reads the token list until nothing is due (the keeper has done the day's work) or `timeoutMs` passes; returns the
 * last list read.
 */
export async function waitForKeeper(
  book: AddressBook,
  provider: JsonRpcProvider,
  timeoutMs: number,
  stopping: () => boolean,
): Promise<TokenList> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await readTokenList(book, provider);
    if (dueTokens(list).length === 0 || Date.now() >= deadline || stopping()) return list;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** "day 3 (2021-01-03): BTC 54,512.33, ... | since the start: BTC +9.03%, BTC3L +27.10%, BTC3S -24.20%" */
export function dayLine(
  day: number,
  date: string | undefined,
  prices: { symbol: string; answer: bigint; start: bigint }[],
  list: TokenList,
  startList: TokenList,
): string {
  const shown = prices.map((p) => `${p.symbol} ${formatAmount(p.answer, 8, 2, true)}`).join(", ");
  const tokens = ["BTC3L", "BTC3S"].flatMap((symbol) => {
    const now = list.tokens.find((t) => t.symbol === symbol);
    const then = startList.tokens.find((t) => t.symbol === symbol);
    if (!now || !then) return [];
    // A NAV that cannot be read (a stale or invalid price) is said so, not shown as a -100% change.
    const reason = unvaluedReason(now) ?? unvaluedReason(then);
    return [`${symbol} ${reason ? `- (${reason})` : formatChange(now.navPerShare, then.navPerShare)}`];
  });
  const first = prices[0] ? [`${prices[0].symbol} ${formatChange(prices[0].answer, prices[0].start)}`] : [];
  return `day ${day}${date ? ` (${date})` : ""}: ${shown} | since the start: ${[...first, ...tokens].join(", ")}`;
}
