/**
 * Errors as users read them: the contracts' custom errors decoded with their values in human units (stablecoin and
 * shares as decimals, leverage as 4.85x, times as UTC dates and "in 3 h 12 min", fees in percent), and what to do
 * about them; a UserError (src/text/userError.ts) as its message.
 */
import { id, Interface, isError } from "ethers";
import { LEVERAGE_RULE } from "./enums";
import { duration, formatAmount, formatLeverage, relativeTime, utcTime } from "../text/format";
import { FEED_DECIMALS, TOKEN_DECIMALS, USDC_DECIMALS } from "../text/units";
import { UserError } from "../text/userError";

/**
 * A transaction that was simulated before it was sent, sent, and reverted once mined: the chain changed in between
 * (the price or the pool moved, a feed went stale, another transaction came first). `replay` is the error of the same
 * call at the block it was mined in, which names the cause; undefined when the call no longer reverts there.
 */
export class MinedRevertError extends Error {
  override name = "MinedRevertError";
  constructor(
    readonly label: string,
    readonly hash: string,
    readonly blockNumber: number,
    readonly replay: unknown,
    /** Set when it ran out of gas: its gas limit, all used. */
    readonly outOfGas?: bigint,
  ) {
    super(`${label}: transaction ${hash} reverted in block ${blockNumber}`);
  }
}

/** What to do about the custom errors a user can run into, by name. */
const HINTS: Record<string, string> = {
  EnforcedPause: "minting is paused by the operator; redeeming still works",
  PerpStalePrice: "the price feed is stale: push a price (lt:set-price on local chains) or wait for the oracle",
  PerpInvalidPrice: "the price feed answered zero or a negative price",
  LeveragedTokenMintSlippage: "the price moved beyond --slippage; retry or allow more slippage",
  LeveragedTokenRedeemSlippage: "the price moved beyond --slippage; retry or allow more slippage",
  LeveragedTokenWipedOut: "the token's equity reached 0: it mints no more; holders can still redeem",
  LeveragedTokenRebalanceNotDue: "nothing to rebalance: leverage is inside the band and the interval has not passed",
  LeveragedTokenEquityCapExceeded: "the token is at its equity cap: mint less (up to the headroom) or later",
  AccessControlUnauthorizedAccount: "the signer lacks the role this action needs",
  OwnableUnauthorizedAccount: "the signer is not the contract's owner",
  ERC20InsufficientBalance: "not enough balance",
  ERC20InsufficientAllowance: "not enough allowance",
  FaucetLimitExceeded: "this address has drawn all the faucet allows",
  FactoryDuplicateToken: "that token exists already",
  FactoryInvalidLeverage: `leverage must be ${LEVERAGE_RULE}`,
  TradeRouterSlippage: "the price moved beyond --slippage; retry or allow more slippage",
  TradeRouterExpired: "the deadline passed before the trade was mined; retry",
  TradeRouterNoRoute: "neither the pool nor a mint/redeem can take the trade now",
  ListedPoolsNoPool: "the token has no pool against the stablecoin (lt:pool:add-liquidity creates one)",
  FlashArbitrageUnprofitable: "the pool is at NAV within the fees (or someone else arbitraged it first)",
};

/** How an error argument reads: its unit. */
type Unit = "usdc" | "shares" | "erc20" | "leverage" | "time" | "duration" | "feedPrice" | "bps" | "wadPercent";

/** The arguments with a unit, by error and argument name (the rest print as they are: ids, addresses, names). */
const UNITS: Record<string, Record<string, Unit>> = {
  LeveragedTokenMintSlippage: { shares: "shares", minSharesOut: "shares" },
  LeveragedTokenRedeemSlippage: { collateralOut: "usdc", minCollateralOut: "usdc" },
  LeveragedTokenRebalanceNotDue: { currentLeverage: "leverage", lastRebalance: "time", nextTimeRebalance: "time" },
  LeveragedTokenInvalidLeverage: { leverage: "leverage" },
  LeveragedTokenEquityCapExceeded: { cap: "usdc", headroom: "usdc" },
  FactoryInvalidLeverage: { leverage: "leverage" },
  FactoryDuplicateToken: { leverage: "leverage" },
  FactoryUnknownToken: { leverage: "leverage" },
  FaucetAmountTooLarge: { requested: "usdc", maxPerCall: "usdc" },
  FaucetLimitExceeded: { requested: "usdc", alreadyDrawn: "usdc", limit: "usdc" },
  PriceFeedInvalidAnswer: { answer: "feedPrice" },
  PerpStalePrice: { updatedAt: "time", maxPriceAge: "duration", currentTime: "time" },
  PerpInvalidPrice: { answer: "feedPrice" },
  PerpInsufficientMarginBalance: { requested: "usdc", margin: "usdc" },
  PerpMarginRequirementNotMet: { accountValue: "usdc", required: "usdc" },
  PerpNotLiquidatable: { accountValue: "usdc", maintenanceMargin: "usdc" },
  PerpInsufficientFund: { needed: "usdc", available: "usdc" },
  ERC20InsufficientBalance: { balance: "erc20", needed: "erc20" },
  ERC20InsufficientAllowance: { allowance: "erc20", needed: "erc20" },
};

/** Units that depend on another argument: which fee or which setting is too high. */
function unitOf(error: string, argument: string, args: Record<string, unknown>): Unit | undefined {
  if (error === "LeveragedTokenFeeTooHigh" && argument !== "fee") {
    return String(args.fee).endsWith("Bps") ? "bps" : "wadPercent";
  }
  if (error === "LeveragedTokenInvalidSetting" && argument === "value") {
    return args.setting === "interval" ? "duration" : args.setting === "band" ? "wadPercent" : undefined;
  }
  return UNITS[error]?.[argument];
}

