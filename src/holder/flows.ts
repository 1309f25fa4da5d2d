import {
  MaxUint256,
  type BaseContract,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import type { AddressBook } from "../chain/addressBook";
import { withSlippage } from "../text/input";
import { connectStablecoin, connectToken, connectTradeRouter } from "../chain/contracts";
import { tokenPool, type Pool } from "../dex/pool";
import { quoteBuy, quoteSell, type Route, type TradeQuote } from "../dex/quotes";
import { UserError } from "../text/userError";
import { chainDeadline } from "../chain/blocks";
import { formatToken, formatUsdc } from "../text/format";
import { signPermitSignature } from "../chain/permit";
import { simulateAndSend, type Sendable } from "../tx/mined";
import { checkMint, checkRedeem, requireShares, requireUsdc } from "./checks";

/*
 * A holder's four trades, each one flow for the CLI tasks (lt:mint, lt:redeem, lt:buy, lt:sell) and the app's Trade
 * page: check (every refusal, before anything is sent) -> quote -> permit or approve -> simulate -> send -> the
 * result from the receipt's event. A permit wherever the coin paid in takes one (EIP-2612): a mint or a buy is one
 * signature and one transaction. The steps are reported through `onStep`; the tasks print them, the app draws them.
 * Runs in Node and in the browser (ethers only).
 */

export type HolderAction = "mint" | "redeem" | "buy" | "sell";

/** A step of a flow, as it happens. */
export type FlowStep =
  | { step: "check" }
  /** Mint or redeem: what the preview at `blockTag` promises (shares for a mint, stablecoin units for a redeem). */
  | { step: "quote"; action: "mint" | "redeem"; symbol: string; amountIn: bigint; expected: bigint; blockTag: number }
  /** Buy or sell: both routes quoted, as the TradeRouter compares them. */
  | { step: "routes"; action: "buy" | "sell"; symbol: string; quote: TradeQuote; pool?: Pool }
  /** An EIP-2612 permit of `amount` of `coin` to `spender`: asked of the wallet (`signed` false), then signed. */
  | { step: "permit"; coin: string; amount: bigint; spender: string; signed: boolean }
  /** An approval of exactly `amount` of `coin` (no permit there), sent before the trade. */
  | { step: "approve"; coin: string; amount: bigint }
  | { step: "simulate"; label: string }
  /** The transaction is asked of the wallet. */
  | { step: "confirm"; label: string }
  | { step: "pending"; label: string; hash: string }
  | { step: "mined"; label: string; hash: string; gasUsed: bigint; blockNumber: number };

/** Who trades, on which deployment, and how the steps are reported and the transactions waited for. */
export interface HolderSession {
  signer: Signer;
  book: Pick<AddressBook, "network" | "stablecoin" | "dex">;
  /** How long a signed permit or a trade through the router stays valid, in seconds of chain time. */
  deadlineSeconds: number;
  onStep(step: FlowStep): void | Promise<void>;
  /** Waits for a sent transaction's receipt (default: `tx.wait()`; the tasks re-broadcast a dropped one). */
  waitMined?(tx: ContractTransactionResponse): Promise<ContractTransactionReceipt | null>;
}

export interface TradeInput {
  /** The token's address. */
  token: string;
  /** Stablecoin units (mint, buy) or shares (redeem, sell). */
  amount: bigint;
  slippagePercent: number;
  /** Who receives the output (default: the signer). */
  receiver?: string;
}

/** A redeem's input: an amount of shares, or "all". */
export type RedeemInput = Omit<TradeInput, "amount"> & { amount: bigint | "all" };

/** What a trade did, from its transaction's event. */
export interface TradeResult {
  action: HolderAction;
  symbol: string;
  /** Stablecoin units or shares paid in, and what came out (shares or stablecoin units). */
  amountIn: bigint;
  amountOut: bigint;
  /** A mint's or redeem's fee in stablecoin units (0 for a trade on the pool). */
  fee: bigint;
  /** Buy and sell: the route the router took; mint and redeem: "nav". */
  route: Route;
  /** Whether a permit was signed instead of an approval. */
  permit: boolean;
  hash: string;
  blockNumber: number;
}

/**
 * Simulates `method(...args)`, sends it with its estimate plus a margin as its gas limit, waits for it; reports each
 * step under `label`. A transaction that reverts once mined is a `MinedRevertError` naming its block and its cause.
 */
async function sendStep<A extends unknown[]>(
  session: HolderSession,
  label: string,
  method: Sendable<A>,
  ...args: A
): Promise<ContractTransactionReceipt> {
  const { hash, receipt } = await simulateAndSend(label, method, args, session.waitMined, {
    simulating: () => session.onStep({ step: "simulate", label }),
    confirming: () => session.onStep({ step: "confirm", label }),
    sent: (hash) => session.onStep({ step: "pending", label, hash }),
  });
  await session.onStep({ step: "mined", label, hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber });
  return receipt;
}

/** Whether a coin takes EIP-2612 permits (the mock stablecoin and every leveraged token do; a testnet's may not). */
async function takesPermits(coin: { nonces(owner: string): Promise<bigint> }, owner: string): Promise<boolean> {
  return coin.nonces(owner).then(
    () => true,
    () => false,
  );
}

/** The chain's time plus the session's deadline. */
const deadline = (session: HolderSession) => chainDeadline(session.signer.provider, session.deadlineSeconds);

/** The decoded event `name` of `contract` in a receipt. */
export function eventOf(receipt: ContractTransactionReceipt, contract: BaseContract, name: string) {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== String(contract.target).toLowerCase()) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`${name} was not emitted in ${receipt.hash}`);
}

