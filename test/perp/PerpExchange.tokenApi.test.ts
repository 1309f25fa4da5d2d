import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { MaxUint256, ZeroAddress } from "ethers";
import fc from "fast-check";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployPerp, expectPerpBooks, inOneBlock, openPosition, type PerpSystem } from "../helpers/perp";
import { feedPrice, usdc, wad, WAD } from "../helpers/units";
import type { IPerpExchange } from "../../typechain-types/contracts/perp/PerpExchange";

/**
 * The calls shaped for a leveraged token (`depositAndTrade`, `tradeAndWithdraw`, `tradeToLeverage`, `accountState`)
 * against the plain calls they stand for: alice uses the combined call, bob the plain ones, in the same block from
 * the same account state, and the two accounts must stay equal to the wei (margin, size, cost basis, funding index),
 * and each payout must arrive.
 */

const GAS = { gasLimit: 1_000_000 };
const SCALE = 10n ** 12n; // USD WAD per collateral unit (6 decimals)
const MAX_AGE = 10 * 365 * 24 * 3600;

/** A BTC market at 50,000 with a taker fee and funding, a fund of 1,000,000 USDC, and the traders' wallets. */
async function twinFixture() {
  return deployPerp({ takerFeeBps: 7, fundingRatePerYear: wad("0.37"), maxPriceAge: MAX_AGE });
}

async function noFeeFixture() {
  return deployPerp({ maxPriceAge: MAX_AGE });
}

async function accountOf(s: PerpSystem, who: HardhatEthersSigner) {
  const p = await s.exchange.position(who.address, 0);
  return {
    margin: (await s.exchange.accountState(who.address, 0)).margin,
    size: p.size,
    openNotional: p.openNotional,
    index: p.fundingIndex,
  };
}

async function expectTwins(s: PerpSystem) {
  expect(await accountOf(s, s.alice)).to.deep.equal(await accountOf(s, s.bob));
  await expectPerpBooks(s);
}

/** An empty band (lower > upper): `tradeToLeverage` trades to the target whenever the size differs. */
const NO_BAND = { bandLower: MaxUint256, bandUpper: 0n };

/** A LeverageTarget: no cap, no band and no keeper reward unless given. */
function target(leverage: bigint, minValue: bigint, rest: Partial<IPerpExchange.LeverageTargetStruct> = {}) {
  return { leverage, minValue, maxValue: MaxUint256, ...NO_BAND, keeper: ZeroAddress, ...rest };
}

/**
 * The size `tradeToLeverage` trades to, written out independently: `leverage x min(value, maxValue) / price` toward
 * zero, none below `minValue` or at a value <= 0, and the size as it is when |leverage| on the levered value is
 * within the band.
 */
function sizeAfter(step: LeverageStep, value: bigint, size: bigint, price: bigint): bigint {
  const levered = value > step.maxValue ? step.maxValue : value;
  if (levered <= 0n || levered < step.minValue) return 0n;
  if (size !== 0n) {
    const notional = (size * price) / WAD - ((size * price) % WAD < 0n ? 1n : 0n); // toward negative infinity
    const leverage = (notional * WAD) / (levered * SCALE);
    const current = leverage < 0n ? -leverage : leverage;
    if (current >= step.bandLower && current <= step.bandUpper) return size;
  }
  return (step.leverage * levered * SCALE) / price; // BigInt division truncates toward zero, as Solidity's
}

type LeverageStep = {
  kind: "tradeToLeverage";
  leverage: bigint;
  minValue: bigint;
  maxValue: bigint;
  bandLower: bigint;
  bandUpper: bigint;
};

type Step =
  | { kind: "depositAndTrade"; amount: bigint; sizeDelta: bigint }
  | { kind: "tradeAndWithdraw"; sizeDelta: bigint; pay: [bigint, bigint] }
  | LeverageStep
  | { kind: "move"; price: number; seconds: number };

