import { Contract, type BlockTag, type ContractRunner } from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { WAD } from "../text/units";
import type { Reserves } from "./constantProduct";

/** A token's Uniswap V2 pool against the stablecoin, as read now. */
export interface Pool extends Reserves {
  pair: string;
}

const ZERO = /^0x0{40}$/;
// The two calls needed, as human-readable ABI (no generated types: the tasks load this module before a compile).
const PAIR_ABI = ["function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 timestamp)"];
const FACTORY_ABI = ["function getPair(address tokenA, address tokenB) view returns (address pair)"];

/**
 * A pair's reserves ordered as (token, stablecoin); a pair sorts its two tokens by address. At `blockTag` when given
 * (reads that must agree with each other are pinned to one block).
 */
export async function readPool(
  runner: ContractRunner,
  pair: string,
  token: string,
  stablecoin: string,
  blockTag?: BlockTag,
): Promise<Pool> {
  const contract = new Contract(pair, PAIR_ABI, runner);
  const [reserve0, reserve1] = (await contract.getReserves({ blockTag })) as [bigint, bigint];
  const tokenIs0 = BigInt(token) < BigInt(stablecoin);
  const [tokenReserve, stableReserve] = tokenIs0 ? [reserve0, reserve1] : [reserve1, reserve0];
  return { pair, tokenReserve, stableReserve };
}

/** `token`'s pair with `stablecoin` in the Uniswap V2 factory `dexFactory`; undefined when there is none. */
export async function findPair(
  runner: ContractRunner,
  dexFactory: string,
  token: string,
  stablecoin: string,
): Promise<string | undefined> {
  const pair = String(await new Contract(dexFactory, FACTORY_ABI, runner).getPair(token, stablecoin));
  return ZERO.test(pair) ? undefined : pair;
}

/** `token`'s pool against `stablecoin` in the Uniswap V2 factory `dexFactory`; undefined when there is none. */
export async function findPool(
  runner: ContractRunner,
  dexFactory: string,
  token: string,
  stablecoin: string,
): Promise<Pool | undefined> {
  const pair = await findPair(runner, dexFactory, token, stablecoin);
  return pair === undefined ? undefined : readPool(runner, pair, token, stablecoin);
}

/** `token`'s pool against the stablecoin, when the deployment has a DEX and the token a pool. */
export async function tokenPool(
  runner: ContractRunner,
  book: Pick<AddressBook, "dex" | "stablecoin">,
  token: string,
): Promise<Pool | undefined> {
  return book.dex ? findPool(runner, book.dex.factory, token, book.stablecoin) : undefined;
}

/** The pool's price of one whole token in stablecoin units (6 decimals), rounded down; undefined while empty. */
export function poolPrice(pool: Reserves): bigint | undefined {
  if (pool.tokenReserve === 0n || pool.stableReserve === 0n) return undefined;
  return (pool.stableReserve * WAD) / pool.tokenReserve;
}

/**
 * The token side of `stable` stablecoin units added to a pool: at the pool's price, or at `nav` (stablecoin units per
 * whole token) while the pool is empty or missing.
 */
export function liquidityTokenAmount(stable: bigint, nav: bigint, pool: Reserves | undefined): bigint {
  const atNav = (stable * WAD) / nav; // a NAV of 0 is refused (RangeError) either way
  return pool && pool.tokenReserve > 0n ? (stable * pool.tokenReserve) / pool.stableReserve : atNav;
}

/**
 * The pool's premium (positive) or discount (negative) to NAV: `price / nav - 1`, as a signed WAD fraction
 * (1e16 = 1%), rounded toward zero. Both in stablecoin units per whole token.
 */
export function premium(price: bigint, nav: bigint): bigint {
  if (nav === 0n) throw new RangeError("NAV is 0: a premium to it is undefined");
  return ((price - nav) * WAD) / nav;
}
