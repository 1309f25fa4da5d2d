import { getAddress, parseUnits } from "ethers";
import { expm1 } from "../model/token/types";
import { parseAmount, parseBps } from "../text/input";
import { UserError } from "../text/userError";
import { formatAmount, formatBps, formatRatePerYear } from "../text/format";
import { USDC_DECIMALS } from "../text/units";

const WAD = 10n ** 18n;

/**
 * What holding a token for a year costs in management fee, as a WAD fraction of the holding: the fee dilutes
 * continuously, so holders keep `e^-rate` (ManagementFee.sol), that is lose `(e^rate - 1) / e^rate`.
 */
export function annualManagementCost(managementFeePerYear: bigint): bigint {
  const grown = expm1(managementFeePerYear);
  return (grown * WAD) / (WAD + grown);
}

/** A token's fees in plain sentences, for a holder. */
export function describeFees(fees: {
  mintFeeBps: bigint;
  redeemFeeBps: bigint;
  managementFeePerYear: bigint;
  fundingRatePerYear?: bigint; // the market's, signed WAD; longs pay when > 0
  long?: boolean;
  takerFeeBps?: bigint; // the market's
  reward?: { cap: bigint; maxPerYearBps: bigint }; // the token's keeper reward (LeveragedToken.rewardSettings)
}): string[] {
  const lines = [
    `Minting costs ${formatBps(fees.mintFeeBps)} of the USDC you pay in; redeeming costs ${formatBps(fees.redeemFeeBps)} of the USDC you take out.`,
    `A management fee of ${formatRatePerYear(fees.managementFeePerYear)} a year is taken a little every second by creating new tokens for the fee recipient: holding for a year costs ${formatAmount(annualManagementCost(fees.managementFeePerYear), 16, 2, true)}% of your holding, whatever the price does.`,
  ];
  if (fees.fundingRatePerYear !== undefined && fees.fundingRatePerYear !== 0n) {
    const rate = fees.fundingRatePerYear < 0n ? -fees.fundingRatePerYear : fees.fundingRatePerYear;
    const pays = fees.fundingRatePerYear > 0n === (fees.long ?? true);
    lines.push(
      `The token's position ${pays ? "pays" : "receives"} funding of ${formatRatePerYear(rate)} a year of its size (${fees.fundingRatePerYear > 0n ? "longs pay shorts" : "shorts pay longs"}), which moves the NAV a little every second.`,
    );
  }
  const taker = fees.takerFeeBps === undefined ? "" : ` (${formatBps(fees.takerFeeBps)})`;
  lines.push(
    `Every mint, redeem and rebalance pays the exchange's taker fee${taker} on the size it trades, out of the token's equity.`,
  );
  if (fees.reward !== undefined && fees.reward.cap !== 0n && fees.reward.maxPerYearBps !== 0n) {
    lines.push(
      `Whoever rebalances the token when it is due is paid a reward out of its equity: at most ${formatAmount(fees.reward.cap, USDC_DECIMALS, 2)} USDC a rebalance and at most ${formatBps(fees.reward.maxPerYearBps)} of the equity a year in all.`,
    );
  }
  return lines;
}

/** A token's fees as the token holds them (`fees()`). */
export interface TokenFees {
  mintFeeBps: bigint;
  redeemFeeBps: bigint;
  managementFeePerYear: bigint;
  recipient: string;
}

/**
 * `current` with the changes an operator typed (lt:set-fees: basis points, percent a year, an address; an omitted
 * one stays), held to the token's caps (100 bps, 10% a year); anything else is a UserError.
 */
export function changedFees(
  current: TokenFees,
  changes: { mintBps?: string; redeemBps?: string; managementPerYear?: string; recipient?: string },
) {
  let recipient = current.recipient;
  if (changes.recipient !== undefined) {
    try {
      recipient = getAddress(changes.recipient);
    } catch {
      throw new UserError(`--recipient must be an address, not "${changes.recipient}"`);
    }
  }
  const management =
    changes.managementPerYear === undefined
      ? current.managementFeePerYear
      : parseAmount(changes.managementPerYear, 16, "--management-per-year", { allowZero: true });
  if (management > parseUnits("0.1", 18)) throw new UserError("--management-per-year is capped at 10 (percent)");
  return {
    mintFeeBps: changes.mintBps === undefined ? current.mintFeeBps : parseBps(changes.mintBps, "--mint-bps", 100),
    redeemFeeBps:
      changes.redeemBps === undefined ? current.redeemFeeBps : parseBps(changes.redeemBps, "--redeem-bps", 100),
    managementFeePerYear: management,
    recipient,
  };
}
