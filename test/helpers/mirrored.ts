import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { LeveragedToken, MintRedeemer, PerpExchange } from "../../typechain-types";
import { ExactTokenModel } from "../../src/model/exactToken";
import { ModelRevert } from "../../src/model/perp/types";
import { FEED_TO_WAD } from "../../src/model/fixedPoint";
import { ExactTrader } from "../../src/model/perp/trader";
import type { PerpAccountState } from "../../src/model/perp/types";
import { readMarketParams, readTokenParams } from "../../src/model/fromChain";
import type { ExchangeSystem, System } from "./system";

/**
 * Tokens and traders of one market, each followed by its exact model (src/model): every transaction is sent on chain
 * and replayed on the model at the block time of its receipt, and what it moved (shares, payouts, the account) is
 * compared to the wei. For the long tests a patient holder writes: months of funding, rallies, real prices.
 */
export class MirroredMarket {
  readonly tokens: { token: LeveragedToken; address: string; model: ExactTokenModel }[] = [];
  readonly traders = new Map<string, ExactTrader>();
  /** Keeper rewards credited to accounts that are not mirrored traders (their margin, which holds no position). */
  readonly rewards = new Map<string, bigint>();
  /** The fund's stablecoin when the mirror started. */
  private fundAtStart = 0n;
  /** Fund deposits and withdrawals by the test since, and liquidators' rewards (cash that left the fund's books). */
  private fundFlows = 0n;
  /** Feed answer (8 decimals) the models were last given. */
  private answer = 0n;

  private constructor(readonly s: ExchangeSystem & Partial<Pick<System, "factory">>) {}

  /** A mirror of `s`'s BTC market; tokens (with a factory) are added with `addToken` right after their creation. */
  static async of(s: ExchangeSystem & Partial<Pick<System, "factory">>): Promise<MirroredMarket> {
    const m = new MirroredMarket(s);
    m.fundAtStart = await s.exchange.fundBalance();
    m.answer = (await s.btcFeed.latestRoundData())[1];
    return m;
  }

  /** An independent copy (models cloned with their ledgers): what a test takes from a fixture it shares. */
  clone(): MirroredMarket {
    const copy = new MirroredMarket(this.s);
    copy.fundAtStart = this.fundAtStart;
    copy.fundFlows = this.fundFlows;
    copy.answer = this.answer;
    for (const t of this.tokens) copy.tokens.push({ ...t, model: t.model.clone() });
    for (const [address, trader] of this.traders) copy.traders.set(address, trader.clone());
    for (const [address, reward] of this.rewards) copy.rewards.set(address, reward);
    return copy;
  }

