import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import {
  accountFigures,
  deployPerp,
  expectPerpBooks,
  inOneBlock,
  openPosition,
  type PerpSystem,
} from "../helpers/perp";
import { accountValue, fundingOwed, takerFee, toCollateral } from "../helpers/perpMath";
import { feedPrice, usdc, wad } from "../helpers/units";

const RATE = wad("0.37");
const FEE_BPS = 7n;
const GAS = { gasLimit: 1_000_000 };

async function feeAndFundingFixture() {
  return deployPerp({
    takerFeeBps: Number(FEE_BPS),
    fundingRatePerYear: RATE,
    maxPriceAge: 10 * 365 * 24 * 3600,
  });
}

/**
 * Previews `marginIn` + `sizeDelta` for alice at `timestamp` (pending block), then does it for real in one block at
 * that timestamp, and checks both values of the preview against accountValue before and after.
 */
async function previewThenDo(s: PerpSystem, timestamp: number, marginIn: bigint, sizeDelta: bigint) {
  const { exchange, alice } = s;
  await time.setNextBlockTimestamp(timestamp);
  const pending = { blockTag: "pending" };
  const preview = await exchange.previewTrade(alice.address, 0, marginIn, sizeDelta, pending);
  const before = (await exchange.accountState(alice.address, 0, pending)).value;
  expect(preview.price).to.equal(await exchange.markPrice(0, pending));
  const sends: (() => Promise<ContractTransactionResponse>)[] = [];
  if (marginIn !== 0n) sends.push(() => exchange.connect(alice).deposit(0, alice.address, marginIn, GAS));
  if (sizeDelta !== 0n) sends.push(() => exchange.connect(alice).trade(0, sizeDelta, GAS));
  await inOneBlock(timestamp, sends);
  expect(await time.latest()).to.equal(timestamp);
  const after = (await exchange.accountState(alice.address, 0)).value;
  expect(preview.valueBefore, "valueBefore").to.equal(before);
  expect(preview.valueAfter, "valueAfter").to.equal(after);
  // and the snapshot agrees with the value and the position
  const snapshot = await exchange.accountState(alice.address, 0);
  expect([snapshot.value, snapshot.size, snapshot.price, snapshot.priceStatus]).to.deep.equal([
    after,
    (await exchange.position(alice.address, 0)).size,
    await exchange.markPrice(0),
    0n, // FRESH
  ]);
  await expectPerpBooks(s);
  return { preview, before, after };
}

describe("PerpExchange: previewTrade and accountState", () => {
  it("match deposit + trade through open, increase, reduce, flip and close, with fees and funding", async () => {
    const s = await loadFixture(feeAndFundingFixture);
    const { btcFeed, exchange, alice } = s;
    let t = (await time.latest()) + 10;

    // open from nothing, margin and trade in one go
    const size0 = 73_100_000_000_000_001n;
    const open = await previewThenDo(s, t, usdc("1000.123457"), size0);
    expect(open.before).to.equal(0n);
    const fee0 = takerFee(size0, wad(50_000), FEE_BPS);
    expect(open.after).to.equal(
      accountValue(
        usdc("1000.123457") + toCollateral(-fee0),
        size0,
        (await exchange.position(alice.address, 0)).openNotional,
        wad(50_000),
      ),
    );

    // 9 days later at a new price: increase (funding on the old size is settled first)
    t += 9 * 86_400;
    await time.setNextBlockTimestamp(t - 1);
    await btcFeed.updateAnswer(feedPrice("53210.98765432"));
    const position = await exchange.position(alice.address, 0);
    const margin = (await exchange.accountState(alice.address, 0)).margin;
    const increase = await previewThenDo(s, t, 0n, 12_300_000_000_000_007n);
    const owed = fundingOwed(size0, wad("53210.98765432"), RATE * BigInt(9 * 86_400));
    expect(owed).to.be.greaterThan(0n);
    // the value before counts the price move and the unsettled funding, as documented
    expect(increase.before).to.equal(
      accountValue(margin, position.size, position.openNotional, wad("53210.98765432"), owed),
    );

    // 3 days: reduce, with more margin in the same block
    t += 3 * 86_400;
    await time.setNextBlockTimestamp(t - 1);
    await btcFeed.updateAnswer(feedPrice("51000.5"));
    await previewThenDo(s, t, usdc(17), -50_000_000_000_000_003n);

    // 20 days: flip to a short
    t += 20 * 86_400;
    await time.setNextBlockTimestamp(t - 1);
    await btcFeed.updateAnswer(feedPrice("47777.77777777"));
    await previewThenDo(s, t, 0n, -wad("0.1"));
    expect((await exchange.position(alice.address, 0)).size).to.be.lessThan(0n);
    // an odd size: the short's cost basis is rounded down (against it), so the entry is a few wei under the fill
    const entry = (await accountFigures(exchange, alice.address, 0)).entryPrice;
    expect(entry).to.be.lessThanOrEqual(wad("47777.77777777"));
    expect(entry).to.be.closeTo(wad("47777.77777777"), 10n);

    // 1 day: margin only (a deposit settles nothing: funding stays pending in the value)
    t += 86_400;
    await previewThenDo(s, t, usdc(3), 0n);

    // 2 days: close
    t += 2 * 86_400;
    await time.setNextBlockTimestamp(t - 1);
    await btcFeed.updateAnswer(feedPrice("46000"));
    const size = (await exchange.position(alice.address, 0)).size;
    const close = await previewThenDo(s, t, 0n, -size);
    expect(close.after).to.equal((await exchange.accountState(alice.address, 0)).margin);
  });

  it("matches a close into bad debt (value after 0)", async () => {
    const s = await loadFixture(feeAndFundingFixture);
    const { btcFeed, exchange, alice } = s;
    await openPosition(s, alice, usdc(1000), wad("0.3"));
    await btcFeed.updateAnswer(feedPrice(40_000));
    const t = (await time.latest()) + 10;
    const result = await previewThenDo(s, t, 0n, -wad("0.3"));
    expect(result.before).to.be.lessThan(0n);
    expect(result.after).to.equal(0n);
    expect((await exchange.accountState(alice.address, 0)).margin).to.equal(0n);
  });

  it("previewTrade without a trade or margin is the current value; it does not change state", async () => {
    const s = await loadFixture(feeAndFundingFixture);
    const { exchange, alice } = s;
    await openPosition(s, alice, usdc(1000), wad("0.06"));
    await time.increase(86_400);
    const preview = await exchange.previewTrade(alice.address, 0, 0, 0);
    expect(preview.valueBefore).to.equal((await exchange.accountState(alice.address, 0)).value);
    // the unrealized PnL is 0 at the entry price, so settling the funding rounds exactly like the value
    expect(preview.valueAfter).to.equal(preview.valueBefore);
    expect(preview.valueBefore).to.be.lessThan(usdc(1000));
    expect(preview.price).to.equal(wad(50_000));
    const previewIn = await exchange.previewTrade(alice.address, 0, usdc(5), 0);
    expect(previewIn.valueAfter).to.equal(preview.valueBefore + usdc(5));
    // a stranger's account: nothing before, the margin after
    expect([...(await exchange.previewTrade(s.stranger.address, 0, usdc(5), 0))]).to.deep.equal([
      0n,
      usdc(5),
      wad(50_000),
    ]);
  });
});
