/*
 * A holder's position in one token at average cost, in integers (stablecoin units, shares in 18 decimals). Every
 * stablecoin amount paid for shares enters the cost basis; every disposal takes out the basis of the shares it
 * disposes of in proportion and books proceeds less that basis as realized. So for any sequence,
 * realized + (shares x NAV - cost basis) = received - paid + shares x NAV, exactly: the differential test's identity.
 *
 * The indexer sees a movement of shares before the stablecoin side of it when the latter comes later in the
 * transaction (a mint's Transfer before Minted, a pool's Transfer before its Swap): it books the shares first with no
 * money, then `addCost` or `addProceeds`.
 */

export interface Ledger {
  shares: bigint;
  costBasis: bigint;
  realizedPnl: bigint;
}

export const WAD = 10n ** 18n;

/** `shares` at `nav` (stablecoin units per whole token), rounded down. */
export function valueAt(shares: bigint, nav: bigint): bigint {
  return (shares * nav) / WAD;
}

export function acquire(p: Ledger, shares: bigint, cost: bigint): Ledger {
  return { shares: p.shares + shares, costBasis: p.costBasis + cost, realizedPnl: p.realizedPnl };
}

export function dispose(p: Ledger, shares: bigint, proceeds: bigint): Ledger {
  const removed = shares >= p.shares ? p.costBasis : p.shares === 0n ? 0n : (p.costBasis * shares) / p.shares;
  return {
    shares: p.shares > shares ? p.shares - shares : 0n,
    costBasis: p.costBasis - removed,
    realizedPnl: p.realizedPnl + proceeds - removed,
  };
}

/** The cost of `acquired` shares booked earlier: into the basis for what is still held, realized for the rest. */
export function addCost(p: Ledger, acquired: bigint, cost: bigint): Ledger {
  const held = acquired === 0n ? 0n : p.shares < acquired ? p.shares : acquired;
  const kept = acquired === 0n ? 0n : (cost * held) / acquired;
  return { shares: p.shares, costBasis: p.costBasis + kept, realizedPnl: p.realizedPnl - (cost - kept) };
}

/** The proceeds of shares disposed of earlier. */
export function addProceeds(p: Ledger, proceeds: bigint): Ledger {
  return { ...p, realizedPnl: p.realizedPnl + proceeds };
}

export function unrealizedPnl(p: Ledger, nav: bigint): bigint {
  return valueAt(p.shares, nav) - p.costBasis;
}
