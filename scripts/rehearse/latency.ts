/**
 * The keeper's latency as the chain records it, per trigger, in blocks: a band breach from the block of the feed
 * update that caused it (not from the keeper's pass that saw it), a time trigger from the first block at or after the
 * token's `nextRebalanceTime` (or the block of the admin's settings change that made it due, if later).
 */
import type { Provider } from "ethers";
import { connectToken, INTERFACES } from "../../src/chain/contracts";

/** The `RebalanceAction` values (contracts/interfaces/ILeveragedToken.sol). */
const TIME = 1n;
const DRIFT = 2n;

export interface WatchedToken {
  symbol: string;
  address: string;
  /** The blocks that mined its market's feed updates (the updates that move its leverage), ascending. */
  updates: number[];
}

/** One rebalance as the chain recorded it: where it was mined, its trigger and latency (null: a band breach unexplained). */
export interface ChainRebalance {
  token: string;
  block: number;
  hash: string;
  trigger: "time" | "band";
  blocks: number | null;
  seconds: number | null;
}

export interface ChainLatencies {
  /** Band-breach rebalances with no feed update since the token's last rebalance that had put it out of band. */
  bandUnexplained: number;
  /** Every rebalance, in block order per token: where it was mined and its latency (null: a band breach unexplained). */
  rebalances: ChainRebalance[];
}

/**
 * The latencies of every rebalance mined in `fromBlock..toBlock` (history read through `provider`, a node). A band
 * breach counts from the first update since the token's previous rebalance after which the token was out of band.
 */
export async function chainLatencies(
  provider: Provider,
  tokens: WatchedToken[],
  fromBlock: number,
  toBlock: number,
): Promise<ChainLatencies> {
  const rebalancedTopic = INTERFACES.token.getEvent("Rebalanced")!.topicHash;
  const settingsTopic = INTERFACES.token.getEvent("RebalanceSettingsUpdated")!.topicHash;
  const result: ChainLatencies = {
    bandUnexplained: 0,
    rebalances: [],
  };
  const times = new Map<number, number>();
  const timeOf = async (n: number) => {
    const known = times.get(n);
    if (known !== undefined) return known;
    const t = (await provider.getBlock(n))?.timestamp ?? 0;
    times.set(n, t);
    return t;
  };
  for (const t of tokens) {
    const token = connectToken(t.address, provider);
    const range = { fromBlock, toBlock };
    const [rebalances, settings] = await Promise.all([
      provider.getLogs({ address: t.address, topics: [rebalancedTopic], ...range }),
      provider.getLogs({ address: t.address, topics: [settingsTopic], ...range }),
    ]);
    let previous = fromBlock - 1;
    for (const log of rebalances) {
      const block = log.blockNumber;
      const trigger = BigInt(log.topics[1]);
      const at = { token: t.symbol, block, hash: log.transactionHash };
      if (trigger === DRIFT) {
        // The first update since the last rebalance after which the token was out of its band.
        let cause: number | undefined;
        for (const u of t.updates) {
          if (u <= previous || u > block) continue;
          if ((await token.rebalanceAction({ blockTag: u })) === DRIFT) {
            cause = u;
            break;
          }
        }
        if (cause === undefined) {
          result.bandUnexplained += 1;
          result.rebalances.push({ ...at, trigger: "band", blocks: null, seconds: null });
        } else {
          const seconds = (await timeOf(block)) - (await timeOf(cause));
          result.rebalances.push({ ...at, trigger: "band", blocks: block - cause, seconds });
        }
      } else if (trigger === TIME) {
        const dueAt = Number(await token.nextRebalanceTime({ blockTag: block - 1 }));
        const changed = settings.filter((s) => s.blockNumber < block).map((s) => s.blockNumber);
        const floor = Math.max(previous + 1, ...changed);
        let due = block;
        while (due - 1 >= floor && (await timeOf(due - 1)) >= dueAt) due -= 1;
        const seconds = (await timeOf(block)) - Math.max(dueAt, await timeOf(due));
        result.rebalances.push({ ...at, trigger: "time", blocks: block - due, seconds });
      }
      previous = block;
    }
  }
  return result;
}
