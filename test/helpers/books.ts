import { expect } from "chai";
import { resolveAddress, type AddressLike } from "ethers";
import type { MockStablecoin, PerpExchange } from "../../typechain-types";

/** Sum of the settled margins of `accounts` over every market of the exchange. */
export async function sumOfMargins(exchange: PerpExchange, accounts: AddressLike[]): Promise<bigint> {
  const markets = await exchange.marketCount();
  let sum = 0n;
  for (const account of accounts) {
    const address = await resolveAddress(account);
    for (let id = 0n; id < markets; id++) sum += (await exchange.accountState(address, id)).margin;
  }
  return sum;
}

/**
 * The books identity of the exchange: the margins of `accounts` (which must be every account that ever held margin)
 * over all markets, plus the fund, equal the stablecoin balance of the exchange, to the unit.
 */
export async function expectBooksBalance(
  exchange: PerpExchange,
  usdc: MockStablecoin,
  accounts: AddressLike[],
): Promise<void> {
  const margins = await sumOfMargins(exchange, accounts);
  const fund = await exchange.fundBalance();
  const balance = await usdc.balanceOf(await exchange.getAddress());
  expect(margins + fund, `margins ${margins} + fund ${fund} vs balance ${balance}`).to.equal(balance);
}
