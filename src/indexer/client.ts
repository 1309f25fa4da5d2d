import { UserError } from "../text/userError";
import { DEFAULT_INDEXER_URL } from "./constants";
import { parsePortfolio, type Portfolio } from "./portfolio";

/* Reading the indexer's API (indexer/src/api/index.ts) from the tasks and the tests. */

/** INDEXER_URL, or the local indexer's. */
export function indexerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.INDEXER_URL || DEFAULT_INDEXER_URL).replace(/\/+$/, "");
}

/** GET `path` from the indexer as JSON; an indexer that does not answer is one clear UserError. */
export async function indexerGet<T>(base: string, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
  } catch {
    throw new UserError(
      `no indexer answers at ${base} (INDEXER_URL): start one with npm run indexer -- --network <name>`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new UserError(`the indexer at ${base} refused ${path}: ${body.error ?? response.status}`);
  return body;
}

/** Checks that the indexer indexes `network` (by its address book's name and chain id). */
export async function checkIndexerNetwork(base: string, network: string, chainId?: number): Promise<void> {
  const info = await indexerGet<{ network: string; chainId: number }>(base, "/info");
  if (info.network !== network || (chainId !== undefined && info.chainId !== chainId)) {
    throw new UserError(`the indexer at ${base} indexes ${info.network} (chain ${info.chainId}), not ${network}`);
  }
}

export async function readPortfolio(base: string, account: string): Promise<Portfolio> {
  return parsePortfolio(await indexerGet(base, `/portfolio/${account}`));
}
