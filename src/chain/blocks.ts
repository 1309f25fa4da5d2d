import type { Provider } from "ethers";

/**
 * The number of the last block at or before `timestamp` (unix seconds), or undefined when the chain's first block
 * is later. A batched search between block 0 and `latest`: each round reads `fanout` block headers at once (one
 * JSON-RPC batch through a batching provider), so a million blocks take five rounds at the default 16.
 */
export async function findBlockByTime(
  provider: Provider,
  timestamp: number,
  latest: { number: number; timestamp: number },
  fanout = 16,
): Promise<number | undefined> {
  if (latest.timestamp <= timestamp) return latest.number;
  const headerTime = async (n: number) => {
    const block = await provider.getBlock(n);
    if (!block) throw new Error(`the node has no block ${n}`);
    return block.timestamp;
  };
  let lo = 0; // invariant once checked: time(lo) <= timestamp < time(hi)
  let hi = latest.number;
  let loChecked = false;
  while (hi - lo > 1 || !loChecked) {
    const step = Math.max(1, Math.floor((hi - lo) / fanout));
    const points: number[] = loChecked ? [] : [lo];
    for (let n = lo + step; n < hi; n += step) points.push(n);
    const times = await Promise.all(points.map(headerTime));
    if (!loChecked) {
      if (times[0] > timestamp) return undefined;
      loChecked = true;
    }
    for (const [i, n] of points.entries()) {
      if (times[i] <= timestamp) lo = Math.max(lo, n);
      else hi = Math.min(hi, n);
    }
  }
  return lo;
}

/** A deadline `seconds` after the chain's latest block (the computer's clock without a provider or a block). */
export async function chainDeadline(provider: Provider | null | undefined, seconds: number): Promise<bigint> {
  const block = await provider?.getBlock("latest");
  return BigInt((block?.timestamp ?? Math.floor(Date.now() / 1000)) + seconds);
}
