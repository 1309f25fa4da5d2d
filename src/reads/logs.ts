import type { Filter, Log, Provider } from "ethers";

/**
 * Reading logs through a public RPC: endpoints refuse an `eth_getLogs` over too many blocks (Infura: -32602 "range N
 * exceeds limit of 10000") or matching too many logs (-32005 "query returned more than 10000 results"). A refused
 * range is read again in two halves, down to a single block, so the caller's page size is a first guess, not a
 * promise that the endpoint takes it.
 */

/** The first page a reader asks for: what a node without limits answers in one call. */
export const DEFAULT_LOG_PAGE_BLOCKS = 50_000;

/** True when an endpoint refused a log query as too wide (the range or the results), not for another reason. */
export function isLogRangeRefusal(error: unknown): boolean {
  const inner = (error as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (inner?.code === -32602 || inner?.code === -32005) return true;
  const text = `${String((error as Error | undefined)?.message ?? error)} ${String(inner?.message ?? "")}`;
  return /exceeds limit|more than \d+ results|block range is too (wide|large)|-3200[5]|-32602/i.test(text);
}

/** The logs of one range, halving it while the endpoint refuses it as too wide. */
async function splitting(provider: Provider, filter: Filter, from: number, to: number): Promise<Log[]> {
  try {
    return await provider.getLogs({ ...filter, fromBlock: from, toBlock: to });
  } catch (error) {
    if (from >= to || !isLogRangeRefusal(error)) throw error;
    const middle = Math.floor((from + to) / 2);
    return [
      ...(await splitting(provider, filter, from, middle)),
      ...(await splitting(provider, filter, middle + 1, to)),
    ];
  }
}

/** Every log matching `filter` from `fromBlock` to `toBlock`, in pages of `pageBlocks` (each halved if refused). */
export async function readLogs(
  provider: Provider,
  filter: Omit<Filter, "fromBlock" | "toBlock">,
  fromBlock: number,
  toBlock: number,
  pageBlocks = DEFAULT_LOG_PAGE_BLOCKS,
): Promise<Log[]> {
  const pages: [number, number][] = [];
  for (let from = fromBlock; from <= toBlock; from += pageBlocks) {
    pages.push([from, Math.min(toBlock, from + pageBlocks - 1)]);
  }
  const chunks = await Promise.all(pages.map(([from, to]) => splitting(provider, filter, from, to)));
  return chunks.flat();
}
