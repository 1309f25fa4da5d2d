import { Interface, isError } from "ethers";
import { LEVERAGE_RULE } from "./contractTypes";

/** An error in what the user asked for: shown as one line, without a stack. */
export class UserError extends Error {
  override name = "UserError";
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

/** Decodes a revert's custom error with any of `interfaces`: "Name(arg=value, ...)", or undefined. */
export function decodeRevert(error: unknown, interfaces: Interface[]): { name: string; text: string } | undefined {
  const data = revertData(error);
  if (!data || data === "0x") return undefined;
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (!parsed) continue;
      const args = parsed.fragment.inputs.map((input, i) => `${input.name || i}=${String(parsed.args[i])}`);
      return { name: parsed.name, text: `${parsed.name}(${args.join(", ")})` };
    } catch {
      // not this interface's error
    }
  }
  return undefined;
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
export function describeError(error: unknown, interfaces: Interface[]): string {
  if (error instanceof UserError) return error.message;
  const decoded = decodeRevert(error, interfaces);
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
