import type { PerpExchange } from "../typechain-types";

/** An account's state on the perpetual exchange in one market, as `lt:info` and the app show it. */
export interface ExchangeAccount {
  margin: bigint; // stablecoin units, settled
  size: bigint; // base, 18 decimals, signed
  entryPrice: bigint; // WAD
  unrealizedPnl: bigint; // USD WAD
  fundingOwed: bigint; // USD WAD (> 0: the account pays)
  accountValue: bigint; // stablecoin units: margin + PnL - funding
  maintenanceMargin: bigint; // stablecoin units
  markPrice: bigint; // WAD, as the views use it
  priceIsFresh: boolean;
  marketSymbol: string;
}

export async function readExchangeAccount(
  exchange: PerpExchange,
  account: string,
  marketId: bigint,
): Promise<ExchangeAccount> {
  const [margin, entryPrice, unrealizedPnl, fundingOwed, accountValue, maintenanceMargin, market, snapshot] =
    await Promise.all([
      exchange.margin(account, marketId),
      exchange.entryPrice(account, marketId),
      exchange.unrealizedPnl(account, marketId),
      exchange.fundingOwed(account, marketId),
      exchange.accountValue(account, marketId),
      exchange.marginRequirement(account, marketId),
      exchange.market(marketId),
      exchange.accountSnapshot(account, marketId),
    ]);
  return {
    margin,
    size: snapshot.size,
    entryPrice,
    unrealizedPnl,
    fundingOwed,
    accountValue,
    maintenanceMargin,
    markPrice: snapshot.price,
    priceIsFresh: snapshot.priceIsFresh,
    marketSymbol: market.symbol,
  };
}
