import { getAddress } from "ethers";
import { formatUsdc, table } from "../text/format";

/*
 * `lt:fees`: what the operators earned and what rebalancing cost, per token and per period (day or month), from the
 * indexer's /fees.
 */

type Raw = Record<string, string | number | boolean | null>;

export interface FeesBody {
  tokens: Raw[];
  days: Raw[];
  operators: Raw[];
  rebalances: Raw[];
}

const big = (v: unknown) => BigInt(String(v ?? "0"));

export interface FeeRow {
  symbol: string;
  period: string;
  mintFees: bigint;
  redeemFees: bigint;
  managementFees: bigint;
  takerFees: bigint;
  fundingPaid: bigint;
  keeperRewards: bigint;
  rebalances: number;
}

/** The day rows summed per token and period ("2026-12" for a month, "2026-12-07" for a day). */
export function feeRows(body: FeesBody, period: "day" | "month"): FeeRow[] {
  const symbols = new Map(body.tokens.map((t) => [String(t.address), String(t.symbol)]));
  const rows = new Map<string, FeeRow>();
  for (const d of body.days) {
    const symbol = symbols.get(String(d.token)) ?? String(d.token);
    const key = period === "month" ? String(d.day).slice(0, 7) : String(d.day);
    const id = `${symbol} ${key}`;
    const row = rows.get(id) ?? {
      symbol,
      period: key,
      mintFees: 0n,
      redeemFees: 0n,
      managementFees: 0n,
      takerFees: 0n,
      fundingPaid: 0n,
      keeperRewards: 0n,
      rebalances: 0,
    };
    row.mintFees += big(d.mintFees);
    row.redeemFees += big(d.redeemFees);
    row.managementFees += big(d.managementFeeUsdc);
    row.takerFees += big(d.takerFees);
    row.fundingPaid += big(d.fundingPaid);
    row.keeperRewards += big(d.keeperRewards);
    row.rebalances += Number(d.rebalances);
    rows.set(id, row);
  }
  return [...rows.values()].sort((a, b) => a.symbol.localeCompare(b.symbol) || a.period.localeCompare(b.period));
}

export function feesReport(body: FeesBody, period: "day" | "month"): string {
  const rows = feeRows(body, period);
  const lines: string[] = [];
  lines.push("fees earned by the operator and what the tokens paid the exchange (USDC)");
  lines.push(
    table(
      [
        "token",
        period,
        "mint fees",
        "redeem fees",
        "management",
        "taker fees",
        "funding paid",
        "keeper rewards",
        "rebalances",
      ],
      rows.map((r) => [
        r.symbol,
        r.period,
        formatUsdc(r.mintFees),
        formatUsdc(r.redeemFees),
        formatUsdc(r.managementFees),
        formatUsdc(r.takerFees),
        formatUsdc(r.fundingPaid),
        formatUsdc(r.keeperRewards),
        String(r.rebalances),
      ]),
    ),
  );
  const symbols = new Map(body.tokens.map((t) => [String(t.address), String(t.symbol)]));
  lines.push("");
  lines.push("per fee recipient");
  lines.push(
    table(
      ["recipient", "token", "mint fees", "redeem fees", "management (at NAV when minted)"],
      body.operators.map((o) => [
        getAddress(String(o.operator)),
        symbols.get(String(o.token)) ?? String(o.token),
        formatUsdc(big(o.mintFees)),
        formatUsdc(big(o.redeemFees)),
        formatUsdc(big(o.managementFeeUsdc)),
      ]),
    ),
  );
  const cost = new Map<string, { count: number; taker: bigint; reward: bigint }>();
  for (const r of body.rebalances) {
    const symbol = symbols.get(String(r.token)) ?? String(r.token);
    const c = cost.get(symbol) ?? { count: 0, taker: 0n, reward: 0n };
    c.count += 1;
    c.taker += big(r.takerFee);
    c.reward += big(r.keeperReward);
    cost.set(symbol, c);
  }
  lines.push("");
  lines.push("rebalance costs (the last 1,000 rebalances)");
  lines.push(
    table(
      ["token", "rebalances", "taker fees", "keeper rewards", "total", "per rebalance"],
      [...cost].map(([symbol, c]) => [
        symbol,
        String(c.count),
        formatUsdc(c.taker),
        formatUsdc(c.reward),
        formatUsdc(c.taker + c.reward),
        formatUsdc((c.taker + c.reward) / BigInt(c.count)),
      ]),
    ),
  );
  return lines.join("\n");
}
