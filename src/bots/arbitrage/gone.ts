import { formatUnits } from "ethers";
import { unlessPriceRevert } from "../../chain/reverts";
import { poolPrice, premium, readPool } from "../../dex/pool";
import type { ArbitrageContext, Opportunity } from "./types";

/** What changed since a plan's block: the pool traded, NAV moved (a relative change), and the log's fields. */
export interface Change {
  traded: boolean;
  /** (NAV now - NAV planned) / NAV planned. */
  navMove: number;
  fields: Record<string, unknown>;
}

/**
 * A NAV move over which a plan is made again before sending (0.1%): a price update moves a token's NAV by the feeds'
 * 0.5% deviation times its leverage, the fees' and funding's accrual by about 1 bp a block (seen on Base Sepolia).
 */
export const NAV_MOVE_TO_REPLAN = 1e-3;

/**
 * The pool's reserves and the token's NAV at `blockTag` (the head when omitted; the block that mined a reverted
 * transaction) against those the plan was made from at its block.
 */
export async function changeSince(context: ArbitrageContext, op: Opportunity, blockTag?: number): Promise<Change> {
  const [pool, nav] = await Promise.all([
    readPool(context.provider, op.pair, op.token, context.state.stablecoin as string, blockTag),
    unlessPriceRevert(context.connectToken(op.token).navPerShare({ blockTag }), 0n),
  ]);
  const price = poolPrice(pool);
  const now = price === undefined || nav === 0n ? undefined : premium(price, nav);
  const navMove = op.nav === 0n ? 0 : Number(nav - op.nav) / Number(op.nav);
  return {
    traded: pool.tokenReserve !== op.pool.tokenReserve || pool.stableReserve !== op.pool.stableReserve,
    navMove,
    fields: {
      planBlock: op.block,
      ...(blockTag === undefined ? {} : { atBlock: blockTag }),
      premiumPlanned: formatUnits(op.premium, 18),
      premiumNow: now === undefined ? null : formatUnits(now, 18),
      navMovePercent: Number((navMove * 100).toFixed(4)),
    },
  };
}

/** Why a plan stopped paying, in the log's words and as the pass counts it. */
export interface Gone {
  /** lostRace: the pool was traded; moved: NAV moved on an untraded pool; undefined: neither changed. */
  outcome?: "lostRace" | "moved";
  message: string;
  fields: Record<string, unknown>;
}

/**
 * Why a plan no longer pays (its simulation, its estimate or its mined transaction refused with
 * FlashArbitrageUnprofitable), from `changeSince`: a traded pool means another arbitrageur or a trader was first; an
 * untraded pool under a moved NAV means a price update changed the gap, and the plan is made again; when neither
 * changed, the plan itself was wrong.
 */
export async function whyGone(context: ArbitrageContext, op: Opportunity, blockTag?: number): Promise<Gone> {
  const { traded, navMove, fields } = await changeSince(context, op, blockTag);
  if (traded) {
    return {
      outcome: "lostRace",
      fields,
      message: `the gap is gone: the pool was traded after block ${op.block} (another arbitrageur or a trader was first)`,
    };
  }
  if (navMove !== 0) {
    return {
      outcome: "moved",
      fields,
      message: `the gap changed under the plan: NAV moved after block ${op.block} (a price update) on an untraded pool`,
    };
  }
  return { fields, message: `the plan of block ${op.block} does not hold on the same pool and NAV` };
}
