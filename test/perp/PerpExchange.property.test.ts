import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { sumOfMargins } from "../helpers/books";
import { MirroredMarket } from "../helpers/mirrored";
import { accountFigures, deployPerp, type PerpSystem } from "../helpers/perp";
import { feedPrice, usdc, wad } from "../helpers/units";

/** Reverts a random action may legitimately meet; anything else fails the property. */
const EXPECTED_REVERTS = new Set([
  "PerpInsufficientMarginBalance",
  "PerpMarginRequirementNotMet",
  "PerpNotLiquidatable",
  "PerpInsufficientFund",
]);

async function randomMarketFixture() {
  return deployPerp({ takerFeeBps: 5, fundingRatePerYear: wad("0.5"), maxPriceAge: 3600 });
}

type Action =
  | { kind: "deposit"; who: number; amount: bigint }
  | { kind: "withdraw"; who: number; amount: bigint }
  | { kind: "trade"; who: number; size: bigint }
  | { kind: "leveredTrade"; who: number; percentOfMax: number }
  | { kind: "price"; moveBps: number }
  | { kind: "time"; seconds: number }
  | { kind: "keeperSweep" }
  | { kind: "settle"; who: number };

const who = fc.integer({ min: 0, max: 2 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), who, amount: fc.bigInt(1n, usdc(5_000)) }),
  fc.record({ kind: fc.constant("withdraw" as const), who, amount: fc.bigInt(1n, usdc(6_000)) }),
  {
    arbitrary: fc.record({
      kind: fc.constant("trade" as const),
      who,
      // mostly what a few thousand USDC can carry at 50,000 (up to 20x), sometimes more
      size: fc
        .oneof(
          { arbitrary: fc.bigInt(-wad("0.2"), wad("0.2")), weight: 4 },
          { arbitrary: fc.bigInt(-wad("2"), wad("2")), weight: 1 },
        )
        .filter((size) => size !== 0n),
    }),
    weight: 3,
  },
  {
    // a trade to a fraction of the largest position the account's value can back (20x at 5% initial margin)
    arbitrary: fc.record({
      kind: fc.constant("leveredTrade" as const),
      who,
      percentOfMax: fc.oneof(fc.integer({ min: 50, max: 100 }), fc.integer({ min: -100, max: -50 })),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("price" as const), moveBps: fc.integer({ min: -2_000, max: 2_000 }) }),
    weight: 3,
  },
  fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 10 * 86_400 }) }),
  { arbitrary: fc.record({ kind: fc.constant("keeperSweep" as const) }), weight: 2 },
  fc.record({ kind: fc.constant("settle" as const), who }),
);

const initialMargins = fc.array(fc.bigInt(usdc(200), usdc(5_000)), { minLength: 3, maxLength: 3 });

/** Runs `send`; returns whether it succeeded. A revert must be one of EXPECTED_REVERTS. */
async function attempt(s: PerpSystem, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    const data = (error as { data?: string }).data;
    const name = data ? s.exchange.interface.parseError(data)?.name : undefined;
    expect(EXPECTED_REVERTS.has(name ?? ""), `unexpected failure: ${String(error)}`).to.equal(true);
    return false;
  }
}