/** Alice's combined call and bob's plain calls for `step`, mined together; bob's are decided on the pending state. */
async function doStep(s: PerpSystem, step: Step): Promise<void> {
  const { exchange, alice, bob, carol, keeper } = s;
  if (step.kind === "move") {
    await s.btcFeed.updateAnswer(feedPrice(step.price));
    await time.increase(step.seconds);
    return;
  }
  const at = (await time.latest()) + 5;
  await time.setNextBlockTimestamp(at);
  const pending = { blockTag: "pending" };
  const sends: (() => Promise<ContractTransactionResponse>)[] = [];
  if (step.kind === "depositAndTrade") {
    sends.push(() => exchange.connect(alice).depositAndTrade(0, step.amount, step.sizeDelta, GAS));
    if (step.amount !== 0n) sends.push(() => exchange.connect(bob).deposit(0, bob.address, step.amount, GAS));
    if (step.sizeDelta !== 0n) sends.push(() => exchange.connect(bob).trade(0, step.sizeDelta, GAS));
  } else if (step.kind === "tradeAndWithdraw") {
    const [toCarol, toKeeper] = step.pay;
    const payouts = [
      { to: carol.address, amount: toCarol },
      { to: keeper.address, amount: toKeeper },
    ] as const;
    sends.push(() => exchange.connect(alice).tradeAndWithdraw(0, step.sizeDelta, [...payouts], GAS));
    if (step.sizeDelta !== 0n) sends.push(() => exchange.connect(bob).trade(0, step.sizeDelta, GAS));
    if (toCarol + toKeeper !== 0n)
      sends.push(() => exchange.connect(bob).withdraw(0, toCarol + toKeeper, bob.address, GAS));
  } else {
    const state = await exchange.accountState(bob.address, 0, pending);
    const delta = sizeAfter(step, state.value, state.size, state.price) - state.size;
    const { kind: _, ...leverageTarget } = step;
    sends.push(() => exchange.connect(alice).tradeToLeverage(0, { ...leverageTarget, keeper: ZeroAddress }, GAS));
    if (delta !== 0n) sends.push(() => exchange.connect(bob).trade(0, delta, GAS));
  }
  await inOneBlock(at, sends);
}

