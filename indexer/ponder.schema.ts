import { index, onchainTable, primaryKey } from "ponder";

/*
 * What the indexer keeps. Money is in stablecoin units (6 decimals), shares in token units (18 decimals), NAV in
 * stablecoin units per whole token, leverage and prices in WAD (18 decimals), all as integers (Postgres numeric).
 */

/** One row per leveraged token: its latest state and running totals. */
export const token = onchainTable("token", (t) => ({
  address: t.hex().primaryKey(),
  symbol: t.text().notNull(),
  marketId: t.bigint().notNull(),
  leverage: t.bigint().notNull(), // signed WAD target
  createdBlock: t.bigint().notNull(),
  createdAt: t.bigint().notNull(), // unix seconds
  retired: t.boolean().notNull(),
  wipedOut: t.boolean().notNull(),
  feeRecipient: t.hex(),
  pool: t.hex(),
  supply: t.bigint().notNull(),
  nav: t.bigint().notNull(),
  equity: t.bigint().notNull(),
  currentLeverage: t.bigint().notNull(),
  poolPrice: t.bigint(), // stablecoin units per whole token, from the pool's reserves
  navBlock: t.bigint().notNull(), // the block of `nav`
  navTimestamp: t.bigint().notNull(),
  // Running totals.
  mintFees: t.bigint().notNull(),
  redeemFees: t.bigint().notNull(),
  managementFeeShares: t.bigint().notNull(),
  managementFeeUsdc: t.bigint().notNull(), // the fee shares at NAV when they were minted
  takerFees: t.bigint().notNull(), // paid by rebalances, mints and redeems to the exchange
  fundingPaid: t.bigint().notNull(), // signed: < 0 received
  keeperRewards: t.bigint().notNull(),
  rebalances: t.integer().notNull(),
  mintedUsdc: t.bigint().notNull(),
  redeemedUsdc: t.bigint().notNull(),
  /** The management fee's dilution per whole share held, accumulated (stablecoin units x 1e18 per share). */
  dilutionIndex: t.bigint().notNull(),
}));

/**
 * The tokens of each market ("market:<id>") and of all ("all"), so that a price update or a refresh finds its
 * tokens through the store's cache rather than a raw SQL query, which flushes it.
 */
export const tokenList = onchainTable("token_list", (t) => ({
  id: t.text().primaryKey(),
  tokens: t.hex().array().notNull(),
}));

/** A token's state at every block where something changed it. */
export const tokenBlock = onchainTable(
  "token_block",
  (t) => ({
    token: t.hex().notNull(),
    block: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    nav: t.bigint().notNull(),
    equity: t.bigint().notNull(),
    leverage: t.bigint().notNull(),
    supply: t.bigint().notNull(),
    poolPrice: t.bigint(),
    premiumBps: t.bigint(), // (pool price / NAV - 1) in bps
  }),
  (table) => ({ pk: primaryKey({ columns: [table.token, table.block] }) }),
);

/** A token's day (UTC): the last state of the day, and the day's flows and fees. */
export const tokenDay = onchainTable(
  "token_day",
  (t) => ({
    token: t.hex().notNull(),
    day: t.text().notNull(), // YYYY-MM-DD
    openNav: t.bigint().notNull(),
    closeNav: t.bigint().notNull(),
    highNav: t.bigint().notNull(),
    lowNav: t.bigint().notNull(),
    equity: t.bigint().notNull(),
    leverage: t.bigint().notNull(),
    supply: t.bigint().notNull(),
    poolPrice: t.bigint(),
    premiumBps: t.bigint(),
    mintedUsdc: t.bigint().notNull(),
    redeemedUsdc: t.bigint().notNull(),
    poolVolumeUsdc: t.bigint().notNull(),
    mintFees: t.bigint().notNull(),
    redeemFees: t.bigint().notNull(),
    managementFeeUsdc: t.bigint().notNull(),
    takerFees: t.bigint().notNull(),
    fundingPaid: t.bigint().notNull(),
    keeperRewards: t.bigint().notNull(),
    rebalances: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.token, table.day] }) }),
);

