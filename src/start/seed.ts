import { parseUnits, type Signer } from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { USDC_DECIMALS } from "../text/units";
import { connectStablecoin, connectToken } from "../chain/contracts";

/** What `npm start` mints into every token nobody holds yet, so that every NAV on the page moves with its market. */
export const SEED_USDC = "1000";

/**
 * Mints `usdc` of every token of the address book whose supply is 0, from `signer` (the deployer on a local chain,
 * which may mint the mock stablecoin). Returns the symbols seeded.
 */
export async function seedEmptyTokens(book: AddressBook, signer: Signer, usdc = SEED_USDC): Promise<string[]> {
  const amount = parseUnits(usdc, USDC_DECIMALS);
  const me = await signer.getAddress();
  const stablecoin = connectStablecoin(book.stablecoin, signer);
  const seeded: string[] = [];
  for (const [symbol, address] of Object.entries(book.tokens)) {
    const token = connectToken(address, signer);
    if ((await token.totalSupply()) > 0n) continue;
    await (await stablecoin.mint(me, amount)).wait();
    await (await stablecoin.approve(address, amount)).wait();
    await (await token.mint(amount, 1n, me)).wait();
    seeded.push(symbol);
  }
  return seeded;
}