describe("PerpExchange: the calls shaped for a leveraged token", () => {
  it("accountState is every single view at once", async () => {
    const s = await loadFixture(twinFixture);
    await openPosition(s, s.alice, usdc(1_000), wad("0.05"));
    await time.increase(86_400);
    await s.btcFeed.updateAnswer(feedPrice(47_000));
    const a = s.alice.address;
    const state = await s.exchange.accountState(a, 0);
    const position = await s.exchange.position(a, 0);
    expect(state.value).to.equal((await s.exchange.accountState(a, 0)).value);
    expect(state.margin).to.equal((await s.exchange.accountState(a, 0)).margin);
    expect([state.size, state.openNotional]).to.deep.equal([position.size, position.openNotional]);
    expect(state.fundingOwed).to.equal((await s.exchange.accountState(a, 0)).fundingOwed);
    expect(state.fundingOwed).to.not.equal(0n);
    expect(state.price).to.equal(await s.exchange.markPrice(0));
    expect(state.priceStatus).to.equal(0n);
    expect(state.takerFeeBps).to.equal(7n);
  });

  it("each combined call leaves the account exactly as the plain calls do (property, twin accounts)", async () => {
    const sizeDelta = fc.bigInt({ min: -wad("0.2"), max: wad("0.2") });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant("depositAndTrade" as const),
        amount: fc.bigInt({ min: 0n, max: usdc(2_000) }),
        sizeDelta,
      }),
      fc.record({
        kind: fc.constant("tradeAndWithdraw" as const),
        sizeDelta,
        pay: fc.tuple(fc.bigInt({ min: 0n, max: usdc(300) }), fc.bigInt({ min: 0n, max: usdc(30) })),
      }),
      fc
        .record({
          kind: fc.constant("tradeToLeverage" as const),
          leverage: fc.bigInt({ min: -wad(5), max: wad(5) }),
          minValue: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: usdc(3_000) })),
          maxValue: fc.oneof(fc.constant(MaxUint256), fc.bigInt({ min: 0n, max: usdc(3_000) })),
          band: fc.oneof(
            fc.constant(NO_BAND),
            fc
              .tuple(fc.bigInt({ min: 0n, max: wad(4) }), fc.bigInt({ min: 0n, max: wad(6) }))
              .map(([bandLower, bandUpper]) => ({ bandLower, bandUpper })),
          ),
        })
        .map(({ band, ...rest }): LeverageStep => ({ ...rest, ...band })),
      fc.record({
        kind: fc.constant("move" as const),
        price: fc.integer({ min: 40_000, max: 60_000 }),
        seconds: fc.integer({ min: 1, max: 7 * 86_400 }),
      }),
    );
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 10 }), async (plan) => {
        const s = await loadFixture(twinFixture);
        await openPosition(s, s.alice, usdc(2_000), 0n);
        await openPosition(s, s.bob, usdc(2_000), 0n);
        for (const next of plan) {
          const before = await accountOf(s, s.alice);
          const wallets = [await s.usdc.balanceOf(s.carol.address), await s.usdc.balanceOf(s.keeper.address)];
          try {
            await doStep(s, next);
          } catch {
            // Refused (zero amounts, margin requirements, an empty margin): neither twin may have moved.
            await network.provider.send("evm_setAutomine", [true]);
            expect(await accountOf(s, s.alice)).to.deep.equal(before);
            continue;
          }
          await expectTwins(s);
          steps++;
          if (next.kind === "tradeAndWithdraw") {
            expect(await s.usdc.balanceOf(s.carol.address)).to.equal(wallets[0] + next.pay[0]);
            expect(await s.usdc.balanceOf(s.keeper.address)).to.equal(wallets[1] + next.pay[1]);
          }
        }
      }),
      { numRuns: 25, seed: 20261202 },
    );
    expect(steps).to.be.greaterThan(50);
  });

  it("tradeToLeverage: to the target from the value before, none below minValue, nothing at the target", async () => {
    // Without fee and funding, so that the value (and so the target) stays put after the first trade.
    const s = await loadFixture(noFeeFixture);
    const { exchange, alice } = s;
    await openPosition(s, alice, usdc(1_000), 0n);
    const price = await exchange.markPrice(0);
    await expect(exchange.connect(alice).tradeToLeverage(0, target(wad(3), 0n))).to.emit(exchange, "Traded");
    // 3 x 1,000 USDC / 50,000 = 0.06 BTC, from the value before the trade (its fee then comes off the margin)
    expect((await exchange.position(alice.address, 0)).size).to.equal((wad(3) * usdc(1_000) * SCALE) / price);
    // at the target already: no trade, no revert
    await expect(exchange.connect(alice).tradeToLeverage(0, target(wad(3), 0n))).not.to.emit(exchange, "Traded");
    // below minValue: closed
    await exchange.connect(alice).tradeToLeverage(0, target(wad(3), usdc(1_000_000)));
    expect((await exchange.position(alice.address, 0)).size).to.equal(0n);
    // at most maxValue levered: 3 x 400 USDC
    await exchange.connect(alice).tradeToLeverage(0, target(wad(3), 0n, { maxValue: usdc(400) }));
    expect((await exchange.position(alice.address, 0)).size).to.equal((wad(3) * usdc(400) * SCALE) / price);
    // within a band around the leverage on the levered value (3x on 400): nothing; outside it: to the target
    const levered3x = { maxValue: usdc(400), bandLower: wad(2), bandUpper: wad(4) };
    await expect(exchange.connect(alice).tradeToLeverage(0, target(wad(2), 0n, levered3x))).not.to.emit(
      exchange,
      "Traded",
    );
    await expect(
      exchange.connect(alice).tradeToLeverage(0, target(wad(2), 0n, { ...levered3x, bandUpper: wad("2.9") })),
    ).to.emit(exchange, "Traded");
    expect((await exchange.position(alice.address, 0)).size).to.equal((wad(2) * usdc(400) * SCALE) / price);
    // the band does not keep a dust account's position (below minValue): closed
    await exchange.connect(alice).tradeToLeverage(0, target(wad(2), usdc(1_000_000), { ...levered3x, bandLower: 0n }));
    expect((await exchange.position(alice.address, 0)).size).to.equal(0n);
    await expect(exchange.connect(alice).tradeToLeverage(0, target(wad(10_001), 0n)))
      .to.be.revertedWithCustomError(exchange, "PerpInvalidLeverage")
      .withArgs(wad(10_001));
    await time.increase(MAX_AGE + 1);
    await expect(exchange.connect(alice).tradeToLeverage(0, target(wad(3), 0n))).to.be.revertedWithCustomError(
      exchange,
      "PerpStalePrice",
    );
  });

  it("depositAndTrade and tradeAndWithdraw refuse what deposit, trade and withdraw refuse, with the same errors", async () => {
    const s = await loadFixture(twinFixture);
    const { exchange, alice, carol } = s;
    await openPosition(s, alice, usdc(1_000), wad("0.05"));
    await expect(exchange.connect(alice).depositAndTrade(0, 0n, 0n)).to.be.revertedWithCustomError(
      exchange,
      "PerpZeroAmount",
    );
    await expect(
      exchange.connect(alice).tradeAndWithdraw(0, 0n, [
        { to: carol.address, amount: 0n },
        { to: carol.address, amount: 0n },
      ]),
    ).to.be.revertedWithCustomError(exchange, "PerpZeroAmount");
    await expect(
      exchange.connect(alice).tradeAndWithdraw(0, 0n, [
        { to: "0x0000000000000000000000000000000000000000", amount: 1n },
        { to: carol.address, amount: 0n },
      ]),
    ).to.be.revertedWithCustomError(exchange, "PerpZeroAddress");
    const margin = (await exchange.accountState(alice.address, 0)).margin;
    await expect(
      exchange.connect(alice).tradeAndWithdraw(0, 0n, [
        { to: carol.address, amount: margin + 1n },
        { to: carol.address, amount: 0n },
      ]),
    )
      .to.be.revertedWithCustomError(exchange, "PerpInsufficientMarginBalance")
      .withArgs(alice.address, 0, margin + 1n, anyValue); // the margin after the funding it settles first
    // below the maintenance margin after the withdrawal
    await expect(
      exchange.connect(alice).tradeAndWithdraw(0, 0n, [
        { to: carol.address, amount: margin - usdc(10) },
        { to: carol.address, amount: 0n },
      ]),
    ).to.be.revertedWithCustomError(exchange, "PerpMarginRequirementNotMet");
    // a trade that grows exposure beyond the initial margin
    await expect(exchange.connect(alice).depositAndTrade(0, usdc(1), wad(1))).to.be.revertedWithCustomError(
      exchange,
      "PerpMarginRequirementNotMet",
    );
  });
});
