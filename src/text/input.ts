/** Amounts as users type them: strict parsing, percentages and slippage limits. */
import { getAddress, parseUnits } from "ethers";
import { UserError } from "./userError";

// Units and formatting live in ./units and ./format; they are re-exported for the modules that import them here.

/**
 * Parses a human amount ("1000", "0.5") into integer units, strictly: no sign, no exponent, no more decimals than
 * the unit has. `what` names the amount in the error ("--amount").
 */
export function parseAmount(input: string, decimals: number, what: string, { allowZero = false } = {}): bigint {
  const text = String(input).trim();
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new UserError(`${what} must be a positive decimal number like 1000 or 0.5, not "${input}"`);
  }
  const fraction = text.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new UserError(`${what} has ${fraction.length} decimals; at most ${decimals} are possible`);
  }
  const value = parseUnits(text, decimals);
  if (value === 0n && !allowZero) throw new UserError(`${what} must be greater than 0`);
  return value;
}

/** Parses a percentage such as "0.5" (meaning 0.5%) into basis points of a basis point (1e-6 fraction). */
export function parsePercent(input: string, what: string, max = 100): number {
  const text = String(input).trim();
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > max) {
    throw new UserError(`${what} must be a percentage between 0 and ${max}, not "${input}"`);
  }
  return Number(text);
}

/** `amount x (100 - percent) / 100`, rounded down: the least a slippage limit accepts. */
export function withSlippage(amount: bigint, percent: number): bigint {
  const ppm = BigInt(Math.round(percent * 10_000));
  return (amount * (1_000_000n - ppm)) / 1_000_000n;
}

/** Whole basis points from 0 to `max` ("25"); anything else is a UserError naming `what`. */
export function parseBps(input: string, what: string, max: number): number {
  if (!/^\d+$/.test(String(input).trim()) || Number(input) > max) {
    throw new UserError(`${what} must be whole basis points from 0 to ${max}, not "${input}"`);
  }
  return Number(input);
}

/** `--to`: an address, or `fallback` when not given; anything else is a UserError. */
export function parseRecipient(input: string | undefined, fallback: string): string {
  if (input === undefined || input === "") return fallback;
  try {
    return getAddress(input);
  } catch {
    throw new UserError(`--to must be an address (0x followed by 40 hex digits), not "${input}"`);
  }
}
