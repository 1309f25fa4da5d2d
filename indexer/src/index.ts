import { ponder, type Context } from "ponder:registry";
import {
  activity,
  exchangeCost,
  operatorFees,
  pending,
  position,
  rebalance,
  token,
  tokenBlock,
  tokenDay,
  tokenList,
} from "ponder:schema";
import { addCost, addProceeds, acquire, dispose, valueAt, WAD, type Ledger } from "../../src/indexer/ledger";
import { tokenAbi } from "../abis";
import { settings } from "../settings";

type Hex = `0x${string}`;
type TokenRow = typeof token.$inferSelect;
type DayFlows = Partial<
  Pick<
    typeof tokenDay.$inferSelect,
    | "mintedUsdc"
    | "redeemedUsdc"
    | "poolVolumeUsdc"
    | "mintFees"
    | "redeemFees"
    | "managementFeeUsdc"
    | "takerFees"
    | "fundingPaid"
    | "keeperRewards"
    | "rebalances"
  >
>;

const ZERO: Hex = "0x0000000000000000000000000000000000000000";
const DEAD: Hex = "0x000000000000000000000000000000000000dead";
const STABLE_SCALE = 10n ** 12n; // USD WAD -> stablecoin units (6 decimals)
const passThrough = new Set(settings.passThrough.map((a) => a.toLowerCase()));
const pools = new Map(Object.entries(settings.pools).map(([pair, t]) => [pair.toLowerCase(), t.toLowerCase() as Hex]));
const poolOf = new Map([...pools].map(([pair, t]) => [t, pair as Hex]));

const lower = (a: string) => a.toLowerCase() as Hex;
/** Addresses whose shares are no holder's: the zero address, the dead shares, the pools, the router. */
const isHolder = (a: Hex) => a !== ZERO && a !== DEAD && !pools.has(a) && !passThrough.has(a);
const dayOf = (timestamp: bigint) => new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
const premiumBps = (poolPrice: bigint | null, nav: bigint) =>
  poolPrice === null || nav === 0n ? null : ((poolPrice - nav) * 10_000n) / nav;

async function tokenRow(context: Context, address: Hex): Promise<TokenRow | null> {
  return context.db.find(token, { address });
}

type TokenState = Pick<TokenRow, "nav" | "equity" | "currentLeverage">;

const stateCalls = (address: Hex) =>
  [
    { abi: tokenAbi, address, functionName: "navPerShare" },
    { abi: tokenAbi, address, functionName: "equity" },
    { abi: tokenAbi, address, functionName: "currentLeverage" },
  ] as const;

/**
 * The NAV, equity and leverage of `rows` at `block` in one eth_call: viem's deployless multicall (Multicall3's code
 * run in the call itself, so no contract need be deployed on the chain). A view that reverts (a stale or invalid
 * price: the token's views revert as a mint would) keeps the row's last value.
 */
async function readStates(context: Context, rows: TokenRow[], block: bigint): Promise<TokenState[]> {
  type Result = { status: "success"; result: bigint } | { status: "failure" };
  let results: Result[];
  try {
    results = (await context.client.multicall({
      contracts: rows.flatMap((t) => stateCalls(t.address)),
      blockNumber: block,
      deployless: true,
      allowFailure: true,
    })) as Result[];
  } catch {
    results = [];
  }
  const value = (i: number, fallback: bigint) => {
    const r = results[i];
    return r?.status === "success" ? r.result : fallback;
  };
  return rows.map((t, k) => ({
    nav: value(3 * k, t.nav),
    equity: value(3 * k + 1, t.equity),
    currentLeverage: value(3 * k + 2, t.currentLeverage),
  }));
}

/**
 * Reads the NAV, equity and leverage of the tokens of `rows` not read at `block` yet (one eth_call for all of them)
 * and keeps them per block and per day; later events of the block that change a token's state keep it again
 * themselves (keepBlock). Returns the rows, fresh.
 */
