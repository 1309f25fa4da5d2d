import type { LeveragedToken } from "../typechain-types";
import { rebalanceActionName, type RebalanceAction } from "./contractTypes";
import { formatUsdc } from "./format";

/** What `shares` (18 decimals) are worth at `navPerShare` (stablecoin units per whole token), rounded down. */
export const valueAtNav = (shares: bigint, navPerShare: bigint): bigint => (shares * navPerShare) / 10n ** 18n;

/** Everything a wallet or operator sees of one token, read in parallel. */
export interface TokenState {
  address: string;
  name: string;
  symbol: string;
  marketId: bigint;
  targetLeverage: bigint; // signed WAD
  leverage: bigint; // signed WAD
  navPerShare: bigint; // stablecoin units per whole token
  equity: bigint; // stablecoin units
  totalSupply: bigint; // 18 decimals
  bandLower: bigint; // WAD
  bandUpper: bigint; // WAD
  lastRebalance: bigint; // unix seconds
  nextRebalance: bigint; // unix seconds
  action: RebalanceAction;
  positionSize: bigint; // base units, 18 decimals
  positionNotional: bigint; // USD WAD
  mintFeeBps: bigint;
  redeemFeeBps: bigint;
  managementFeePerYear: bigint; // WAD
  feeRecipient: string;
  pendingFeeShares: bigint;
  paused: boolean;
  wipedOut: boolean;
  equityCap: bigint; // stablecoin units; 2^256 - 1 for none
  capHeadroom: bigint; // stablecoin units a mint may still deposit
}

/** Awaits every promise of an object at once (concurrent calls go out as one JSON-RPC batch). */
export async function readAll<T extends Record<string, Promise<unknown>>>(
  reads: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const values = await Promise.all(Object.values(reads));
  return Object.fromEntries(Object.keys(reads).map((key, i) => [key, values[i]])) as {
    [K in keyof T]: Awaited<T[K]>;
  };
}

export async function readTokenState(token: LeveragedToken): Promise<TokenState> {
  const { band, fees, action, ...plain } = await readAll({
    address: token.getAddress(),
    name: token.name(),
    symbol: token.symbol(),
    marketId: token.marketId(),
    targetLeverage: token.targetLeverage(),
    leverage: token.currentLeverage(),
    navPerShare: token.navPerShare(),
    equity: token.equity(),
    totalSupply: token.totalSupply(),
    band: token.leverageBand(),
    lastRebalance: token.lastRebalanceTime(),
    nextRebalance: token.nextRebalanceTime(),
    action: token.rebalanceAction(),
    positionSize: token.positionSize(),
    positionNotional: token.positionNotional(),
    fees: token.fees(),
    pendingFeeShares: token.pendingManagementFeeShares(),
    paused: token.paused(),
    wipedOut: token.wipedOut(),
    equityCap: token.equityCap(),
    capHeadroom: token.capHeadroom(),
  });
  return {
    ...plain,
    bandLower: band[0],
    bandUpper: band[1],
    action: rebalanceActionName(action),
    mintFeeBps: fees.mintFeeBps,
    redeemFeeBps: fees.redeemFeeBps,
    managementFeePerYear: fees.managementFeePerYear,
    feeRecipient: fees.recipient,
  };
}

/** No equity cap: the largest uint256, as the factory's defaults set it when none is given. */
export const NO_CAP = 2n ** 256n - 1n;

/** What a mint may still add under a token's equity cap, in USDC: "no cap", "full" or the amount. */
export function capHeadroomText(t: { equityCap: bigint; capHeadroom: bigint }): string {
  if (t.equityCap === NO_CAP) return "no cap";
  if (t.capHeadroom === 0n) return "full";
  return formatUsdc(t.capHeadroom);
}
