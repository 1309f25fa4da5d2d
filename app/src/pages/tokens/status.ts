import { relativeTime } from "@lt/text/format";
import type { TokenListing } from "@lt/reads/lens";

/** What a token is doing, in a word or two. */
export function tokenStatus(t: TokenListing): string {
  if (t.retired) return "retired (redeem only)";
  if (t.wipedOut) return "wiped out";
  if (t.paused) return "minting paused";
  if (t.priceStatus !== "fresh") return `${t.priceStatus} price`;
  if (t.totalSupply === 0n) return "no holders yet";
  return "active";
}

/** When the next rebalance comes: "drift due", "due now", a countdown in chain time, or "-" when none can come. */
export function nextRebalance(t: TokenListing, now: bigint): string {
  if (t.wipedOut || t.equity === 0n) return "-";
  if (t.action === "drift") return "drift due";
  if (t.action === "time") return "due now";
  return t.nextRebalance > now ? relativeTime(t.nextRebalance, now) : "-";
}