describe("PerpExchange: property", () => {
  it("random deposits, withdrawals, trades, price moves, funding and liquidations keep the books balanced", async () => {
    await fc.assert(
      fc.asyncProperty(
        initialMargins,
        fc.array(action, { minLength: 12, maxLength: 15 }),
        async (margins0, actions) => {
          const s = await loadFixture(randomMarketFixture);
          const { exchange, usdc: token, btcFeed, keeper } = s;
          const traders = [s.alice, s.bob, s.carol];
          const exchangeAddress = await exchange.getAddress();
          let price = feedPrice(50_000);
          // the exchange's token balance, from the transfers the test itself makes
          let expectedBalance = await token.balanceOf(exchangeAddress);
          for (const [i, amount] of margins0.entries()) {
            await exchange.connect(traders[i]).deposit(0, traders[i].address, amount);
            expectedBalance += amount;
          }

          for (const a of actions) {
            switch (a.kind) {
              case "deposit":
                await exchange.connect(traders[a.who]).deposit(0, traders[a.who].address, a.amount);
                expectedBalance += a.amount;
                break;
              case "withdraw":
                if (
                  await attempt(s, () => exchange.connect(traders[a.who]).withdraw(0, a.amount, traders[a.who].address))
                )
                  expectedBalance -= a.amount;
                break;
              case "trade":
                await attempt(s, () => exchange.connect(traders[a.who]).trade(0, a.size));
                break;
              case "leveredTrade": {
                const value = (await exchange.accountState(traders[a.who].address, 0)).value;
                const size = (value * 20n * BigInt(a.percentOfMax) * 10n ** 12n * 10n ** 8n) / 100n / price;
                if (size !== 0n) await attempt(s, () => exchange.connect(traders[a.who]).trade(0, size));
                break;
              }
              case "price":
                price = (price * BigInt(10_000 + a.moveBps)) / 10_000n;
                if (price < feedPrice(1_000)) price = feedPrice(1_000);
                await btcFeed.updateAnswer(price);
                break;
              case "time":
                await time.increase(a.seconds);
                await btcFeed.updateAnswer(price); // the oracle keeps the price fresh
                break;
              case "keeperSweep":
                // the keeper tries everyone; a liquidation succeeds exactly when isLiquidatable said so (the view is
                // read on the pending block, at the timestamp the liquidation then runs at)
                for (const trader of traders) {
                  await time.setNextBlockTimestamp((await time.latest()) + 1);
                  const liquidatable = await exchange.isLiquidatable(trader.address, 0, { blockTag: "pending" });
                  const before = await token.balanceOf(keeper.address);
                  const liquidated = await attempt(s, () => exchange.connect(keeper).liquidate(trader.address, 0));
                  expect(liquidated, "liquidate succeeds exactly when isLiquidatable").to.equal(liquidatable);
                  if (liquidated) expect((await exchange.position(trader.address, 0)).size).to.equal(0n);
                  expectedBalance -= (await token.balanceOf(keeper.address)) - before;
                }
                break;
              case "settle":
                await attempt(s, () => exchange.connect(traders[a.who]).settleFunding(0));
                break;
            }
            const margins = await sumOfMargins(exchange, traders);
            const fund = await exchange.fundBalance();
            const balance = await token.balanceOf(exchangeAddress);
            expect(balance, `after ${a.kind}`).to.equal(expectedBalance);
            expect(margins + fund, `books after ${a.kind}`).to.equal(balance);
            expect(balance >= margins, `balance below margins after ${a.kind}`).to.equal(true);
          }

          // the one-call views agree with each other for every account, whatever happened
          for (const trader of traders) {
            const value = (await exchange.accountState(trader.address, 0)).value;
            const snapshot = await exchange.accountState(trader.address, 0);
            expect([snapshot.value, snapshot.size]).to.deep.equal([
              value,
              (await exchange.position(trader.address, 0)).size,
            ]);
            expect(await exchange.isLiquidatable(trader.address, 0)).to.equal(
              snapshot.size !== 0n && value < (await accountFigures(exchange, trader.address, 0)).maintenanceMargin,
            );
          }
        },
      ),
      { numRuns: 30, seed: Number(process.env.PROPERTY_SEED ?? 20261207) },
    );
  });
});

/**
 * The moves of traders who live with their positions for months: withdrawing down to their maintenance requirement
 * (realizing profit to do it), settling their funding whatever their margin, long waits with funding accruing, price
 * moves and gaps, and a keeper liquidating whoever is liquidatable.
 */
type LongMove =
  | { kind: "deposit"; who: number; amount: bigint }
  | { kind: "lever"; who: number; percentOfMax: number }
  | { kind: "withdrawMost"; who: number }
  | { kind: "settle"; who: number }
  | { kind: "price"; moveBps: number }
  | { kind: "wait"; seconds: number }
  | { kind: "liquidations" };