type Coin = ReturnType<typeof connectStablecoin> | ReturnType<typeof connectToken>;

/**
 * What paying `amount` of `coin` to `spender` takes: nothing when the allowance is there, else a permit where the
 * coin takes one (returned, for the `...WithPermit` call), else an approval of exactly the amount, sent now.
 */
async function allowOrPermit(
  session: HolderSession,
  coin: Coin,
  coinSymbol: string,
  owner: string,
  spender: string,
  amount: bigint,
) {
  if ((await coin.allowance(owner, spender)) >= amount) return undefined;
  if (await takesPermits(coin, owner)) {
    const until = await deadline(session);
    await session.onStep({ step: "permit", coin: coinSymbol, amount, spender, signed: false });
    const permit = await signPermitSignature(session.signer, coin, spender, amount, until);
    await session.onStep({ step: "permit", coin: coinSymbol, amount, spender, signed: true });
    return permit;
  }
  await session.onStep({ step: "approve", coin: coinSymbol, amount });
  await sendStep(session, `approve ${coinSymbol}`, coin.approve, spender, amount);
  return undefined;
}

/** Mints at NAV: one signature and one transaction (`mintWithPermit`) where the stablecoin takes permits. */
export async function mint(session: HolderSession, input: TradeInput): Promise<TradeResult> {
  const { signer, book } = session;
  const account = await signer.getAddress();
  const receiver = input.receiver ?? account;
  const token = connectToken(input.token, signer);
  const stablecoin = connectStablecoin(book.stablecoin, signer);
  await session.onStep({ step: "check" });
  const blockTag = await signer.provider!.getBlockNumber();
  const { symbol, expectedShares } = await checkMint(token, stablecoin, account, input.amount, blockTag);
  await session.onStep({
    step: "quote",
    action: "mint",
    symbol,
    amountIn: input.amount,
    expected: expectedShares,
    blockTag,
  });
  const minShares = withSlippage(expectedShares, input.slippagePercent);
  const permit = await allowOrPermit(session, stablecoin, "USDC", account, input.token, input.amount);
  const receipt = permit
    ? await sendStep(
        session,
        `mint ${symbol} (with a permit)`,
        token.mintWithPermit,
        input.amount,
        minShares,
        receiver,
        permit,
      )
    : await sendStep(session, `mint ${symbol}`, token.mint, input.amount, minShares, receiver);
  return atNav("mint", symbol, token, receipt, permit !== undefined);
}

/**
 * Redeems at NAV; `all` redeems the whole balance as the redeem finds it, after the management fee accrued
 * (`redeem(type(uint256).max, ...)` where the token's contracts take it), so a second "all" is never needed.
 */
export async function redeem(session: HolderSession, input: RedeemInput): Promise<TradeResult> {
  const { signer } = session;
  const account = await signer.getAddress();
  const receiver = input.receiver ?? account;
  const token = connectToken(input.token, signer);
  await session.onStep({ step: "check" });
  const blockTag = await signer.provider!.getBlockNumber();
  const shares = input.amount === "all" ? await token.balanceOf(account, { blockTag }) : input.amount;
  const { symbol, expectedUsdc } = await checkRedeem(token, account, shares, blockTag);
  await session.onStep({ step: "quote", action: "redeem", symbol, amountIn: shares, expected: expectedUsdc, blockTag });
  const all =
    input.amount === "all" &&
    (await token.redeem.staticCall(MaxUint256, 0n, receiver).then(
      () => true,
      () => false,
    ));
  const receipt = await sendStep(
    session,
    `redeem ${symbol}`,
    token.redeem,
    all ? MaxUint256 : shares,
    withSlippage(expectedUsdc, input.slippagePercent),
    receiver,
  );
  return atNav("redeem", symbol, token, receipt, false);
}

/** A mint's or a redeem's result, from its Minted or Redeemed event. */
function atNav(
  action: "mint" | "redeem",
  symbol: string,
  token: BaseContract,
  receipt: ContractTransactionReceipt,
  permit: boolean,
): TradeResult {
  const minting = action === "mint";
  const event = eventOf(receipt, token, minting ? "Minted" : "Redeemed").args;
  const [shares, collateral] = [event.shares as bigint, (minting ? event.collateralIn : event.collateralOut) as bigint];
  return {
    action,
    symbol,
    amountIn: minting ? collateral : shares,
    amountOut: minting ? shares : collateral,
    fee: event.fee as bigint,
    route: "nav",
    permit,
    hash: receipt.hash,
    blockNumber: receipt.blockNumber,
  };
}

