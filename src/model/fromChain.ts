/** The exact model's settings, read from the contracts they model. */
import type { LeveragedToken, PerpExchange } from "../../typechain-types";
import type { MarketParams } from "./perp/types";
import type { TokenParams } from "./token/types";
import { MAX_UINT256 } from "./token/types";

/** A market's settings that move money, as `ExactTokenModel` takes them. */
export async function readMarketParams(exchange: PerpExchange, marketId: bigint | number): Promise<MarketParams> {
  const { config } = await exchange.market(marketId);
  return {
    takerFeeBps: config.takerFeeBps,
    fundingRatePerYear: config.fundingRatePerYear,
    initialMarginBps: config.initialMarginBps,
    maintenanceMarginBps: config.maintenanceMarginBps,
    liquidationPenaltyBps: config.liquidationPenaltyBps,
  };
}

/** A token's settings, as `ExactTokenModel` takes them. */
export async function readTokenParams(token: LeveragedToken): Promise<TokenParams> {
  const [targetLeverage, fees, settings, initialNav, equityCap, reward] = await Promise.all([
    token.targetLeverage(),
    token.fees(),
    token.rebalanceSettings(),
    token.initialNav(),
    token.equityCap(),
    token.rewardSettings(),
  ]);
  return {
    targetLeverage,
    band: settings.band,
    interval: settings.interval,
    mintFeeBps: fees.mintFeeBps,
    redeemFeeBps: fees.redeemFeeBps,
    managementFeePerYear: fees.managementFeePerYear,
    initialNav,
    equityCap: equityCap === MAX_UINT256 ? undefined : equityCap,
    reward: { cap: reward.cap, rampTime: reward.rampTime, maxPerYearBps: reward.maxPerYearBps },
  };
}
