import { sqrtFloor } from "../model/fixedPoint";

/**
 * A Uniswap V2 pair's arithmetic in bigint: swap amounts with the 0.3% fee exactly as the pair and
 * `contracts/libraries/UniswapV2Amounts.sol` compute them, and the closed-form best size of an arbitrage between the
 * pool and a route at a fixed price (a mint or a redeem at NAV, whose output is proportional to its input).
 */

/** The pool's fee: 3 in 1,000 of the amount in. */
export const POOL_FEE_PER_MILLE = 3n;
const KEPT = 1000n - POOL_FEE_PER_MILLE;

/** A pool's reserves, ordered as (leveraged token, stablecoin). */
export interface Reserves {
  tokenReserve: bigint; // shares, 18 decimals
  stableReserve: bigint; // stablecoin units, 6 decimals
}

/** What `amountIn` buys: `amountIn x 997 x reserveOut / (reserveIn x 1000 + amountIn x 997)`, rounded down. */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (reserveIn === 0n || reserveOut === 0n) return 0n;
  const withFee = amountIn * KEPT;
  return (withFee * reserveOut) / (reserveIn * 1000n + withFee);
}

/** What buying `amountOut` costs: `reserveIn x amountOut x 1000 / ((reserveOut - amountOut) x 997) + 1`. */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut >= reserveOut) throw new RangeError(`the pool holds ${reserveOut}, cannot give ${amountOut}`);
  return (reserveIn * amountOut * 1000n) / ((reserveOut - amountOut) * KEPT) + 1n;
}

/** A route's fixed rate: `out` for `in` (a preview of a mint or a redeem at a reference amount). */
export interface Rate {
  in: bigint;
  out: bigint;
}

/**
 * Pool above NAV: the stablecoin `c` to mint (at `mint`: shares per stablecoin) and sell to the pool that makes
 * the most, `getAmountOut(c x rate) - c`. With `a = c x rate` shares sold into reserves (x shares, y stablecoin),
 * the marginal proceeds `997 x y x 1000 x x / (1000 x + 997 a)^2` equal the marginal cost `1 / rate` at
 * `1000 x + 997 a = sqrt(997 x 1000 x x x y x rate)`; so `c = (sqrt(997000 x y x out x in) - 1000 x x in) /
 * (997 x out)`, rounded down. 0 when there is nothing to make (the pool is at or below the mint's price).
 */
export function bestMintAndSell({ tokenReserve: x, stableReserve: y }: Reserves, mint: Rate): bigint {
  if (mint.in === 0n || mint.out === 0n || x === 0n || y === 0n) return 0n;
  const root = sqrtFloor(KEPT * 1000n * x * y * mint.out * mint.in);
  const excess = root - 1000n * x * mint.in;
  return excess > 0n ? excess / (KEPT * mint.out) : 0n;
}

/**
 * Pool below NAV: the shares `s` to buy from the pool and redeem (at `redeem`: stablecoin per share) that make the
 * most, `s x rate - getAmountIn(s)`. The marginal cost of buying, `1000 x y x x / (997 (x - s)^2)`, equals the rate
 * at `x - s = sqrt(1000 x x x y / (997 x rate))`; so `s = x - sqrt(1000 x x x y x in x 997 x out) / (997 x out)`,
 * the root rounded up. 0 when there is nothing to make (the pool is at or above the redeem's price).
 */
export function bestBuyAndRedeem({ tokenReserve: x, stableReserve: y }: Reserves, redeem: Rate): bigint {
  if (redeem.in === 0n || redeem.out === 0n || x === 0n || y === 0n) return 0n;
  const denominator = KEPT * redeem.out;
  const root = sqrtFloor(1000n * x * y * redeem.in * denominator);
  const left = (root + denominator - 1n) / denominator; // x - s, rounded up
  return left < x ? x - left : 0n;
}

/**
 * The pool prices (stablecoin units per whole token) between which neither arbitrage pays, even before gas: above
 * `upper` minting at `mint` and selling to the pool makes money (the pool pays `997/1000` of its price at the
 * margin), below `lower` buying from the pool and redeeming at `redeem` does.
 */
export function arbitrageBounds(mint: Rate, redeem: Rate): { lower: bigint; upper: bigint } {
  const WHOLE = 10n ** 18n;
  return {
    lower: (redeem.out * WHOLE * KEPT) / (redeem.in * 1000n),
    upper: (mint.in * WHOLE * 1000n) / (mint.out * KEPT),
  };
}
