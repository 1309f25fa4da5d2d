import { readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../text/userError";
import { ASSET_FILES, parseCandles, type Candle } from "./candles";

/** The shipped price file of an asset (BTC, ETH) under `root`; an unknown asset is a UserError. */
export function assetFile(root: string, asset: string): string {
  const file = ASSET_FILES[asset.toUpperCase()];
  if (!file) throw new UserError(`unknown asset "${asset}": choose ${Object.keys(ASSET_FILES).join(" or ")}, or --csv`);
  return path.join(root, file);
}

/** Reads and parses a candle file (see `parseCandles`); an unreadable one is a UserError. */
export function loadCandles(file: string): Candle[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`cannot read the price file ${file}`);
  }
  return parseCandles(text, file);
}