const longMove: fc.Arbitrary<LongMove> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), who, amount: fc.bigInt(usdc(10), usdc(5_000)) }),
  {
    arbitrary: fc.record({
      kind: fc.constant("lever" as const),
      who,
      percentOfMax: fc.oneof(fc.integer({ min: 10, max: 100 }), fc.integer({ min: -100, max: -10 })),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("withdrawMost" as const), who }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("settle" as const), who }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("price" as const),
      moveBps: fc.oneof(fc.integer({ min: -1_500, max: 2_500 }), fc.integer({ min: -5_000, max: 10_000 })),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.oneof(fc.integer({ min: 3_600, max: 86_400 }), fc.integer({ min: 7 * 86_400, max: 42 * 86_400 })),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("liquidations" as const) }),
);

describe("PerpExchange: nothing owed is forgiven (property, against the exact model)", () => {
  it("weeks of funding, withdrawals to the maintenance margin and settlements at any value: every account and the fund equal the models", async () => {
    let withdrawals = 0;
    let settlements = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(longMove, { minLength: 15, maxLength: 25 }), async (moves) => {
        const s = await loadFixture(randomMarketFixture);
        const traders = [s.alice, s.bob, s.carol];
        const m = await MirroredMarket.of(s);
        for (const trader of traders) await m.traderDeposit(trader, usdc(2_000));
        let answer = (await s.btcFeed.latestRoundData())[1];
        for (const move of moves) {
          /** The next block's time (the models are asked about it on clones). */
          const fresh = async () => BigInt((await time.latest()) + 1);
          switch (move.kind) {
            case "deposit":
              await m.traderDeposit(traders[move.who], move.amount);
              break;
            case "lever": {
              // a fraction of the largest position the value can back at the initial margin (20x)
              const x = m
                .trader(traders[move.who])
                .clone()
                .at(await fresh());
              const target = (x.accountValue() * 20n * 10n ** 12n * 10n ** 18n) / m.price();
              const size = (target * BigInt(move.percentOfMax)) / 100n - x.state.size;
              const fee = (size < 0n ? -size : size) * m.price() * 5n; // 5 bps; headroom for it below
              if (size !== 0n && x.accountValue() * 10n ** 12n * 10n ** 22n > fee * 40n) {
                try {
                  x.trade(size);
                } catch {
                  break; // the model refuses (initial margin): so would the chain
                }
                await m.traderTrade(traders[move.who], size);
              }
              break;
            }
            case "withdrawMost": {
              // the most the model allows goes through; one unit more is refused (margin and profit, or maintenance)
              const trader = traders[move.who];
              const at = await fresh();
              const most = m.trader(trader).clone().at(at).maxWithdrawal();
              await time.setNextBlockTimestamp(Number(at));
              const oneMore = s.exchange.connect(trader).withdraw.staticCall(0, most + 1n, trader.address, {
                blockTag: "pending",
              });
              await expect(oneMore).to.be.reverted;
              if (most > 0n) {
                await m.traderWithdraw(trader, most);
                withdrawals++;
              }
              break;
            }
            case "settle": {
              // Settling moves no value but the rounding of what is paid up to the unit (in the fund's favour): the
              // model's value just before and just after, at the same second. (The chain equals the model below.)
              const trader = traders[move.who];
              const at = await fresh();
              const before = m.trader(trader).clone().at(at).accountValue();
              await time.setNextBlockTimestamp(Number(at));
              await m.settleFunding(trader);
              const after = m.trader(trader).accountValue();
              expect(before - after, "settling funding changed the value by more than a unit").to.be.within(0n, 1n);
              settlements++;
              break;
            }
            case "price":
              answer = (answer * BigInt(10_000 + move.moveBps)) / 10_000n;
              if (answer < feedPrice(1_000)) answer = feedPrice(1_000);
              await m.push(answer);
              break;
            case "wait":
              await time.increase(move.seconds);
              await m.push(answer); // the oracle keeps the price fresh
              break;
            case "liquidations":
              for (const trader of traders) await m.liquidate(trader, s.keeper);
              break;
          }
          await m.expectBooks(`after ${move.kind}`);
        }
      }),
      { numRuns: 25, seed: 20261207 },
    );
    expect(withdrawals, "withdrawals to the maintenance margin").to.be.greaterThan(10);
    expect(settlements, "settlements").to.be.greaterThan(10);
  });
});
