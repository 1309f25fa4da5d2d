import type { RebalanceRecord } from "../reads/tokenHistory";
import { rebalanceActionName } from "../chain/enums";

/*
 * A token's history from the indexer's /tokens/:address/history, for the app's token page: its rebalances (the same
 * records the page otherwise reads from the chain's logs) and its pool's premium to NAV at every block that moved
 * either. Free of Node.
 */

export interface PremiumPoint {
  blockNumber: number;
  timestamp: number;
  premiumBps: bigint;
}

export interface IndexedHistory {
  rebalances: RebalanceRecord[];
  premium: PremiumPoint[];
}

type Raw = Record<string, string | number | boolean | null>;

export function parseIndexedHistory(body: { blocks: Raw[]; rebalances: Raw[] }): IndexedHistory {
  return {
    rebalances: body.rebalances.map((r) => ({
      blockNumber: Number(r.block),
      timestamp: Number(r.timestamp),
      txHash: String(r.txHash),
      trigger: rebalanceActionName(String(r.trigger) === "DRIFT" ? 2 : String(r.trigger) === "TIME" ? 1 : 0),
      leverageBefore: BigInt(String(r.leverageBefore)),
      leverageAfter: BigInt(String(r.leverageAfter)),
      sizeDelta: BigInt(String(r.sizeDelta)),
      price: BigInt(String(r.price)),
      equity: BigInt(String(r.equity)),
    })),
    premium: body.blocks
      .filter((b) => b.premiumBps !== null && b.premiumBps !== undefined)
      .map((b) => ({
        blockNumber: Number(b.block),
        timestamp: Number(b.timestamp),
        premiumBps: BigInt(String(b.premiumBps)),
      })),
  };
}

/** The token's indexed history (its last `limit` blocks and rebalances); a clear error when the indexer is down. */
export async function readIndexedHistory(indexerUrl: string, token: string, limit = 1_000): Promise<IndexedHistory> {
  let response: Response;
  try {
    response = await fetch(`${indexerUrl}/tokens/${token}/history?limit=${limit}`, { cache: "no-store" });
  } catch {
    throw new Error(`the indexer at ${indexerUrl} does not answer: is it running (npm run indexer)?`);
  }
  if (!response.ok) throw new Error(`the indexer at ${indexerUrl} answered HTTP ${response.status}`);
  return parseIndexedHistory(await response.json());
}
