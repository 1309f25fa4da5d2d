/** The price of one whole token (18 decimals) in stablecoin units from a pool's reserves, rounded down; undefined
 * while the pool is empty. */
export function priceFromReserves(tokenReserve: bigint, usdcReserve: bigint): bigint | undefined {
  if (tokenReserve === 0n) return undefined;
  return (usdcReserve * 10n ** 18n) / tokenReserve;
}