async function snapshotAll(context: Context, rows: TokenRow[], block: bigint, timestamp: bigint): Promise<TokenRow[]> {
  const stale = rows.filter((t) => t.navBlock < block);
  if (stale.length === 0) return rows;
  const states = await readStates(context, stale, block);
  const fresh = new Map<Hex, TokenRow>();
  for (const [k, t] of stale.entries()) {
    const row = await context.db
      .update(token, { address: t.address })
      .set({ ...states[k], navBlock: block, navTimestamp: timestamp });
    await keepBlock(context, row, block, timestamp);
    fresh.set(t.address, row);
  }
  return rows.map((t) => fresh.get(t.address) ?? t);
}

async function snapshot(context: Context, t: TokenRow, block: bigint, timestamp: bigint): Promise<TokenRow> {
  return (await snapshotAll(context, [t], block, timestamp))[0];
}

async function keepBlock(context: Context, t: TokenRow, block: bigint, timestamp: bigint, flows: DayFlows = {}) {
  const state = {
    timestamp,
    nav: t.nav,
    equity: t.equity,
    leverage: t.currentLeverage,
    supply: t.supply,
    poolPrice: t.poolPrice,
    premiumBps: premiumBps(t.poolPrice, t.nav),
  };
  await context.db
    .insert(tokenBlock)
    .values({ token: t.address, block, ...state })
    .onConflictDoUpdate(state);
  // The day's row closes on the block's state.
  const { timestamp: _timestamp, nav: closeNav, ...closing } = state;
  const day = { closeNav, ...closing };
  await context.db
    .insert(tokenDay)
    .values({
      token: t.address,
      day: dayOf(timestamp),
      openNav: t.nav,
      highNav: t.nav,
      lowNav: t.nav,
      ...day,
      mintedUsdc: flows.mintedUsdc ?? 0n,
      redeemedUsdc: flows.redeemedUsdc ?? 0n,
      poolVolumeUsdc: flows.poolVolumeUsdc ?? 0n,
      mintFees: flows.mintFees ?? 0n,
      redeemFees: flows.redeemFees ?? 0n,
      managementFeeUsdc: flows.managementFeeUsdc ?? 0n,
      takerFees: flows.takerFees ?? 0n,
      fundingPaid: flows.fundingPaid ?? 0n,
      keeperRewards: flows.keeperRewards ?? 0n,
      rebalances: flows.rebalances ?? 0,
    })
    .onConflictDoUpdate((r) => ({
      ...day,
      highNav: t.nav > r.highNav ? t.nav : r.highNav,
      lowNav: t.nav < r.lowNav ? t.nav : r.lowNav,
      mintedUsdc: r.mintedUsdc + (flows.mintedUsdc ?? 0n),
      redeemedUsdc: r.redeemedUsdc + (flows.redeemedUsdc ?? 0n),
      poolVolumeUsdc: r.poolVolumeUsdc + (flows.poolVolumeUsdc ?? 0n),
      mintFees: r.mintFees + (flows.mintFees ?? 0n),
      redeemFees: r.redeemFees + (flows.redeemFees ?? 0n),
      managementFeeUsdc: r.managementFeeUsdc + (flows.managementFeeUsdc ?? 0n),
      takerFees: r.takerFees + (flows.takerFees ?? 0n),
      fundingPaid: r.fundingPaid + (flows.fundingPaid ?? 0n),
      keeperRewards: r.keeperRewards + (flows.keeperRewards ?? 0n),
      rebalances: r.rebalances + (flows.rebalances ?? 0),
    }));
}

type PositionRow = typeof position.$inferSelect;
type PositionValues = Omit<PositionRow, "account" | "token">;

const NO_POSITION: Omit<PositionValues, "dilutionIndex"> = {
  shares: 0n,
  costBasis: 0n,
  realizedPnl: 0n,
  usdcPaid: 0n,
  usdcReceived: 0n,
  feesPaid: 0n,
  dilution: 0n,
  trades: 0,
};

/**
 * Books a change to a holder's position: an insert of the position from nothing, or on conflict the change to the
 * stored row, which the store hands to the update (one read of the row, not a find and then an upsert).
 */