/** The deployment's TradeRouter; a deployment without one is a UserError. */
function tradeRouter(session: HolderSession) {
  const address = session.book.dex?.tradeRouter;
  if (!address) {
    throw new UserError(
      `the deployment of ${session.book.network} has no TradeRouter (it predates it, or has no DEX): mint or redeem instead, or deploy again (npm run deploy -- --network ${session.book.network})`,
    );
  }
  return connectTradeRouter(address, session.signer);
}

/** Both routes of a buy or a sell of `amount`, as the TradeRouter compares them (for a preview or a trade). */
export async function quoteTrade(
  runner: Signer | NonNullable<Signer["provider"]>,
  book: HolderSession["book"],
  side: "buy" | "sell",
  token: string,
  amount: bigint,
): Promise<{ quote: TradeQuote; pool?: Pool }> {
  const pool = await tokenPool(runner, book, token);
  const read = connectToken(token, runner);
  const quote = side === "buy" ? await quoteBuy(read, pool, amount) : await quoteSell(read, pool, amount);
  return { quote, pool };
}

/** Buys by the better route (the pool or a mint at NAV) through the TradeRouter, with a permit of the stablecoin. */
export const buy = (session: HolderSession, input: TradeInput) => routerTrade(session, input, "buy");

/** Sells by the better route (the pool or a redeem at NAV) through the TradeRouter, with a permit of the token. */
export const sell = (session: HolderSession, input: TradeInput) => routerTrade(session, input, "sell");

async function routerTrade(session: HolderSession, input: TradeInput, side: "buy" | "sell"): Promise<TradeResult> {
  const { signer, book } = session;
  const buying = side === "buy";
  const account = await signer.getAddress();
  const receiver = input.receiver ?? account;
  const token = connectToken(input.token, signer);
  const stablecoin = connectStablecoin(book.stablecoin, signer);
  await session.onStep({ step: "check" });
  const router = tradeRouter(session);
  const symbol = await token.symbol();
  if (buying) await requireUsdc(stablecoin, account, input.amount, "the buy");
  else await requireShares(token, account, input.amount, "sell");
  const { quote, pool } = await quoteTrade(signer, book, side, input.token, input.amount);
  await session.onStep({ step: "routes", action: side, symbol, quote, pool });
  if (!quote.best) {
    throw new UserError(
      `neither route can ${buying ? "sell you" : "buy your"} ${symbol} now: pool: ${quote.pool.unavailable}; ${buying ? "mint" : "redeem"}: ${quote.nav.unavailable} (try again later)`,
    );
  }
  const minOut = withSlippage(quote.amountOut, input.slippagePercent);
  const routerAddress = await router.getAddress();
  const [coin, coinSymbol] = buying ? [stablecoin, "USDC"] : [token, symbol];
  const permit = await allowOrPermit(session, coin, coinSymbol, account, routerAddress, input.amount);
  const label = `${side} ${symbol}`;
  let receipt: ContractTransactionReceipt;
  if (permit) {
    const call = buying ? router.buyWithPermit : router.sellWithPermit;
    receipt = await sendStep(session, label, call, input.token, input.amount, minOut, receiver, permit);
  } else {
    const call = buying ? router.buy : router.sell;
    receipt = await sendStep(
      session,
      label,
      call,
      input.token,
      input.amount,
      minOut,
      receiver,
      await deadline(session),
    );
  }
  const event = eventOf(receipt, router, buying ? "Bought" : "Sold").args;
  return {
    action: side,
    symbol,
    amountIn: input.amount,
    amountOut: (buying ? event.sharesOut : event.collateralOut) as bigint,
    fee: 0n,
    route: Number(event.route) === 0 ? "pool" : "nav",
    permit: permit !== undefined,
    hash: receipt.hash,
    blockNumber: receipt.blockNumber,
  };
}

/** The four flows by action. */
export const FLOWS: Record<HolderAction, (session: HolderSession, input: TradeInput) => Promise<TradeResult>> = {
  mint,
  redeem,
  buy,
  sell,
};

/** A trade's result in one line, as the tasks print it and the app shows it. */
export function resultLine(r: TradeResult): string {
  const usdc = (v: bigint) => `${formatUsdc(v, 6)} USDC`;
  const tokens = (v: bigint) => `${formatToken(v)} ${r.symbol}`;
  const at = `in block ${r.blockNumber}`;
  switch (r.action) {
    case "mint":
      return `minted ${tokens(r.amountOut)} for ${usdc(r.amountIn)} (fee ${usdc(r.fee)}) ${at}`;
    case "redeem":
      return `redeemed ${tokens(r.amountIn)} for ${usdc(r.amountOut)} (fee ${usdc(r.fee)}) ${at}`;
    case "buy":
      return `bought ${tokens(r.amountOut)} for ${usdc(r.amountIn)} by ${r.route === "pool" ? "pool" : "mint"} ${at}`;
    case "sell":
      return `sold ${tokens(r.amountIn)} for ${usdc(r.amountOut)} by ${r.route === "pool" ? "pool" : "redeem"} ${at}`;
  }
}
