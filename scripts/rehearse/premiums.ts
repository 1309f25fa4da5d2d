/**
 * The pools' premium after each feed update, as the issue measures the arbitrageur, counted in blocks from the block
 * that mined the update (U). For every mined round of a feed and every token on that market with a pool, the token's
 * |premium| (pool price against NAV) is read at one block, the first of:
 *  - the block of the arbitrageur's arbitrage of that token planned at U or later (it answered this update: "acted");
 *  - the block before the market's next mined update (that update moves NAV again: "cut");
 *  - U + `windowBlocks`, the arbitrageur's fair chance (a few blocks and two of its polls) without an answer
 *    ("waited": it saw nothing worth its gas, or was too slow).
 * Reads are made at that block (history of the node), so when the sampler looks does not change what it measures.
 */
import { formatUnits } from "ethers";
import { poolPrice, premium } from "../../src/dex/pool";
import type { TokenList } from "../../src/reads/lens";

/** What the sampler needs of a feed driver: the rounds it sent (their transactions' hashes). */
export interface RoundSource {
  sent: readonly { hash: string }[];
}

/** Where a round's transaction stands: mined in a block, still pending, or dropped by the node (never mined). */
export type RoundStatus = number | "pending" | "gone";

/** One arbitrage the arbitrageur logged: the block that mined it and the block its plan was read at. */
export interface LoggedArbitrage {
  token: string;
  block: number;
  planBlock: number;
}

export type SampleKind = "acted" | "cut" | "waited";

export interface PremiumSample {
  market: string;
  token: string;
  /** |premium| as a fraction (0.01 is 1%). */
  premium: number;
  kind: SampleKind;
  /** The update's block, and how many blocks after it the premium was read. */
  updateBlock: number;
  blocks: number;
}

export interface PremiumSamplerOptions {
  /** The feeds by market symbol (BTC, ETH). */
  feeds: Record<string, RoundSource>;
  /** Where a round's transaction stands (a receipt's block number). */
  status: (hash: string) => Promise<RoundStatus>;
  /** The chain's head block number. */
  head: () => Promise<number>;
  /** The token list as the chain had it at a block (the lens through the node). */
  readAt: (block: number) => Promise<TokenList>;
  /** The arbitrages logged so far (the arbitrageur's `arbitraged` lines). */
  arbitraged: () => LoggedArbitrage[];
  /** The arbitrageur's fair chance after an update, in blocks. */
  windowBlocks: number;
}

interface Round {
  market: string;
  hash: string;
  block?: number;
}

interface Waiting {
  market: string;
  token: string;
  update: number;
}

/** |premium| of `token` in `list` as a fraction, or undefined without a pool or a NAV. */
export function absolutePremium(list: TokenList, token: string): number | undefined {
  const t = list.tokens.find((x) => x.symbol === token);
  if (!t?.pool || t.navPerShare === 0n) return undefined;
  const price = poolPrice(t.pool);
  if (price === undefined) return undefined;
  return Math.abs(Number(formatUnits(premium(price, t.navPerShare), 18)));
}

export class PremiumSampler {
  readonly samples: PremiumSample[] = [];
  /** Updates whose sampling block the run did not reach (it ended within their window). */
  unsampled = 0;
  readonly #options: PremiumSamplerOptions;
  readonly #seen: Record<string, number> = {};
  #rounds: Round[] = [];
  #waiting: Waiting[] = [];

  constructor(options: PremiumSamplerOptions) {
    this.#options = options;
    // Rounds sent before the sampler starts (during the deployment) are not the bots' to answer.
    for (const [market, feed] of Object.entries(options.feeds)) this.#seen[market] = feed.sent.length;
  }

  /** Notes new rounds, finds the blocks of the mined ones, and samples what is due; call it every half second. */
  async step(): Promise<void> {
    const o = this.#options;
    for (const [market, feed] of Object.entries(o.feeds)) {
      for (const { hash } of feed.sent.slice(this.#seen[market])) this.#rounds.push({ market, hash });
      this.#seen[market] = feed.sent.length;
    }
    for (const round of this.#rounds.filter((r) => r.block === undefined)) {
      const status = await o.status(round.hash);
      if (status === "pending") continue;
      if (status === "gone") {
        this.#rounds = this.#rounds.filter((r) => r !== round);
        continue;
      }
      round.block = status;
      for (const t of (await o.readAt(status)).tokens) {
        if (t.marketSymbol === round.market && t.pool) {
          this.#waiting.push({ market: round.market, token: t.symbol, update: status });
        }
      }
    }
    const head = await o.head();
    const arbitrages = o.arbitraged();
    for (const w of [...this.#waiting]) {
      const due = this.#due(w, head, arbitrages);
      if (!due) continue;
      const value = absolutePremium(await o.readAt(due.block), w.token);
      if (value !== undefined) {
        this.samples.push({
          market: w.market,
          token: w.token,
          premium: value,
          kind: due.kind,
          updateBlock: w.update,
          blocks: due.block - w.update,
        });
      }
      this.#waiting = this.#waiting.filter((x) => x !== w);
    }
  }

  /** The block at which `w` is sampled, and why; undefined while none has been reached. */
  #due(w: Waiting, head: number, arbitrages: LoggedArbitrage[]): { block: number; kind: SampleKind } | undefined {
    const candidates: { block: number; kind: SampleKind }[] = [];
    const answers = arbitrages.filter((a) => a.token === w.token && a.planBlock >= w.update).map((a) => a.block);
    if (answers.length > 0) candidates.push({ block: Math.min(...answers), kind: "acted" });
    const next = this.#rounds.filter((r) => r.market === w.market && r.block !== undefined && r.block > w.update);
    if (next.length > 0) candidates.push({ block: Math.min(...next.map((r) => r.block as number)) - 1, kind: "cut" });
    const end = w.update + this.#options.windowBlocks;
    if (head >= end) candidates.push({ block: end, kind: "waited" });
    if (candidates.length === 0) return undefined;
    return candidates.reduce((a, b) => (b.block < a.block ? b : a));
  }

  /** Steps until `stopping()`, then once more; what is still waiting then counts as unsampled. */
  async run(stopping: () => boolean, onError?: (error: unknown) => void, everyMs = 500): Promise<void> {
    while (!stopping()) {
      await this.step().catch((error: unknown) => onError?.(error));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await this.step().catch((error: unknown) => onError?.(error));
    this.unsampled += this.#waiting.length;
    this.#waiting = [];
  }
}
