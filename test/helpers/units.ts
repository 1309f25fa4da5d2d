import { ethers } from "ethers";

/** Stablecoin amount in its 6-decimal units: usdc("1000.5"). */
export const usdc = (amount: string | number): bigint => ethers.parseUnits(String(amount), 6);
/** 18-decimal amount (token shares, base size, WAD): wad("0.06"). */
export const wad = (amount: string | number): bigint => ethers.parseUnits(String(amount), 18);
/** 8-decimal feed answer: feedPrice(50000). */
export const feedPrice = (amount: string | number): bigint => ethers.parseUnits(String(amount), 8);

export const WAD = 10n ** 18n;
export const YEAR = 365n * 24n * 3600n;
export const DAY = 24n * 3600n;
