import type { PerpExchange } from "../../typechain-types";
import { priceStatusName, type PriceStatus } from "../chain/enums";
import { entryPrice, requirement, unrealizedPnl } from "../model/perp/math";

/**
 * An account's state on the perpetual exchange in one market, as `lt:info` and the app show it: one `accountState`
 * (which never reverts), valued at `markPrice`, which `priceStatus` describes (a stale or invalid price is shown as
 * such: the exchange's views that need a price revert then). Entry price, PnL and margin from it (`./model/perp/math`).
 */
export interface ExchangeAccount {
  margin: bigint; // stablecoin units, settled
  size: bigint; // base, 18 decimals, signed
  entryPrice: bigint; // WAD
  unrealizedPnl: bigint; // USD WAD
  fundingOwed: bigint; // USD WAD (> 0: the account pays)
  accountValue: bigint; // stablecoin units: margin + PnL - funding
  maintenanceMargin: bigint; // stablecoin units
  markPrice: bigint; // WAD, what the values above are computed at
  priceStatus: PriceStatus;
  marketSymbol: string;
}

export async function readExchangeAccount(
  exchange: PerpExchange,
  account: string,
  marketId: bigint,
): Promise<ExchangeAccount> {
  const [state, market] = await Promise.all([exchange.accountState(account, marketId), exchange.market(marketId)]);
  return {
    margin: state.margin,
    size: state.size,
    entryPrice: entryPrice(state.size, state.openNotional),
    unrealizedPnl: unrealizedPnl(state.size, state.openNotional, state.price),
    fundingOwed: state.fundingOwed,
    accountValue: state.value,
    maintenanceMargin: requirement(state.size, state.price, market.config.maintenanceMarginBps),
    markPrice: state.price,
    priceStatus: priceStatusName(state.priceStatus),
    marketSymbol: market.symbol,
  };
}
