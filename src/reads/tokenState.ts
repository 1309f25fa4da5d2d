import { ZeroAddress } from "ethers";
import type { LeveragedToken } from "../../typechain-types";
import { priceStatusName, rebalanceActionName, type PriceStatus, type RebalanceAction } from "../chain/enums";
import { unlessPriceRevert } from "../chain/reverts";
import { formatUsdc } from "../text/format";
import { MAX_UINT256 } from "../model/token/types";

/** What `shares` (18 decimals) are worth at `navPerShare` (stablecoin units per whole token), rounded down. */
export const valueAtNav = (shares: bigint, navPerShare: bigint): bigint => (shares * navPerShare) / 10n ** 18n;

/**
 * Everything a wallet or operator sees of one token, read in parallel. Leverage and equity are valued at the price
 * `priceStatus` describes; NAV, the position's notional and the cap's headroom are 0 where the token's views revert
 * because a position would be valued at a price that is not fresh (`isValued` says whether they are known).
 */
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
  rewardCap: bigint; // stablecoin units: the most a due rebalance pays its keeper
  rewardRampTime: bigint; // seconds from due to the cap
  rewardMaxPerYearBps: bigint; // the yearly bound of the keeper rewards, bps of equity
  pendingFeeShares: bigint;
  paused: boolean;
  wipedOut: boolean;
  equityCap: bigint; // stablecoin units; 2^256 - 1 for none
  capHeadroom: bigint; // stablecoin units a mint may still deposit
  maxMint: bigint; // stablecoin units a mint may take in now, its fee included (the token's maxMint; 2^256 - 1: no cap)
  priceStatus: PriceStatus; // of the price the exchange values the token's position at
}

/** Whether a token's NAV, notional and headroom are known: no position, or one valued at a fresh price. */
export const isValued = (t: { positionSize: bigint; priceStatus: PriceStatus }): boolean =>
  t.positionSize === 0n || t.priceStatus === "fresh";

/** A token's NAV in USDC with `decimals` places, or "- (stale price)" where it is not known. */
export function navText(t: { navPerShare: bigint; positionSize: bigint; priceStatus: PriceStatus }, decimals = 4) {
  const reason = unvaluedReason(t);
  return reason === undefined ? formatUsdc(t.navPerShare, decimals) : `- (${reason})`;
}

/** Why a token's NAV is not shown, or undefined when it is: "stale price", "invalid price". */
export function unvaluedReason(t: { positionSize: bigint; priceStatus: PriceStatus }): string | undefined {
  return isValued(t) ? undefined : `${t.priceStatus} price`;
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
  const { band, fees, status, reward, ...plain } = await readAll({
    address: token.getAddress(),
    name: token.name(),
    symbol: token.symbol(),
    marketId: token.marketId(),
    targetLeverage: token.targetLeverage(),
    status: token.keeperStatus(),
    navPerShare: unlessPriceRevert(token.navPerShare(), 0n),
    totalSupply: token.totalSupply(),
    band: token.leverageBand(),
    lastRebalance: token.lastRebalanceTime(),
    nextRebalance: token.nextRebalanceTime(),
    positionSize: token.positionSize(),
    positionNotional: unlessPriceRevert(token.positionNotional(), 0n),
    fees: token.fees(),
    reward: token.rewardSettings(),
    pendingFeeShares: token.pendingManagementFeeShares(),
    paused: token.paused(),
    wipedOut: token.wipedOut(),
    equityCap: token.equityCap(),
    capHeadroom: unlessPriceRevert(token.capHeadroom(), 0n),
    maxMint: token.maxMint(ZeroAddress), // the same for every receiver
  });
  return {
    ...plain,
    leverage: status.leverage,
    equity: status.equity_,
    priceStatus: priceStatusName(status.priceStatus),
    bandLower: band[0],
    bandUpper: band[1],
    action: rebalanceActionName(status.action),
    mintFeeBps: fees.mintFeeBps,
    redeemFeeBps: fees.redeemFeeBps,
    managementFeePerYear: fees.managementFeePerYear,
    feeRecipient: fees.recipient,
    rewardCap: reward.cap,
    rewardRampTime: reward.rampTime,
    rewardMaxPerYearBps: reward.maxPerYearBps,
  };
}

/** No equity cap: the largest uint256, as the factory's defaults set it when none is given. */
export const NO_CAP = MAX_UINT256;

/** What a mint may still add under a token's equity cap, in USDC: "no cap", "full" or the amount. */
export function capHeadroomText(t: { equityCap: bigint; capHeadroom: bigint }): string {
  if (t.equityCap === NO_CAP) return "no cap";
  if (t.capHeadroom === 0n) return "full";
  return formatUsdc(t.capHeadroom);
}