  /** Creates (market 0, `leverage`) through the factory and follows it from its creation. */
  async addToken(leverage: bigint): Promise<LeveragedToken> {
    const factory = this.s.factory;
    if (!factory) throw new Error("a mirrored token needs the system's factory");
    await factory.createToken(this.s.btcMarket, leverage);
    const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(this.s.btcMarket, leverage));
    const market = await readMarketParams(this.s.exchange, this.s.btcMarket);
    const { price } = await this.s.exchange.accountState(await token.getAddress(), this.s.btcMarket);
    const model = new ExactTokenModel(market, await readTokenParams(token), await token.lastRebalanceTime(), price);
    this.tokens.push({ token, address: await token.getAddress(), model });
    return token;
  }

  model(token: LeveragedToken): ExactTokenModel {
    const entry = this.tokens.find((t) => t.token === token);
    if (!entry) throw new Error("not a mirrored token");
    return entry.model;
  }

  /** A feed push of `answer` (8 decimals): every model takes the price at its block time. */
  async push(answer: bigint): Promise<ContractTransactionReceipt> {
    const receipt = await mined(this.s.btcFeed.updateAnswer(answer));
    this.answer = answer;
    const time = await blockTime(receipt);
    for (const t of this.tokens) t.model.setPrice(answer * FEED_TO_WAD, time);
    for (const trader of this.traders.values()) trader.setPrice(answer * FEED_TO_WAD, time);
    return receipt;
  }

  /** Rebalances `token` when its model says one is due (a keeper that does what is due); the chain must agree. */
  async rebalanceIfDue(token: LeveragedToken, keeper: HardhatEthersSigner): Promise<boolean> {
    const time = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
    const model = this.model(token);
    const due = model.clone().at(time).rebalanceAction() !== "none";
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(time)]);
    if (!due) {
      await expect(token.connect(keeper).rebalance()).to.be.revertedWithCustomError(
        token,
        "LeveragedTokenRebalanceNotDue",
      );
      return false;
    }
    const receipt = await mined(token.connect(keeper).rebalance());
    const { reward } = replay(model, await blockTime(receipt), "rebalance", (x) => x.rebalance());
    expect(rewardPaid(receipt, this.s.exchange), "the keeper's reward, chain vs model").to.equal(reward);
    this.credit(keeper.address, reward);
    return true;
  }

  /** A keeper reward of `amount` moved into `who`'s margin (`tradeToLeverage`, `MarginTransferred`). */
  credit(who: string, amount: bigint): void {
    if (amount === 0n) return;
    const trader = this.traders.get(who);
    if (trader) trader.deposit(amount);
    else this.rewards.set(who, (this.rewards.get(who) ?? 0n) + amount);
  }

  /** `who` mints for `amount`: the shares and the fee equal the model's. */
  async mint(token: LeveragedToken, who: HardhatEthersSigner, amount: bigint): Promise<bigint> {
    const receipt = await mined(token.connect(who).mint(amount, 0, who.address));
    const event = eventOf(receipt, token, "Minted");
    const { shares, fee } = replay(this.model(token), await blockTime(receipt), "mint", (x) => x.mint(amount));
    expect([event.args.shares, event.args.fee], "mint: shares and fee, chain vs model").to.deep.equal([shares, fee]);
    return shares;
  }

  /**
   * `who` redeems `shares`: what it is paid and the fee equal the model's, and so does `previewRedeem` asked in the
   * block before. Returns the payout, the fee, what the shares were worth at NAV (`shares x equity / supply`,
   * pending fee shares counted, before the redeem's own trade), the token's leverage then (signed WAD) and the taker
   * fee of the redeem's own trade (collateral units, rounded up; on the whole position when the redeem closes it).
   */
  async redeem(
    token: LeveragedToken,
    who: HardhatEthersSigner,
    shares: bigint,
  ): Promise<{ paid: bigint; fee: bigint; worth: bigint; leverage: bigint; takerFee: bigint }> {
    const model = this.model(token);
    const time = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
    const before = model.clone().at(time);
    const supply = before.supply + before.pendingManagementFeeShares();
    const worth = (shares * before.equity()) / supply;
    const leverage = before.currentLeverage();
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(time)]);
    const receipt = await mined(token.connect(who).redeem(shares, 0, who.address));
    const event = eventOf(receipt, token, "Redeemed");
    const out = replay(model, time, "redeem", (x) => x.redeem(shares));
    expect([event.args.collateralOut, event.args.fee], "redeem: payout and fee, chain vs model").to.deep.equal([
      out.collateralOut,
      out.fee,
    ]);
    const traded = receipt.logs
      .map((log) => this.s.exchange.interface.parseLog(log))
      .find((e) => e?.name === "Traded" && e.args.account === String(token.target));
    const takerFee = traded ? (traded.args.settlement.fee + 10n ** 12n - 1n) / 10n ** 12n : 0n;
    return { paid: out.collateralOut, fee: out.fee, worth, leverage, takerFee };
  }

  /**
   * `who` mints for `amount` and redeems every share in one transaction (test-only MintRedeemer, which `who` must
   * have approved for `amount`): the shares and what comes back equal the model's, and `who` gets back less than it
   * put in.
   */
  async roundTrip(token: LeveragedToken, who: HardhatEthersSigner, amount: bigint): Promise<bigint> {
    const redeemer = await this.redeemer();
    await mined(this.s.usdc.connect(who).approve(await redeemer.getAddress(), amount));
    const receipt = await mined(redeemer.connect(who).mintAndRedeem(token, this.s.usdc, amount));
    const [event] = receipt.logs.map((log) => redeemer.interface.parseLog(log)).filter((e) => e?.name === "RoundTrip");
    const { shares, out } = replay(this.model(token), await blockTime(receipt), "a mint and a redeem", (x) => {
      const minted = x.mint(amount).shares;
      return { shares: minted, out: x.redeem(minted).collateralOut };
    });
    expect([event!.args.shares, event!.args.collateralOut], "round trip, chain vs model").to.deep.equal([shares, out]);
    expect(out, "a round trip does not profit").to.be.lessThan(amount);
    return out;
  }

  private roundTripper?: MintRedeemer;

  private async redeemer(): Promise<MintRedeemer> {
    this.roundTripper ??= await ethers.deployContract("MintRedeemer");
    return this.roundTripper;
  }

  /** A trader of the market (not a token), followed by its own model from its first deposit. */
  async traderDeposit(who: HardhatEthersSigner, amount: bigint): Promise<void> {
    const receipt = await mined(this.s.exchange.connect(who).deposit(this.s.btcMarket, who.address, amount));
    const time = await blockTime(receipt);
    let trader = this.traders.get(who.address);
    if (!trader) {
      const { cumulativeFunding } = await this.s.exchange.market(this.s.btcMarket, { blockTag: receipt.blockNumber });
      trader = ExactTrader.open(
        await readMarketParams(this.s.exchange, this.s.btcMarket),
        time,
        this.price(),
        cumulativeFunding,
      );
      this.traders.set(who.address, trader);
    }
    replay(trader, time, "deposit", (x) => x.deposit(amount));
  }

  async traderTrade(who: HardhatEthersSigner, sizeDelta: bigint): Promise<void> {
    const receipt = await mined(this.s.exchange.connect(who).trade(this.s.btcMarket, sizeDelta));
    replay(this.trader(who), await blockTime(receipt), "trade", (x) => x.trade(sizeDelta));
  }

  async traderWithdraw(who: HardhatEthersSigner, amount: bigint): Promise<void> {
    const receipt = await mined(this.s.exchange.connect(who).withdraw(this.s.btcMarket, amount, who.address));
    replay(this.trader(who), await blockTime(receipt), "withdraw", (x) => x.withdraw(amount));
  }

  /** `caller` settles its own funding (what anyone may do for itself at any time). */
  async settleFunding(who: HardhatEthersSigner): Promise<void> {
    const receipt = await mined(this.s.exchange.connect(who).settleFunding(this.s.btcMarket));
    replay(this.trader(who), await blockTime(receipt), "settleFunding", (x) => x.settleFunding());
  }

  /**
   * `keeper` liquidates `who`: it goes through exactly when the model says the account is liquidatable (else
   * PerpNotLiquidatable), and then the penalty and reward are the model's. Returns whether it went through.
   */
  async liquidate(who: HardhatEthersSigner, keeper: HardhatEthersSigner): Promise<boolean> {
    const time = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
    const trader = this.trader(who);
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(time)]);
    const exchange = this.s.exchange.connect(keeper);
    if (!trader.clone().at(time).isLiquidatable()) {
      await expect(exchange.liquidate(who.address, this.s.btcMarket)).to.be.revertedWithCustomError(
        exchange,
        "PerpNotLiquidatable",
      );
      return false;
    }
    const receipt = await mined(exchange.liquidate(who.address, this.s.btcMarket));
    const { penalty, reward } = replay(trader, time, "liquidate", (x) => x.liquidate());
    const event = receipt.logs.map((log) => exchange.interface.parseLog(log)).find((e) => e?.name === "Liquidated");
    expect([event!.args.liquidatorReward, event!.args.fundPenalty], "liquidation, chain vs model").to.deep.equal([
      reward,
      penalty - reward,
    ]);
    return true;
  }

  trader(who: HardhatEthersSigner): ExactTrader {
    const trader = this.traders.get(who.address);
    if (!trader) throw new Error(`${who.address} is not a mirrored trader`);
    return trader;
  }

  /**
   * Every account equals its model to the wei (margin, position, cost basis, value at the latest block), the fund's
   * stablecoin equals what the models say every account paid it, net, and the exchange's books balance.
   */
  async expectBooks(label: string): Promise<void> {
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const accounts: [string, PerpAccountState, bigint, { toFund: bigint }][] = [
      ...this.tokens.map((t): [string, PerpAccountState, bigint, { toFund: bigint }] => {
        const x = t.model.at(now);
        return [t.address, x.state, x.accountValue(), x.ledger];
      }),
      ...[...this.traders].map(([address, x]): [string, PerpAccountState, bigint, { toFund: bigint }] => {
        x.at(now);
        return [address, x.state, x.accountValue(), x.ledger];
      }),
    ];
    let toFund = 0n;
    let margins = 0n;
    for (const [address, state, value, ledger] of accounts) {
      const chain = await this.s.exchange.accountState(address, this.s.btcMarket);
      expect(
        [chain.margin, chain.size, chain.openNotional, chain.value],
        `${label}: ${address}'s account, chain vs model`,
      ).to.deep.equal([state.margin, state.size, state.openNotional, value]);
      toFund += ledger.toFund;
      margins += chain.margin;
    }
    for (const [address, reward] of this.rewards) {
      const margin = (await this.s.exchange.accountState(address, this.s.btcMarket)).margin;
      expect(margin, `${label}: ${address}'s keeper rewards, chain vs model`).to.equal(reward);
      margins += margin;
    }
    const fund = await this.s.exchange.fundBalance();
    expect(fund, `${label}: the fund's stablecoin, chain vs the models' ledgers`).to.equal(
      this.fundAtStart + this.fundFlows + toFund,
    );
    expect(margins + fund, `${label}: margins + fund = the exchange's stablecoin`).to.equal(
      await this.s.usdc.balanceOf(await this.s.exchange.getAddress()),
    );
  }

  /** The feed's answer as the models hold it, WAD. */
  price(): bigint {
    return this.answer * FEED_TO_WAD;
  }
}

