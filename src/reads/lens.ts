import type { ContractRunner, Provider } from "ethers";
import type { LeveragedTokenLens } from "../../typechain-types";
import type { AddressBook } from "../chain/addressBook";
import { decodeAbi } from "../chain/abiDecode";
import { UserError } from "../text/userError";
import { connectLensContract } from "../chain/contracts";
import type { Pool } from "../dex/pool";
import { priceStatusName, rebalanceActionName } from "../chain/enums";
import type { TokenState } from "./tokenState";

/**
 * Every listed token as a wallet page shows it, read through the LeveragedTokenLens: one `eth_call` per page of
 * tokens. The first page also says how many tokens there are; the other pages are then asked for together, which a
 * batching JSON-RPC provider (ethers' JsonRpcProvider) sends as one HTTP request: two round trips for any number of
 * tokens (a wallet's provider, which does not batch, makes one request per page).
 */

/** One token (LeveragedTokenLens.TokenView): the fields it shares with a token's own views, as in TokenState. */
export interface TokenListing extends Pick<
  TokenState,
  | "address"
  | "name"
  | "symbol"
  | "marketId"
  | "targetLeverage"
  | "leverage"
  | "navPerShare"
  | "equity"
  | "totalSupply"
  | "bandLower"
  | "bandUpper"
  | "action"
  | "lastRebalance"
  | "nextRebalance"
  | "positionSize"
  | "mintFeeBps"
  | "redeemFeeBps"
  | "managementFeePerYear"
  | "pendingFeeShares"
  | "paused"
  | "wipedOut"
  | "equityCap"
  | "capHeadroom"
  | "maxMint"
  | "priceStatus"
> {
  marketSymbol: string; // the exchange market's base asset, e.g. "BTC"
  price: bigint; // WAD, the underlying's mark price (as `priceStatus` says)
  /** Wiped out and retired by the factory: redeem only; a successor (e.g. BTC3Lv2) may be listed. */
  retired: boolean;
  /** The token/stablecoin pool, when there is one. */
  pool?: Pool;
  /** The account's balance (0 when no account was asked about). */
  balance: bigint;
  /** The token's maxRedeem for the account: its balance, or 0 while the price is not fresh (0 without an account). */
  maxRedeem: bigint;
}

export interface TokenList {
  blockNumber: bigint;
  timestamp: bigint; // unix seconds of the block read
  /** The account's stablecoin balance (0 when no account was asked about). */
  usdcBalance: bigint;
  tokens: TokenListing[];
}

/** Tokens per `eth_call`: a page costs about 100,000 gas a token, well inside any node's call gas cap. */
export const LENS_PAGE_SIZE = 100;

const NO_ADDRESS = "0x0000000000000000000000000000000000000000";

export interface TokenListOptions {
  /** Whose balances to include. */
  account?: string;
  /** Read at this block instead of the latest. */
  blockTag?: number | bigint;
  pageSize?: number;
}

/**
 * What reading through the lens needs of an address book: the factory, the lens, and the DEX factory for pool
 * reserves (none: no pools read). A keeper configured with addresses alone has no network name.
 */
export type LensBook = Pick<AddressBook, "factory" | "lens" | "dex"> & { network?: string };

/** The lens of an address book; an address book without one is a UserError that says what to do. */
export function connectLens(book: LensBook, runner: ContractRunner): LeveragedTokenLens {
  if (!book.lens) {
    const network = book.network ?? "<network>";
    throw new UserError(
      `the ${network} address book has no token lens (deployed before it existed): redeploy with npm run deploy -- --network ${network}`,
    );
  }
  return connectLensContract(book.lens, runner);
}

/** Every token of the address book's factory, in the factory's order. */
export async function readTokenList(
  book: LensBook,
  provider: Provider,
  options: TokenListOptions = {},
): Promise<TokenList> {
  const lens = connectLens(book, provider);
  const fragment = lens.interface.getFunction("tokens")!;
  const pageSize = options.pageSize ?? LENS_PAGE_SIZE;
  // Called and decoded by hand (src/chain/abiDecode.ts): ethers' decoder takes seconds for a page of 100 tokens.
  const page = async (offset: number) => {
    const args: [string, string, string, number, number] = [
      book.factory,
      book.dex?.factory ?? NO_ADDRESS,
      options.account ?? NO_ADDRESS,
      offset,
      pageSize,
    ];
    const data = await provider.call({
      to: book.lens,
      data: lens.interface.encodeFunctionData("tokens", args),
      blockTag: options.blockTag,
    });
    const [context, views] = decodeAbi(fragment.outputs, data) as [LensContext, LensView[]];
    return { context, views };
  };
  const first = await page(0);
  const offsets: number[] = [];
  for (let offset = pageSize; offset < Number(first.context.tokenCount); offset += pageSize) offsets.push(offset);
  const rest = await Promise.all(offsets.map(page));
  return {
    blockNumber: first.context.blockNumber,
    timestamp: first.context.timestamp,
    usdcBalance: first.context.collateralBalance,
    tokens: [first, ...rest].flatMap((p) => p.views.map(toListing)),
  };
}

/** LeveragedTokenLens.Context and TokenView as the decoder gives them (plain objects, fields by name). */
type LensContext = { [K in keyof LeveragedTokenLens.ContextStructOutput]: LeveragedTokenLens.ContextStructOutput[K] };
type LensView = Omit<LeveragedTokenLens.TokenViewStructOutput, "fees"> & {
  fees: { mintFeeBps: bigint; redeemFeeBps: bigint; managementFeePerYear: bigint; recipient: string };
};

function toListing(v: LensView): TokenListing {
  return {
    address: v.token,
    name: v.name,
    symbol: v.symbol,
    marketId: v.marketId,
    marketSymbol: v.marketSymbol,
    targetLeverage: v.targetLeverage,
    leverage: v.leverage,
    navPerShare: v.navPerShare,
    equity: v.equity,
    totalSupply: v.totalSupply,
    bandLower: v.bandLower,
    bandUpper: v.bandUpper,
    action: rebalanceActionName(v.action),
    lastRebalance: v.lastRebalance,
    nextRebalance: v.nextRebalance,
    positionSize: v.positionSize,
    price: v.price,
    priceStatus: priceStatusName(v.priceStatus),
    mintFeeBps: v.fees.mintFeeBps,
    redeemFeeBps: v.fees.redeemFeeBps,
    managementFeePerYear: v.fees.managementFeePerYear,
    pendingFeeShares: v.pendingFeeShares,
    paused: v.paused,
    wipedOut: v.wipedOut,
    retired: v.retired,
    equityCap: v.equityCap,
    capHeadroom: v.capHeadroom,
    maxMint: v.maxMint,
    pool:
      v.pool === NO_ADDRESS
        ? undefined
        : { pair: v.pool, tokenReserve: v.poolTokenReserve, stableReserve: v.poolCollateralReserve },
    balance: v.balance,
    maxRedeem: v.maxRedeem,
  };
}
