import type { Provider } from "ethers";

/**
 * Profit mode's trigger: a pass runs on each new block rather than on a timer, so that it starts early in the block
 * it reads (its slot, see `turns.ts`, is that block). Returns a check to call every poll interval: true when the
 * node's latest block is newer than at the last true (one `eth_blockNumber`; a pass without a new block does nothing).
 */
export function newBlocks(provider: Pick<Provider, "getBlockNumber">): () => Promise<boolean> {
  let last = -1;
  return async () => {
    const block = await provider.getBlockNumber();
    if (block <= last) return false;
    last = block;
    return true;
  };
}
