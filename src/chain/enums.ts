/**
 * The contracts' enums as TypeScript names them, beside the typed contract access of `contracts.ts` but without its
 * TypeChain import, so that the exact model, the back-test and the browser use them too.
 */

/** ILeveragedToken.RebalanceAction, by its index: NONE, TIME (the interval passed), DRIFT (leverage left the band). */
export const REBALANCE_ACTIONS = ["none", "time", "drift"] as const;

export type RebalanceAction = (typeof REBALANCE_ACTIONS)[number];

/** A Solidity enum's `value` as its name in `names` (its members in order); throws for a value past the last. */
function enumName<Names extends readonly string[]>(names: Names, value: bigint | number, what: string): Names[number] {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`unknown ${what} ${value}`);
  return name;
}

/** A `rebalanceAction()` (or `keeperStatuses` action, or `Rebalanced` trigger) value as its name. */
export function rebalanceActionName(value: bigint | number): RebalanceAction {
  return enumName(REBALANCE_ACTIONS, value, "rebalance action");
}

/** LeveragedTokenFactory's MAX_LEVERAGE: at most 10 times, long or short. */
export const MAX_LEVERAGE = 10;

/** The factory's leverage rule in words, for error messages (see `isListableLeverage`). */
export const LEVERAGE_RULE = `a whole number between -${MAX_LEVERAGE} and ${MAX_LEVERAGE} other than 0 (e.g. 3 or -2)`;

/**
 * IPerpExchange.PriceStatus, by its index: FRESH (a state change may use the price), STALE (the feed's last answer,
 * older than the market's maximum age), INVALID (no usable answer; the exchange shows its last accepted price).
 * Unless fresh, mints, redeems and rebalances revert, and so do the views that value a position (NAV, equity).
 */
export const PRICE_STATUSES = ["fresh", "stale", "invalid"] as const;

export type PriceStatus = (typeof PRICE_STATUSES)[number];

/** An `accountState().priceStatus` (or lens, or `keeperStatus`) value as its name. */
export function priceStatusName(value: bigint | number): PriceStatus {
  return enumName(PRICE_STATUSES, value, "price status");
}
