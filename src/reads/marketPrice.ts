import { ZeroAddress, type Provider } from "ethers";
import { CONTRACT_INTERFACES, LeveragedTokenFactory__factory, PerpExchange__factory } from "../chain/contracts";
import { decodeRevert } from "../chain/reverts";
import { COLLATERAL_SCALE } from "../model/fixedPoint";

/**
 * A reader of the price of the factory's exchange's `market` (its mark price: the feed's answer, never reverting), in
 * stablecoin units per whole unit of the asset; undefined when the exchange has no such market. What the bots price
 * their gas with (the ETH market), unless given a price.
 */
export async function marketPriceReader(
  factory: string,
  market: string,
  provider: Provider,
): Promise<(() => Promise<bigint>) | undefined> {
  const tokenFactory = LeveragedTokenFactory__factory.connect(factory, provider);
  const exchange = PerpExchange__factory.connect(await tokenFactory.exchange(), provider);
  let marketId: bigint;
  try {
    marketId = await exchange.marketIdOf(market);
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name !== "PerpUnknownSymbol") throw error;
    return undefined;
  }
  return async () => (await exchange.accountState(ZeroAddress, marketId)).price / COLLATERAL_SCALE;
}