export interface DescribeOptions {
  /** The chain's time (unix seconds) for "in 3 h 12 min"; the computer's clock when not given. */
  now?: bigint;
  /** Decimals of the ERC-20 whose balance or allowance fell short, when the caller knows which token it was. */
  erc20Decimals?: number;
}

function formatArgument(unit: Unit | undefined, value: unknown, options: DescribeOptions): string {
  if (typeof value !== "bigint" || unit === undefined) return String(value);
  const now = options.now ?? BigInt(Math.floor(Date.now() / 1000));
  switch (unit) {
    case "usdc":
      return `${formatAmount(value, USDC_DECIMALS)} USDC`;
    case "shares":
      return `${formatAmount(value, TOKEN_DECIMALS, 6)} tokens`;
    case "erc20":
      return options.erc20Decimals === undefined
        ? `${value} units`
        : formatAmount(value, options.erc20Decimals, Math.min(options.erc20Decimals, 6));
    case "leverage":
      return formatLeverage(value);
    case "time":
      return `${utcTime(value)} (${relativeTime(value, now)})`;
    case "duration":
      return duration(value);
    case "feedPrice":
      return `${formatAmount(value, FEED_DECIMALS, 2, true)} USD`;
    case "bps":
      return `${formatAmount(value, 2, 2, true)}%`;
    case "wadPercent":
      return `${formatAmount(value, 16, 4)}%`;
  }
}

/** Decodes a revert's custom error with any of `interfaces`: "Name(arg=value, ...)" in human units, or undefined. */
export function decodeRevert(
  error: unknown,
  interfaces: Interface[],
  options: DescribeOptions = {},
): { name: string; text: string } | undefined {
  const data = revertData(error);
  if (!data || data === "0x") return undefined;
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (!parsed) continue;
      const named = Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i]]));
      const args = parsed.fragment.inputs.map((input, i) => {
        const text = formatArgument(unitOf(parsed.name, input.name, named), parsed.args[i], options);
        return `${input.name || i}=${text}`;
      });
      return { name: parsed.name, text: `${parsed.name}(${args.join(", ")})` };
    } catch {
      // not this interface's error
    }
  }
  return undefined;
}

/** The exchange's price errors: a state change, or a view that values a position, met a stale or invalid price. */
const PRICE_ERROR_SELECTORS = [
  "PerpStalePrice(uint256,uint256,uint256,uint256)",
  "PerpInvalidPrice(uint256,int256)",
].map((signature) => id(signature).slice(0, 10));

/** Whether a call reverted because the exchange refused the price (`PerpStalePrice` or `PerpInvalidPrice`). */
export function isPriceRevert(error: unknown): boolean {
  const data = revertData(error);
  return data !== undefined && PRICE_ERROR_SELECTORS.includes(data.slice(0, 10));
}

/**
 * A view that values a position (`navPerShare`, `capHeadroom`, ...), or `fallback` where it reverted on a stale or
 * invalid price (any other error is thrown): what callers that show a token whatever its price read.
 */
export async function unlessPriceRevert<T>(read: Promise<T>, fallback: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isPriceRevert(error)) return fallback;
    throw error;
  }
}

/**
 * Whether a call failed because it reverted (an ethers CALL_EXCEPTION, revert data anywhere in the error, or a
 * node's "reverted" message), as opposed to a node that refused the request.
 */
export function isRevert(error: unknown): boolean {
  if (isError(error, "CALL_EXCEPTION") || revertData(error) !== undefined) return true;
  return error instanceof Error && /revert/i.test(error.message);
}

function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const record = current as Record<string, unknown>;
    if (typeof record.data === "string" && record.data.startsWith("0x")) return record.data;
    if (record.data && typeof record.data === "object") {
      const inner = (record.data as Record<string, unknown>).data;
      if (typeof inner === "string" && inner.startsWith("0x")) return inner;
    }
    current = record.error ?? record.info ?? record.cause;
  }
  return undefined;
}

/** One line for the user: a decoded custom error with its hint, a UserError's message, or the error's message. */
export function describeError(error: unknown, interfaces: Interface[], options: DescribeOptions = {}): string {
  if (error instanceof UserError) return error.message;
  if (error instanceof MinedRevertError) {
    const cause = decodeRevert(error.replay, interfaces, options);
    const hint = cause && HINTS[cause.name];
    const why =
      error.outOfGas !== undefined
        ? `: it ran out of gas (all of its limit of ${error.outOfGas}, estimated before the chain changed)`
        : cause
          ? ` with ${cause.text}${hint ? ` (${hint})` : ""}`
          : ", though its simulation had passed (the chain changed before it was mined)";
    return `${error.message}${why}: only its gas was spent; check the figures and run the command again`;
  }
  const decoded = decodeRevert(error, interfaces, options);
  if (decoded) {
    const hint = HINTS[decoded.name];
    return `the transaction would revert with ${decoded.text}${hint ? `: ${hint}` : ""}`;
  }
  if (isError(error, "ACTION_REJECTED")) return "you rejected the request in your wallet; nothing was sent";
  if (isError(error, "CALL_EXCEPTION")) return `the call reverted: ${error.shortMessage}`;
  if (error instanceof Error) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return (short ?? error.message).split("\n")[0];
  }
  return String(error);
}
