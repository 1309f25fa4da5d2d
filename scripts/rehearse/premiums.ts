/**
 * The pools' premium after each feed update, as the issue measures the arbitrageur: for every new round of a feed
 * and every token on that market with a pool, the token's premium (pool price against NAV) once the arbitrageur has
 * arbitraged that token after the round, or once `boundMs` passed without it (it saw nothing worth doing).
 */
import { formatUnits } from "ethers";
import { poolPrice, premium } from "../../src/dex/pool";
import type { TokenList } from "../../src/reads/lens";

/** What the sampler needs of a feed driver: the rounds it sent. */
export interface RoundSource {
  sent: readonly unknown[];
}

export interface PremiumSample {
  market: string;
  token: string;
  /** |premium| as a fraction (0.01 is 1%). */
  premium: number;
  /** Whether the arbitrageur had acted on the token since the update (else the wait ran out). */
  acted: boolean;
}

export interface PremiumSamplerOptions {
  /** The feeds by market symbol (BTC, ETH). */
  feeds: Record<string, RoundSource>;
  /** The token list as the chain has it now (the lens through the node). */
  read: () => Promise<TokenList>;
  /** The tokens the arbitrageur has arbitraged so far, in order (its `arbitraged` log lines' `token`). */
  arbitraged: () => string[];
  /** The longest wait for the arbitrageur after an update. */
  boundMs: number;
  /** How often to look (default 500 ms). */
  everyMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Waiting {
  market: string;
  token: string;
  /** How many arbitrages were logged when the update was seen. */
  seen: number;
  until: number;
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
  /** Updates seen too late in the run to be sampled (the run ended before the arbitrageur acted or the wait ran out). */
  unsampled = 0;
  readonly #options: PremiumSamplerOptions;
  readonly #rounds: Record<string, number> = {};
  #waiting: Waiting[] = [];

  constructor(options: PremiumSamplerOptions) {
    this.#options = options;
    // Rounds sent before the sampler starts (during the deployment) are not the bots' to answer.
    for (const [market, feed] of Object.entries(options.feeds)) this.#rounds[market] = feed.sent.length;
  }

  /** Notes new rounds and samples what is due; call it every `everyMs`. */
  async step(): Promise<void> {
    const { feeds, boundMs } = this.#options;
    const now = (this.#options.now ?? Date.now)();
    const done = this.#options.arbitraged();
    let list: TokenList | undefined;
    const read = async () => (list ??= await this.#options.read());
    for (const [market, feed] of Object.entries(feeds)) {
      if (feed.sent.length === this.#rounds[market]) continue;
      this.#rounds[market] = feed.sent.length;
      for (const t of (await read()).tokens) {
        if (t.marketSymbol !== market || !t.pool) continue;
        // A wait cut short by the market's next round is sampled now, before that round moves the NAV.
        for (const w of this.#waiting) if (w.token === t.symbol) w.until = Math.min(w.until, now);
        this.#waiting.push({ market, token: t.symbol, seen: done.length, until: now + boundMs });
      }
    }
    const acted = (w: Waiting) => done.slice(w.seen).includes(w.token);
    const due = this.#waiting.filter((w) => now >= w.until || acted(w));
    if (due.length === 0) return;
    const current = await read();
    for (const w of due) {
      const value = absolutePremium(current, w.token);
      if (value !== undefined) {
        this.samples.push({ market: w.market, token: w.token, premium: value, acted: acted(w) });
      }
    }
    this.#waiting = this.#waiting.filter((w) => !due.includes(w));
  }

  /** Steps until `stopping()`; what is still waiting then counts as unsampled. */
  async run(stopping: () => boolean, onError?: (error: unknown) => void): Promise<void> {
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    while (!stopping()) {
      await this.step().catch((error: unknown) => onError?.(error));
      await sleep(this.#options.everyMs ?? 500);
    }
    this.unsampled += this.#waiting.length;
    this.#waiting = [];
  }
}
