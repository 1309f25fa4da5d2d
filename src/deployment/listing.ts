/**
 * What the factory lists, as TypeScript needs it: the one leverage rule and the symbol rule, written as
 * LeveragedTokenFactory.createToken applies them (test/deployment/listing.test.ts holds them against the factory).
 */
import type { Interface, TransactionReceipt } from "ethers";
import { WAD } from "../text/units";
import { LEVERAGE_RULE, MAX_LEVERAGE } from "../chain/enums";
import { UserError } from "../text/userError";

/**
 * The leverage rule (the factory's, else `FactoryInvalidLeverage`): a whole number of times from 1 to 10, positive
 * for a long token, negative for a short one. Deployment specs, `lt:create-token` and the back-test all use it.
 */
export function isListableLeverage(leverage: number): boolean {
  return Number.isInteger(leverage) && leverage !== 0 && Math.abs(leverage) <= MAX_LEVERAGE;
}

/** Parses a signed leverage ("3", "-2") by the rule; anything else is a UserError naming `what`. */
export function parseLeverage(input: string | undefined, what = "--leverage"): number {
  if (input === undefined) throw new UserError(`${what} is required (signed: 3 for 3x long, -3 for 3x short)`);
  const text = String(input).trim();
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isListableLeverage(value)) throw new UserError(`${what} must be ${LEVERAGE_RULE}, not "${input}"`);
  return value;
}

/** A signed whole leverage as the WAD the contracts take (3 -> 3e18). */
export const leverageWad = (leverage: number): bigint => BigInt(leverage) * WAD;

/**
 * The factory's token symbol: the market's asset, the times, L for long or S for short (BTC3L, ETH2S, SOL1S).
 * Successors of retired tokens get versioned symbols: the version goes here, the one place TypeScript derives one.
 */
export function tokenSymbol(asset: string, leverage: number): string {
  return `${asset}${Math.abs(leverage)}${leverage > 0 ? "L" : "S"}`;
}

/** The token a `createToken` receipt lists (its `TokenCreated` event, decoded with the factory's `iface`). */
export function createdToken(receipt: TransactionReceipt, iface: Interface): { address: string; symbol: string } {
  const event = receipt.logs
    .map((log) => {
      try {
        return iface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "TokenCreated");
  if (!event) throw new Error("TokenCreated was not emitted");
  const [address, , , symbol] = event.args as unknown as [string, bigint, bigint, string];
  return { address, symbol };
}
