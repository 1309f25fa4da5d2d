import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { and, asc, client, desc, eq, graphql, or } from "ponder";
import { settings } from "../../settings";

/*
 * The indexer's HTTP API on loopback: Ponder's GraphQL (/graphql) and SQL over HTTP (/sql/*), and plain JSON for the
 * tasks and the app (/portfolio/:account, /fees, /tokens/:address/history). Every integer is a decimal string in the
 * contracts' units (stablecoin 6 decimals, shares 18, NAV stablecoin units per whole token, WAD for leverage and
 * prices); src/indexer/client.ts turns them into human units.
 */

const app = new Hono();

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

type Row = Record<string, unknown>;
const plain = (row: Row) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
const WAD = 10n ** 18n;
const isAddress = (s: string) => /^0x[0-9a-fA-F]{40}$/.test(s);

app.get("/info", (c) =>
  c.json({ network: settings.network, chainId: settings.chainId, startBlock: settings.startBlock }),
);

/** A holder's side of an activity row (one row is both sides of a transfer between two holders). */
function sides(a: typeof schema.activity.$inferSelect, holder: `0x${string}`, symbol: string) {
  const { sender, receiver, action, shares, usdc, ...rest } = a;
  const side = (out: boolean) =>
    plain({
      ...rest,
      account: holder,
      symbol,
      action: action === "transfer" ? (out ? "transfer-out" : "transfer-in") : action,
      shares: out ? -shares : shares, // > 0 in, < 0 out
      usdc: out ? usdc : -usdc, // > 0 received, < 0 paid
    });
  return [...(sender === holder ? [side(true)] : []), ...(receiver === holder ? [side(false)] : [])];
}

app.get("/portfolio/:account", async (c) => {
  const account = c.req.param("account");
  if (!isAddress(account)) return c.json({ error: `"${account}" is not an address (0x and 40 hex digits)` }, 400);
  const holder = account.toLowerCase() as `0x${string}`;
  const { activity: a } = schema;
  // Two indexed queries side by side: the positions with their tokens, and the activity rows on either side.
  const [rows, activity] = await Promise.all([
    db
      .select({ position: schema.position, token: schema.token })
      .from(schema.position)
      .innerJoin(schema.token, eq(schema.position.token, schema.token.address))
      .where(eq(schema.position.account, holder))
      .orderBy(asc(schema.token.symbol)),
    db
      .select()
      .from(a)
      .where(or(eq(a.sender, holder), eq(a.receiver, holder)))
      .orderBy(asc(a.block), asc(a.logIndex)),
  ]);
  const positions = rows.map(({ position: p, token: t }) => {
    const value = (p.shares * t.nav) / WAD;
    const dilution = p.dilution + (p.shares * (t.dilutionIndex - p.dilutionIndex)) / WAD;
    return plain({
      token: t.address,
      symbol: t.symbol,
      shares: p.shares,
      nav: t.nav,
      navBlock: t.navBlock,
      navTimestamp: t.navTimestamp,
      value,
      costBasis: p.costBasis,
      realizedPnl: p.realizedPnl,
      unrealizedPnl: value - p.costBasis,
      usdcPaid: p.usdcPaid,
      usdcReceived: p.usdcReceived,
      feesPaid: p.feesPaid,
      dilution,
      trades: p.trades,
    });
  });
  // Every token of the holder's activity has its position row (each side of a movement books one).
  const symbols = new Map(rows.map(({ token: t }) => [t.address, t.symbol]));
  return c.json({
    account: holder,
    positions,
    activity: activity.flatMap((row) => sides(row, holder, symbols.get(row.token) ?? "")),
  });
});

app.get("/fees", async (c) => {
  const tokens = await db.select().from(schema.token).orderBy(asc(schema.token.symbol));
  const days = await db.select().from(schema.tokenDay).orderBy(asc(schema.tokenDay.day));
  const operators = await db.select().from(schema.operatorFees);
  const rebalances = await db.select().from(schema.rebalance).orderBy(desc(schema.rebalance.block)).limit(1000);
  return c.json({
    tokens: tokens.map(plain),
    days: days.map(plain),
    operators: operators.map(plain),
    rebalances: rebalances.map(plain),
  });
});

app.get("/tokens/:address/history", async (c) => {
  const address = c.req.param("address");
  if (!isAddress(address)) return c.json({ error: `"${address}" is not an address (0x and 40 hex digits)` }, 400);
  const t = address.toLowerCase() as `0x${string}`;
  const limit = Math.min(Number(c.req.query("limit") ?? 1000) || 1000, 10_000);
  const [days, blocks, rebalances] = await Promise.all([
    db.select().from(schema.tokenDay).where(eq(schema.tokenDay.token, t)).orderBy(asc(schema.tokenDay.day)),
    db
      .select()
      .from(schema.tokenBlock)
      .where(eq(schema.tokenBlock.token, t))
      .orderBy(desc(schema.tokenBlock.block))
      .limit(limit),
    db
      .select()
      .from(schema.rebalance)
      .where(and(eq(schema.rebalance.token, t)))
      .orderBy(desc(schema.rebalance.block))
      .limit(limit),
  ]);
  return c.json({
    days: days.map(plain),
    blocks: blocks.reverse().map(plain),
    rebalances: rebalances.reverse().map(plain),
  });
});

export default app;