async function updatePosition(
  context: Context,
  account: Hex,
  t: TokenRow,
  change: (ledger: Ledger) => Ledger,
  extra: Partial<Pick<PositionRow, "usdcPaid" | "usdcReceived" | "feesPaid">> = {},
  trade = false,
) {
  const next = (p: PositionValues): PositionValues => ({
    ...change({ shares: p.shares, costBasis: p.costBasis, realizedPnl: p.realizedPnl }),
    usdcPaid: p.usdcPaid + (extra.usdcPaid ?? 0n),
    usdcReceived: p.usdcReceived + (extra.usdcReceived ?? 0n),
    feesPaid: p.feesPaid + (extra.feesPaid ?? 0n),
    // The management fee's dilution since the position was last touched.
    dilution: p.dilution + (p.shares * (t.dilutionIndex - p.dilutionIndex)) / WAD,
    dilutionIndex: t.dilutionIndex,
    trades: p.trades + (trade ? 1 : 0),
  });
  await context.db
    .insert(position)
    .values({ account, token: t.address, ...next({ ...NO_POSITION, dilutionIndex: t.dilutionIndex }) })
    .onConflictDoUpdate((r) => next(r));
}

interface EventBase {
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex };
  log: { logIndex: number; address: Hex };
}

const idOf = (event: EventBase) => `${event.transaction.hash}-${event.log.logIndex}`;

/** A token's share movement, as the activity row keyed by its Transfer (see `activity`). */
async function addActivity(
  context: Context,
  event: EventBase,
  values: {
    sender: Hex | null;
    receiver: Hex | null;
    token: Hex;
    action: string;
    shares: bigint;
    usdc: bigint;
    nav: bigint;
  },
) {
  await context.db.insert(activity).values({
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
    block: event.block.number,
    timestamp: event.block.timestamp,
    fee: 0n,
    ...values,
  });
}

type Side = "in" | "out" | "fees";

/** Leaves a share movement (or a fee recipient) for a later event of the same transaction (see `pending`). */
async function leavePending(
  context: Context,
  txHash: Hex,
  via: Hex,
  side: Side,
  values: { account: Hex; shares: bigint; logIndex: number },
) {
  await context.db
    .insert(pending)
    .values({ via, side, txHash, ...values })
    .onConflictDoUpdate({ txHash, ...values });
}

/** What an earlier event of this transaction left at `via` and `side`, taken (a second take finds nothing). */
async function takePending(context: Context, txHash: Hex, via: Hex, side: Side) {
  const row = await context.db.find(pending, { via, side });
  if (!row || row.txHash !== txHash) return null;
  await context.db.update(pending, { via, side }).set({ txHash: null });
  return row;
}

/** The activity row of a share movement left pending, completed by the event that tells its stablecoin side. */
async function completeActivity(
  context: Context,
  txHash: Hex,
  logIndex: number,
  values: Partial<Pick<typeof activity.$inferSelect, "action" | "usdc" | "fee">>,
) {
  await context.db.update(activity, { txHash, logIndex }).set(values);
}

