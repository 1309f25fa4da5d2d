import { feedAnswer, parseUsdc } from "../../src/text/units";
import { parseUnits } from "ethers";

/** Stablecoin amount in its 6-decimal units: usdc("1000.5"). */
export const usdc = parseUsdc;
/** 18-decimal amount (token shares, base size, WAD): wad("0.06"). */
export const wad = (amount: string | number): bigint => parseUnits(String(amount), 18);
/** 8-decimal feed answer: feedPrice(50000). */
export const feedPrice = feedAnswer;

export { DAY, WAD, YEAR } from "../../src/model/fixedPoint";
