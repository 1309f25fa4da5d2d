import { PRICE_STATUSES } from "../../src/chain/enums";
import { entryPrice, notional, requirement, unrealizedPnl } from "../../src/model/perp/math";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockV3Aggregator, PerpExchange } from "../../typechain-types";
import { deployExchange, marketConfig, type ExchangeSystem, type MarketSettings } from "./system";
import { expectBooksBalance } from "./books";
import { feedPrice, usdc } from "./units";

export interface PerpSystem extends ExchangeSystem {
  admin: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  /** Every account that may hold margin in these tests (for the books identity). */
  accounts: HardhatEthersSigner[];
}

/** Stablecoin each trader holds (and has approved to the exchange) in a fresh system. */
export const TRADER_WALLET = usdc(100_000);

/** `deployExchange(overrides)`, plus three traders holding 100,000 USDC each, approved to the exchange. */
export async function deployPerp(overrides: Partial<MarketSettings> = {}): Promise<PerpSystem> {
  const system = await deployExchange(overrides);
  const [admin, alice, bob, carol, keeper, stranger] = await ethers.getSigners();
  const exchangeAddress = await system.exchange.getAddress();
  for (const trader of [alice, bob, carol]) {
    await system.usdc.mint(trader.address, TRADER_WALLET);
    await system.usdc.connect(trader).approve(exchangeAddress, ethers.MaxUint256);
  }
  return {
    ...system,
    admin,
    alice,
    bob,
    carol,
    keeper,
    stranger,
    accounts: [admin, alice, bob, carol, keeper, stranger],
  };
}

export interface MockMarketSystem extends PerpSystem {
  ethFeed: MockV3Aggregator;
  ethMarket: bigint;
}

/** `deployPerp()` plus an "ETH" market (id 1) priced at 3,000 by Chainlink's MockV3Aggregator (8 decimals). */
export async function deployPerpWithMockFeed(): Promise<MockMarketSystem> {
  const system = await deployPerp();
  const ethFeed = await ethers.deployContract("MockV3Aggregator", [8, feedPrice(3_000)]);
  await system.exchange.createMarket("ETH", marketConfig(await ethFeed.getAddress()));
  return { ...system, ethFeed, ethMarket: 1n };
}

/** Deposits `margin` for `trader` in `marketId` and, if `size` is not 0, trades it. */
export async function openPosition(
  system: ExchangeSystem,
  trader: HardhatEthersSigner,
  margin: bigint,
  size: bigint,
  marketId = system.btcMarket,
): Promise<void> {
  await system.exchange.connect(trader).deposit(marketId, trader.address, margin);
  if (size !== 0n) await system.exchange.connect(trader).trade(marketId, size);
}

/** The books identity over every account of the system (see `expectBooksBalance`). */
export async function expectPerpBooks(system: PerpSystem): Promise<void> {
  await expectBooksBalance(system.exchange, system.usdc, system.accounts);
}

/** Sends the transactions with automine off and mines them together in one block at `timestamp`; each must succeed. */
export async function inOneBlock(
  timestamp: number,
  sends: (() => Promise<ContractTransactionResponse>)[],
): Promise<void> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    const sent: ContractTransactionResponse[] = [];
    for (const send of sends) sent.push(await send());
    await network.provider.send("evm_mine", [timestamp]);
    for (const tx of sent) expect((await tx.wait())?.status).to.equal(1);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

/** IPerpExchange.PriceStatus as the contracts return it (see PRICE_STATUSES in src/chain/enums.ts). */
export const [FRESH, STALE, INVALID] = PRICE_STATUSES.map((_, i) => BigInt(i));

/** The books identity over every account of the system and `more` (see `expectBooksBalance`). */
export async function expectBooksOf(system: PerpSystem, more: string[]): Promise<void> {
  await expectBooksBalance(system.exchange, system.usdc, [...system.accounts, ...more]);
}

/**
 * An account's figures that follow from `accountState` (one call, which never reverts) and the market's margins, at
 * the state's price, with the contracts' rounding (`src/model/perp/math.ts`): what the exchange's per-field views
 * (`notional`, `unrealizedPnl`, `entryPrice`, the margin requirements) answered before they were folded into it.
 */
export async function accountFigures(exchange: PerpExchange, account: string, marketId: bigint | number) {
  const [s, { config }] = await Promise.all([exchange.accountState(account, marketId), exchange.market(marketId)]);
  return {
    notional: notional(s.size, s.price),
    unrealizedPnl: unrealizedPnl(s.size, s.openNotional, s.price),
    entryPrice: entryPrice(s.size, s.openNotional),
    maintenanceMargin: requirement(s.size, s.price, config.maintenanceMarginBps),
    initialMargin: requirement(s.size, s.price, config.initialMarginBps),
  };
}