/** Every rebalance, with its cost. */
export const rebalance = onchainTable(
  "rebalance",
  (t) => ({
    id: t.text().primaryKey(), // txHash-logIndex
    token: t.hex().notNull(),
    block: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    trigger: t.text().notNull(), // TIME or DRIFT
    leverageBefore: t.bigint().notNull(),
    leverageAfter: t.bigint().notNull(),
    sizeDelta: t.bigint().notNull(),
    price: t.bigint().notNull(),
    equity: t.bigint().notNull(),
    takerFee: t.bigint().notNull(), // stablecoin units
    fundingPaid: t.bigint().notNull(),
    keeperReward: t.bigint().notNull(),
    keeper: t.hex(),
  }),
  (table) => ({ tokenIdx: index().on(table.token, table.block) }),
);

/**
 * The exchange's side of a token's latest transaction (read by the token's Rebalanced later in the same transaction):
 * one row per token, started again by each new transaction, so that no row is written per trade.
 */
export const exchangeCost = onchainTable("exchange_cost", (t) => ({
  account: t.hex().primaryKey(), // the token
  txHash: t.hex().notNull(),
  takerFee: t.bigint().notNull(),
  fundingPaid: t.bigint().notNull(),
  keeperReward: t.bigint().notNull(),
  keeper: t.hex(),
}));

/**
 * One row per share movement of a holder (a token's Transfer from or to one): what a tax tool imports. A transfer
 * between two holders is one row that both see, the sender's shares out and the receiver's in; /portfolio gives each
 * holder its own side (shares and USDC signed, transfer-out or transfer-in).
 */
export const activity = onchainTable(
  "activity",
  (t) => ({
    txHash: t.hex().notNull(),
    logIndex: t.integer().notNull(), // of the Transfer
    sender: t.hex(), // the holder whose shares left (null: the zero address, a pool, the router)
    receiver: t.hex(), // the holder whose shares arrived
    token: t.hex().notNull(),
    block: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    action: t.text().notNull(), // mint, redeem, buy, sell, transfer, fee-shares, unclaimed-equity, add-liquidity, remove-liquidity
    shares: t.bigint().notNull(), // moved, > 0
    usdc: t.bigint().notNull(), // the stablecoin side, >= 0: paid by the receiver, received by the sender (a transfer: its value at NAV)
    nav: t.bigint().notNull(),
    fee: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.txHash, table.logIndex] }),
    senderIdx: index().on(table.sender, table.block),
    receiverIdx: index().on(table.receiver, table.block),
  }),
);

/** A holder's position in one token. */
export const position = onchainTable(
  "position",
  (t) => ({
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    shares: t.bigint().notNull(),
    costBasis: t.bigint().notNull(), // stablecoin units, average cost
    realizedPnl: t.bigint().notNull(),
    usdcPaid: t.bigint().notNull(),
    usdcReceived: t.bigint().notNull(),
    feesPaid: t.bigint().notNull(), // mint and redeem fees
    dilution: t.bigint().notNull(), // the management fee's dilution, settled to `dilutionIndex`
    dilutionIndex: t.bigint().notNull(),
    trades: t.integer().notNull(),
  }),
  // The key's first column serves a holder's positions: no index of its own.
  (table) => ({ pk: primaryKey({ columns: [table.account, table.token] }) }),
);

/**
 * A share movement whose stablecoin side comes later in its transaction (the pool's Swap, the router's redeem, the
 * token's Minted or Redeemed), or (side "fees", via the token) a new token's fee recipient from its FeesUpdated,
 * which comes before the factory's TokenCreated. One row per place and side, overwritten by the next transaction and
 * emptied (txHash null) when taken: never deleted, since a delete is a database round trip of its own.
 */
export const pending = onchainTable(
  "pending",
  (t) => ({
    via: t.hex().notNull(), // the token, the pair or the router
    side: t.text().notNull(), // "in" (the account received shares), "out", or "fees" (account: the fee recipient)
    txHash: t.hex(), // the transaction it waits in; null once taken
    account: t.hex().notNull(),
    shares: t.bigint().notNull(),
    logIndex: t.integer().notNull(), // the activity row's (its Transfer's)
  }),
  (table) => ({ pk: primaryKey({ columns: [table.via, table.side] }) }),
);

/** A fee recipient's earnings per token. */
export const operatorFees = onchainTable(
  "operator_fees",
  (t) => ({
    operator: t.hex().notNull(),
    token: t.hex().notNull(),
    mintFees: t.bigint().notNull(),
    redeemFees: t.bigint().notNull(),
    managementFeeShares: t.bigint().notNull(),
    managementFeeUsdc: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.operator, table.token] }) }),
);