/** Replays `what` on `model` at `time`; a model that refuses what the chain did is a mismatch. */
/** The keeper reward a rebalance's receipt shows (the exchange's `MarginTransferred`), 0 when none. */
export function rewardPaid(receipt: ContractTransactionReceipt, exchange: PerpExchange): bigint {
  for (const log of receipt.logs) {
    const parsed = exchange.interface.parseLog(log);
    if (parsed?.name === "MarginTransferred") return parsed.args.amount as bigint;
  }
  return 0n;
}

export function replay<M extends { at(time: bigint): M }, T>(
  model: M,
  time: bigint,
  what: string,
  apply: (m: M) => T,
): T {
  try {
    return apply(model.at(time));
  } catch (error) {
    if (error instanceof ModelRevert)
      expect.fail(`the chain did ${what} at ${time}, the model refused: ${error.message}`);
    throw error;
  }
}

/** Sends a transaction that must succeed; its receipt. */
export async function mined(send: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await send).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt;
}

export async function blockTime(receipt: ContractTransactionReceipt): Promise<bigint> {
  return BigInt((await receipt.getBlock()).timestamp);
}

/** The one event `name` that `token` emitted in `receipt`. */
export function eventOf(receipt: ContractTransactionReceipt, token: LeveragedToken, name: string) {
  const events = receipt.logs
    .filter((log) => log.address.toLowerCase() === String(token.target).toLowerCase())
    .map((log) => token.interface.parseLog(log))
    .filter((e) => e?.name === name);
  expect(events.length, `one ${name} event`).to.equal(1);
  return events[0]!;
}
