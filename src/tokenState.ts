import type { LeveragedToken } from "../typechain-types";

export const ACTIONS = ["none", "time", "drift"] as const;

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
  action: (typeof ACTIONS)[number];
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

export async function readTokenState(token: LeveragedToken): Promise<TokenState> {
  const [
    address,
    name,
    symbol,
    marketId,
    targetLeverage,
    leverage,
    navPerShare,
    equity,
    totalSupply,
    band,
    lastRebalance,
    nextRebalance,
    action,
    positionSize,
    positionNotional,
    fees,
    pendingFeeShares,
    paused,
    wipedOut,
    equityCap,
    capHeadroom,
  ] = await Promise.all([
    token.getAddress(),
    token.name(),
    token.symbol(),
    token.marketId(),
    token.targetLeverage(),
    token.currentLeverage(),
    token.navPerShare(),
    token.equity(),
    token.totalSupply(),
    token.leverageBand(),
    token.lastRebalanceTime(),
    token.nextRebalanceTime(),
    token.rebalanceAction(),
    token.positionSize(),
    token.positionNotional(),
    token.fees(),
    token.pendingManagementFeeShares(),
    token.paused(),
    token.wipedOut(),
    token.equityCap(),
    token.capHeadroom(),
  ]);
  return {
    address,
    name,
    symbol,
    marketId,
    targetLeverage,
    leverage,
    navPerShare,
    equity,
    totalSupply,
    bandLower: band[0],
    bandUpper: band[1],
    lastRebalance,
    nextRebalance,
    action: ACTIONS[Number(action)],
    positionSize,
    positionNotional,
    mintFeeBps: fees.mintFeeBps,
    redeemFeeBps: fees.redeemFeeBps,
    managementFeePerYear: fees.managementFeePerYear,
    feeRecipient: fees.recipient,
    pendingFeeShares,
    paused,
    wipedOut,
    equityCap,
    capHeadroom,
  };
}

/** No equity cap: the largest uint256, as the factory's defaults set it when none is given. */
export const NO_CAP = 2n ** 256n - 1n;
