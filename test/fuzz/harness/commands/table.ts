import fc from "fast-check";
import { usdc, wad } from "../../../helpers/units";
import type { Step } from "../step";
import { mint, probed, redeem, redeemDownTo, roundTrip, transfer, victim } from "./holders";
import { liquidate, longWait, price, rebalance, timePasses } from "./market";
import { cap, capDeposit, donate, fees, pause, retire } from "./operator";
import { liquidateTrader, traderDeposit, traderSettles, traderTrade, traderWithdraw } from "./traders";
import { TRADERS } from "../world";

/**
 * The table of the stateful fuzz's commands: an arbitrary for each and its weight in a sequence. Holders' commands,
 * the market's, the operator's, and the attacker's (actor 2): redeeming down to a few share units, dust mints,
 * donations of up to 1,000,000 USDC, gaps that put an account under water, and a careful victim minting at
 * minSharesOut = previewMint. The exchange's other users (traders of the market: deposits, trades, withdrawals down to
 * the maintenance margin, settling their own funding, liquidations of their accounts), long waits (weeks of funding)
 * and deposits into a token's account around its equity cap.
 */

const token = fc.nat(1);
const actor = fc.nat(2);
const trader = fc.nat(TRADERS - 1);
const amount = fc.oneof(
  { arbitrary: fc.bigInt(usdc(10), usdc(50_000)), weight: 5 },
  { arbitrary: fc.bigInt(1n, 1_000n), weight: 1 }, // dust
);

/** The table of commands: an arbitrary for each, and its weight in a sequence. */
export const COMMANDS: { arbitrary: fc.Arbitrary<Step>; weight: number }[] = [
  { arbitrary: fc.tuple(token, actor, amount).map(([t, a, x]) => mint(t, a, x)), weight: 4 },
  {
    arbitrary: fc
      .tuple(token, actor, amount, fc.integer({ min: 1, max: 100 }))
      .map(([t, a, x, p]) => probed(t, a, x, p)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(token, actor, fc.oneof(fc.integer({ min: 1, max: 99 }), fc.constant(100)), fc.boolean())
      .map(([t, a, p, max]) => redeem(t, a, p, max && p === 100)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(token, actor, actor, fc.integer({ min: 0, max: 100 }), fc.boolean())
      .map(([t, f, to, p, permit]) => transfer(t, f, to, p, permit)),
    weight: 1,
  },
  {
    arbitrary: fc
      .oneof(
        { arbitrary: fc.integer({ min: -300, max: 300 }), weight: 4 }, // small
        { arbitrary: fc.integer({ min: -2_000, max: 2_000 }), weight: 2 }, // large
        { arbitrary: fc.integer({ min: -6_000, max: 15_000 }), weight: 1 }, // gaps: -60% .. +150%
      )
      .map(price),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 3_600, max: 3 * 86_400 })), fc.boolean())
      .map(([s, stale]) => timePasses(s, stale && s < 3_000)),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(token, fc.constantFrom("rebalance" as const, "unpaid" as const, "batch" as const))
      .map(([t, via]) => rebalance(t, via)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(token, fc.boolean(), fc.nat(100), fc.nat(100), fc.bigInt(0n, wad("0.1")))
      .map(([t, admin, mb, rb, y]) => fees(t, admin, mb, rb, y)),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(token, fc.option(fc.bigInt(0n, usdc(200_000)), { freq: 3 }))
      .map(([t, value]) => cap(t, value ?? undefined)),
    weight: 1,
  },
  { arbitrary: fc.tuple(token, fc.boolean()).map(([t, pauser]) => pause(t, pauser)), weight: 1 },
  {
    arbitrary: fc
      .tuple(
        token,
        fc.constantFrom("exchangeDeposit" as const, "toToken" as const, "toExchange" as const),
        fc.oneof(amount, fc.bigInt(usdc(50_000), usdc(1_000_000))),
      )
      .map(([t, kind, x]) => donate(t, kind, x)),
    weight: 1,
  },
  { arbitrary: fc.tuple(token, actor, amount).map(([t, a, x]) => roundTrip(t, a, x)), weight: 1 },
  {
    arbitrary: fc
      .tuple(token, fc.option(fc.constantFrom(45, 60, 100, 1_000, -100, -5), { freq: 2 }), fc.boolean())
      .map(([t, push, doLiquidate]) => liquidate(t, push, doLiquidate || push === null)),
    weight: 2,
  },
  // The attacker's moves (actor 2) and its victim.
  { arbitrary: fc.tuple(token, fc.bigInt(1n, 1_000n)).map(([t, units]) => redeemDownTo(t, units)), weight: 2 },
  { arbitrary: fc.tuple(token, fc.bigInt(1n, 100n)).map(([t, x]) => mint(t, 2, x)), weight: 1 },
  {
    arbitrary: fc
      .tuple(token, fc.nat(1), fc.oneof(fc.bigInt(1n, 1_000n), fc.bigInt(usdc(1), usdc(100_000))))
      .map(([t, a, x]) => victim(t, a, x)),
    weight: 2,
  },
  { arbitrary: token.map(retire), weight: 1 },
  // The exchange's other users.
  { arbitrary: fc.tuple(trader, amount).map(([j, x]) => traderDeposit(j, x)), weight: 1 },
  {
    arbitrary: fc
      .tuple(
        trader,
        fc.constantFrom(
          "open" as const,
          "open" as const,
          "reduce" as const,
          "close" as const,
          "flip" as const,
          "dust" as const,
        ),
        fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 10_000 }), weight: 4 },
          { arbitrary: fc.integer({ min: 9_000, max: 11_000 }), weight: 1 }, // at the initial margin, and beyond
        ),
        fc.boolean(),
        fc.bigInt(1n, 10n ** 12n),
      )
      .map(([j, kind, fraction, long, dust]) => traderTrade(j, kind, fraction, long, dust)),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(trader, fc.constantFrom("maintenance" as const, "margin" as const))
      .map(([j, kind]) => traderWithdraw(j, kind)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(trader, fc.boolean(), fc.integer({ min: 1, max: 3_000 }))
      .map(([j, empty, wait]) => traderSettles(j, empty, wait)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(trader, fc.option(fc.constantFrom(45, 100, -100, -5), { freq: 2 }))
      .map(([j, push]) => liquidateTrader(j, push)),
    weight: 1,
  },
  // Weeks of funding, then a fresh price.
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 86_400 }))
      .map(([weeks, s]) => longWait(weeks, s)),
    weight: 1,
  },
  // Deposits into a token's account that take its equity just below, just above or far above its cap, then a mint.
  {
    arbitrary: fc
      .tuple(
        token,
        fc.bigInt(usdc(1_000), usdc(200_000)),
        fc.oneof(
          { arbitrary: fc.bigInt(-usdc(1_000), -1n), weight: 2 }, // just below
          { arbitrary: fc.bigInt(0n, 1_000n), weight: 1 }, // just above (or at)
          { arbitrary: fc.bigInt(usdc(1_000), usdc(1_000_000)), weight: 1 }, // far above
        ),
        fc.nat(1),
        fc.option(amount, { freq: 2 }),
        fc.bigInt(-3n, 3n),
      )
      .map(([t, capIfNone, offset, a, x, nudge]) => capDeposit(t, capIfNone, offset, a, x ?? undefined, nudge)),
    weight: 1,
  },
];
