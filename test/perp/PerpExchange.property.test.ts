import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { sumOfMargins } from "../helpers/books";
import { deployPerp, type PerpSystem } from "../helpers/perp";
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
                const value = await exchange.accountValue(traders[a.who].address, 0);
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
            const value = await exchange.accountValue(trader.address, 0);
            const snapshot = await exchange.accountSnapshot(trader.address, 0);
            expect([snapshot.value, snapshot.size]).to.deep.equal([
              value,
              (await exchange.position(trader.address, 0)).size,
            ]);
            expect(await exchange.isLiquidatable(trader.address, 0)).to.equal(
              snapshot.size !== 0n && value < (await exchange.marginRequirement(trader.address, 0)),
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
