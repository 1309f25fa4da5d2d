import btcCsv from "../../../data/btc-usd-daily.csv?url";
import ethCsv from "../../../data/eth-usd-daily.csv?url";

/** The daily closes shipped in data/, by asset, as URLs the app fetches (the Decay page's years, the local cost line). */
export const PRICE_FILES: Record<string, string> = { BTC: btcCsv, ETH: ethCsv };