async function bookFees(
  context: Context,
  t: TokenRow,
  fees: { mintFees?: bigint; redeemFees?: bigint; managementFeeShares?: bigint; managementFeeUsdc?: bigint },
) {
  const operator = t.feeRecipient;
  if (!operator) return;
  await context.db
    .insert(operatorFees)
    .values({
      operator,
      token: t.address,
      mintFees: fees.mintFees ?? 0n,
      redeemFees: fees.redeemFees ?? 0n,
      managementFeeShares: fees.managementFeeShares ?? 0n,
      managementFeeUsdc: fees.managementFeeUsdc ?? 0n,
    })
    .onConflictDoUpdate((r) => ({
      mintFees: r.mintFees + (fees.mintFees ?? 0n),
      redeemFees: r.redeemFees + (fees.redeemFees ?? 0n),
      managementFeeShares: r.managementFeeShares + (fees.managementFeeShares ?? 0n),
      managementFeeUsdc: r.managementFeeUsdc + (fees.managementFeeUsdc ?? 0n),
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// The factory
// ---------------------------------------------------------------------------------------------------------------

ponder.on("Factory:TokenCreated", async ({ event, context }) => {
  const address = lower(event.args.token);
  // The fee recipient: the token's FeesUpdated came earlier in this transaction (its initialize), before the token
  // had a row, and left it pending; a read only for a token that emitted none. Its NAV, equity and leverage are read
  // at its first event (its first mint) or the next price or refresh: nothing is read per token created.
  const fees = await takePending(context, event.transaction.hash, address, "fees");
  const feeRecipient = fees ? fees.account : await readFeeRecipient(context, address, event.block.number);
  const t: TokenRow = {
    address,
    symbol: event.args.symbol,
    marketId: event.args.marketId,
    leverage: event.args.leverage,
    createdBlock: event.block.number,
    createdAt: event.block.timestamp,
    retired: false,
    wipedOut: false,
    feeRecipient,
    pool: poolOf.get(address) ?? null,
    supply: 0n,
    nav: 0n,
    equity: 0n,
    currentLeverage: 0n,
    poolPrice: null,
    navBlock: 0n,
    navTimestamp: event.block.timestamp,
    mintFees: 0n,
    redeemFees: 0n,
    managementFeeShares: 0n,
    managementFeeUsdc: 0n,
    takerFees: 0n,
    fundingPaid: 0n,
    keeperRewards: 0n,
    rebalances: 0,
    mintedUsdc: 0n,
    redeemedUsdc: 0n,
    dilutionIndex: 0n,
  };
  await context.db.insert(token).values(t);
  await listToken(context, address, t.marketId);
});

async function readFeeRecipient(context: Context, address: Hex, block: bigint): Promise<Hex | null> {
  try {
    const fees = await context.client.readContract({
      abi: tokenAbi,
      address,
      functionName: "fees",
      blockNumber: block,
    });
    return lower(fees.recipient);
  } catch {
    return null;
  }
}

ponder.on("Factory:TokenRetired", async ({ event, context }) => {
  const t = await tokenRow(context, lower(event.args.token));
  if (t) await context.db.update(token, { address: t.address }).set({ retired: true });
});

// ---------------------------------------------------------------------------------------------------------------
// The tokens
// ---------------------------------------------------------------------------------------------------------------

ponder.on("LeveragedToken:Transfer", async ({ event, context }) => {
  const address = lower(event.log.address);
  let t = await tokenRow(context, address);
  if (!t) return;
  const from = lower(event.args.from);
  const to = lower(event.args.to);
  const shares = event.args.value;
  const block = event.block.number;
  const txHash = event.transaction.hash;
  if (from === ZERO || to === ZERO) {
    t = await context.db
      .update(token, { address })
      .set({ supply: from === ZERO ? t.supply + shares : t.supply - shares });
    t = await snapshot(context, t, block, event.block.timestamp);
    await keepBlock(context, t, block, event.block.timestamp); // the supply moved
  } else {
    t = await snapshot(context, t, block, event.block.timestamp); // a transfer moves no state of the token
  }
  const nav = t.nav;
  const value = valueAt(shares, nav);
  const sender = isHolder(from) ? from : null;
  const receiver = isHolder(to) ? to : null;
  if (!sender && !receiver) return;
  const logIndex = event.log.logIndex;
  const row = { sender, receiver, token: address, shares, nav };
  if (sender && (to === ZERO || pools.has(to) || passThrough.has(to))) {
    // The stablecoin side comes later in the transaction: Redeemed, or the pool's Swap / Mint.
    const via = to === ZERO ? address : to;
    await updatePosition(context, sender, t, (p) => dispose(p, shares, 0n), {}, true);
    await addActivity(context, event, { ...row, action: pools.has(to) ? "sell" : "redeem", usdc: 0n });
    await leavePending(context, txHash, via, "out", { account: sender, shares, logIndex });
  } else if (receiver && (from === ZERO || pools.has(from))) {
    const via = from === ZERO ? address : from;
    await updatePosition(context, receiver, t, (p) => acquire(p, shares, 0n), {}, true);
    await addActivity(context, event, { ...row, action: from === ZERO ? "mint" : "buy", usdc: 0n });
    await leavePending(context, txHash, via, "in", { account: receiver, shares, logIndex });
  } else {
    // A transfer at NAV: one row, the sender's side and the receiver's.
    if (sender) {
      await updatePosition(context, sender, t, (p) => dispose(p, shares, value), { usdcReceived: value }, true);
    }
    if (receiver) {
      await updatePosition(context, receiver, t, (p) => acquire(p, shares, value), { usdcPaid: value }, true);
    }
    await addActivity(context, event, { ...row, action: "transfer", usdc: value });
  }
});

ponder.on("LeveragedToken:Minted", async ({ event, context }) => {
  const address = lower(event.log.address);
  const t = await tokenRow(context, address);
  if (!t) return;
  const { collateralIn, fee, shares } = event.args;
  const receiver = lower(event.args.receiver);
  const p = await takePending(context, event.transaction.hash, address, "in");
  if (p && p.account === receiver) {
    await updatePosition(context, receiver, t, (l) => addCost(l, shares, collateralIn), {
      usdcPaid: collateralIn,
      feesPaid: fee,
    });
    await completeActivity(context, event.transaction.hash, p.logIndex, { usdc: collateralIn, fee });
  }
  const row = await context.db
    .update(token, { address })
    .set((r) => ({ mintFees: r.mintFees + fee, mintedUsdc: r.mintedUsdc + collateralIn }));
  await bookFees(context, row, { mintFees: fee });
  await keepBlock(context, row, event.block.number, event.block.timestamp, { mintedUsdc: collateralIn, mintFees: fee });
});

ponder.on("LeveragedToken:Redeemed", async ({ event, context }) => {
  const address = lower(event.log.address);
  const t = await tokenRow(context, address);
  if (!t) return;
  const { collateralOut, fee } = event.args;
  const owner = lower(event.args.owner);
  // A redeem by the router: the seller is who sent it the shares earlier in the transaction.
  const p = await takePending(context, event.transaction.hash, passThrough.has(owner) ? owner : address, "out");
  if (p) {
    await updatePosition(context, p.account, t, (l) => addProceeds(l, collateralOut), {
      usdcReceived: collateralOut,
      feesPaid: fee,
    });
    await completeActivity(context, event.transaction.hash, p.logIndex, { action: "redeem", usdc: collateralOut, fee });
  }
  const row = await context.db
    .update(token, { address })
    .set((r) => ({ redeemFees: r.redeemFees + fee, redeemedUsdc: r.redeemedUsdc + collateralOut }));
  await bookFees(context, row, { redeemFees: fee });
  await keepBlock(context, row, event.block.number, event.block.timestamp, {
    redeemedUsdc: collateralOut,
    redeemFees: fee,
  });
});

ponder.on("LeveragedToken:ManagementFeeAccrued", async ({ event, context }) => {
  const address = lower(event.log.address);
  const t = await tokenRow(context, address);
  if (!t) return;
  const shares = event.args.shares;
  const value = valueAt(shares, t.nav);
  const p = await takePending(context, event.transaction.hash, address, "in");
  if (p) await completeActivity(context, event.transaction.hash, p.logIndex, { action: "fee-shares" });
  // Every other share paid its part of the fee's value: the dilution index grows by the value per share.
  const others = t.supply - shares;
  const row = await context.db.update(token, { address }).set((r) => ({
    managementFeeShares: r.managementFeeShares + shares,
    managementFeeUsdc: r.managementFeeUsdc + value,
    dilutionIndex: others > 0n ? r.dilutionIndex + (value * WAD) / others : r.dilutionIndex,
  }));
  await bookFees(context, row, { managementFeeShares: shares, managementFeeUsdc: value });
  await keepBlock(context, row, event.block.number, event.block.timestamp, { managementFeeUsdc: value });
});

ponder.on("LeveragedToken:UnclaimedEquityAssigned", async ({ event, context }) => {
  const address = lower(event.log.address);
  const p = await takePending(context, event.transaction.hash, address, "in");
  if (p) await completeActivity(context, event.transaction.hash, p.logIndex, { action: "unclaimed-equity" });
});

ponder.on("LeveragedToken:Rebalanced", async ({ event, context }) => {
  const address = lower(event.log.address);
  const t = await tokenRow(context, address);
  if (!t) return;
  const last = await context.db.find(exchangeCost, { account: address });
  const cost = last?.txHash === event.transaction.hash ? last : null;
  const trigger = ["NONE", "TIME", "DRIFT"][event.args.trigger] ?? String(event.args.trigger);
  await context.db.insert(rebalance).values({
    id: idOf(event),
    token: address,
    block: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
    trigger,
    leverageBefore: event.args.leverageBefore,
    leverageAfter: event.args.leverageAfter,
    sizeDelta: event.args.sizeDelta,
    price: event.args.price,
    equity: event.args.equity,
    takerFee: cost?.takerFee ?? 0n,
    fundingPaid: cost?.fundingPaid ?? 0n,
    keeperReward: cost?.keeperReward ?? 0n,
    keeper: cost?.keeper ?? null,
  });
  const row = await context.db.update(token, { address }).set((r) => ({ rebalances: r.rebalances + 1 }));
  const fresh = await snapshot(context, row, event.block.number, event.block.timestamp);
  await keepBlock(context, fresh, event.block.number, event.block.timestamp, { rebalances: 1 });
});

ponder.on("LeveragedToken:WipedOut", async ({ event, context }) => {
  const address = lower(event.log.address);
  const t = await tokenRow(context, address);
  if (!t) return;
  const row = await context.db.update(token, { address }).set({ wipedOut: true });
  await snapshot(context, row, event.block.number, event.block.timestamp);
});

ponder.on("LeveragedToken:FeesUpdated", async ({ event, context }) => {
  const address = lower(event.log.address);
  const feeRecipient = lower(event.args.fees.recipient);
  const t = await tokenRow(context, address);
  if (t) {
    await context.db.update(token, { address }).set({ feeRecipient });
  } else {
    // The token's initialize, before the factory's TokenCreated in the same transaction: that event takes it.
    await leavePending(context, event.transaction.hash, address, "fees", {
      account: feeRecipient,
      shares: 0n,
      logIndex: event.log.logIndex,
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The exchange: what a token's trades and rebalances cost
// ---------------------------------------------------------------------------------------------------------------

async function bookExchangeCost(
  context: Context,
  event: EventBase,
  account: Hex,
  cost: { takerFee?: bigint; fundingPaid?: bigint; keeperReward?: bigint; keeper?: Hex },
) {
  const t = await tokenRow(context, account);
  if (!t) return; // not a leveraged token's account
  const takerFee = cost.takerFee ?? 0n;
  const fundingPaid = cost.fundingPaid ?? 0n;
  const keeperReward = cost.keeperReward ?? 0n;
  const txHash = event.transaction.hash;
  const keeper = cost.keeper ?? null;
  await context.db
    .insert(exchangeCost)
    .values({ account, txHash, takerFee, fundingPaid, keeperReward, keeper })
    .onConflictDoUpdate((r) =>
      r.txHash === txHash
        ? {
            takerFee: r.takerFee + takerFee,
            fundingPaid: r.fundingPaid + fundingPaid,
            keeperReward: r.keeperReward + keeperReward,
            keeper: keeper ?? r.keeper,
          }
        : { txHash, takerFee, fundingPaid, keeperReward, keeper },
    );
  const row = await context.db.update(token, { address: account }).set((r) => ({
    takerFees: r.takerFees + takerFee,
    fundingPaid: r.fundingPaid + fundingPaid,
    keeperRewards: r.keeperRewards + keeperReward,
  }));
  await keepBlock(context, row, event.block.number, event.block.timestamp, {
    takerFees: takerFee,
    fundingPaid,
    keeperRewards: keeperReward,
  });
}

ponder.on("Exchange:Traded", async ({ event, context }) => {
  const s = event.args.settlement;
  await bookExchangeCost(context, event, lower(event.args.account), {
    takerFee: s.fee / STABLE_SCALE,
    fundingPaid: s.fundingPaid / STABLE_SCALE,
  });
});

ponder.on("Exchange:AccountSettled", async ({ event, context }) => {
  await bookExchangeCost(context, event, lower(event.args.account), {
    takerFee: event.args.fee / STABLE_SCALE,
    fundingPaid: event.args.fundingPaid / STABLE_SCALE,
  });
});

ponder.on("Exchange:MarginTransferred", async ({ event, context }) => {
  await bookExchangeCost(context, event, lower(event.args.from), {
    keeperReward: event.args.amount,
    keeper: lower(event.args.to),
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The pools
// ---------------------------------------------------------------------------------------------------------------

const usdcIsToken0 = (t: Hex) => settings.stablecoin.toLowerCase() < t;

ponder.on("Pool:Sync", async ({ event, context }) => {
  const address = pools.get(lower(event.log.address));
  if (!address) return;
  const t = await tokenRow(context, address);
  if (!t) return;
  const [usdc, shares] = usdcIsToken0(address)
    ? [event.args.reserve0, event.args.reserve1]
    : [event.args.reserve1, event.args.reserve0];
  const poolPrice = shares === 0n ? null : (usdc * WAD) / shares;
  const row = await context.db.update(token, { address }).set({ poolPrice });
  const fresh = await snapshot(context, row, event.block.number, event.block.timestamp);
  await keepBlock(context, fresh, event.block.number, event.block.timestamp); // the pool's price moved
});

ponder.on("Pool:Swap", async ({ event, context }) => {
  const pair = lower(event.log.address);
  const address = pools.get(pair);
  if (!address) return;
  const t = await tokenRow(context, address);
  if (!t) return;
  const a = event.args;
  const [usdcIn, usdcOut] = usdcIsToken0(address) ? [a.amount0In, a.amount0Out] : [a.amount1In, a.amount1Out];
  const buyer = await takePending(context, event.transaction.hash, pair, "in");
  if (buyer) {
    await updatePosition(context, buyer.account, t, (l) => addCost(l, buyer.shares, usdcIn), {
      usdcPaid: usdcIn,
    });
    await completeActivity(context, event.transaction.hash, buyer.logIndex, { usdc: usdcIn });
  }
  const seller = await takePending(context, event.transaction.hash, pair, "out");
  if (seller) {
    await updatePosition(context, seller.account, t, (l) => addProceeds(l, usdcOut), {
      usdcReceived: usdcOut,
    });
    await completeActivity(context, event.transaction.hash, seller.logIndex, { usdc: usdcOut });
  }
  await keepBlock(context, t, event.block.number, event.block.timestamp, { poolVolumeUsdc: usdcIn + usdcOut });
});

/** Liquidity added or removed: the shares moved at NAV, as a transfer to or from the pool. */
async function liquidity(context: Context, event: EventBase, side: "in" | "out") {
  const pair = lower(event.log.address);
  const address = pools.get(pair);
  if (!address) return;
  const t = await tokenRow(context, address);
  if (!t) return;
  const p = await takePending(context, event.transaction.hash, pair, side);
  if (!p) return;
  const value = valueAt(p.shares, t.nav);
  if (side === "out") {
    await updatePosition(context, p.account, t, (l) => addProceeds(l, value), {
      usdcReceived: value,
    });
    await completeActivity(context, event.transaction.hash, p.logIndex, { action: "add-liquidity", usdc: value });
  } else {
    await updatePosition(context, p.account, t, (l) => addCost(l, p.shares, value), {
      usdcPaid: value,
    });
    await completeActivity(context, event.transaction.hash, p.logIndex, { action: "remove-liquidity", usdc: value });
  }
}

ponder.on("Pool:Mint", async ({ event, context }) => liquidity(context, event, "out"));
ponder.on("Pool:Burn", async ({ event, context }) => liquidity(context, event, "in"));

// ---------------------------------------------------------------------------------------------------------------
// Prices: every token of a market at a new price, and every token every `refreshInterval` blocks
// ---------------------------------------------------------------------------------------------------------------

const marketList = (marketId: bigint) => `market:${marketId}`;

/** Adds a new token to its market's list and to the list of all. */
async function listToken(context: Context, address: Hex, marketId: bigint) {
  for (const id of [marketList(marketId), "all"]) {
    await context.db
      .insert(tokenList)
      .values({ id, tokens: [address] })
      .onConflictDoUpdate((r) => ({ tokens: [...r.tokens, address] }));
  }
}

/** The token rows of a list (see `tokenList`). */
async function listed(context: Context, id: string): Promise<TokenRow[]> {
  const list = await context.db.find(tokenList, { id });
  const rows = await Promise.all((list?.tokens ?? []).map((address) => tokenRow(context, address)));
  return rows.filter((t): t is TokenRow => t !== null);
}

ponder.on("Feed:AnswerUpdated", async ({ event, context }) => {
  const marketId = settings.feeds[lower(event.log.address)];
  if (marketId === undefined) return;
  const rows = await listed(context, marketList(BigInt(marketId)));
  await snapshotAll(context, rows, event.block.number, event.block.timestamp);
});

ponder.on("Refresh:block", async ({ event, context }) => {
  const rows = await listed(context, "all");
  await snapshotAll(context, rows, event.block.number, event.block.timestamp);
});
