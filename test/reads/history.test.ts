import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { findBlockByTime } from "../../src/chain/blocks";
import { readExchangeAccount } from "../../src/reads/exchangeAccount";
import { annualManagementCost, describeFees } from "../../src/holder/fees";
import { formatChange } from "../../src/text/format";
import { readTokenHistory, rebased } from "../../src/reads/tokenHistory";
import { holdingSince } from "../../src/holder/holdingPeriod";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

/** The reads behind the app's token and trade pages, against the in-process chain. */
describe("chain reads for the app (history, holding period, block search, exchange account)", () => {
  /** A BTC3L with a holder, then +10% a day later, -12% an hour after that (a drift), +5% a day later, each
   * rebalanced by the keeper. */
  async function threeDays() {
    const system = await deploySystem();
    const [, holder, other, keeper] = await ethers.getSigners();
    const token = await createToken(system.factory, wad(3));
    await fund(system, holder, await token.getAddress(), usdc(1_000));
    await token.connect(holder).mint(usdc(1_000), 1n, holder);
    const marks: { block: number; time: number; nav: bigint }[] = [];
    for (const [price, wait] of [
      [55_000, 86_400],
      [48_400, 3_600],
      [50_820, 86_400],
    ]) {
      await time.increase(wait);
      await system.btcFeed.updateAnswer(feedPrice(price));
      await token.connect(keeper).rebalance();
      const block = (await ethers.provider.getBlock("latest"))!;
      marks.push({ block: block.number, time: block.timestamp, nav: await token.navPerShare() });
    }
    return { ...system, token, holder, other, marks };
  }

  it("reads a token's rebalances and its NAV beside its market's price at the blocks where they happened", async () => {
    const { book, token, marks } = await loadFixture(threeDays);
    const history = await readTokenHistory(ethers.provider, book, await token.getAddress());
    expect(history.rebalances.map((r) => [r.blockNumber, r.trigger, r.price])).to.deep.equal([
      [marks[0].block, "time", wad(55_000)],
      [marks[1].block, "drift", wad(48_400)],
      [marks[2].block, "time", wad(50_820)],
    ]);
    for (const r of history.rebalances) expect(r.leverageAfter).to.be.closeTo(wad(3), 10n ** 10n);
    expect(history.rebalances[1].leverageBefore > wad(4)).to.equal(true); // -12% takes a 3x long above 4x
    const atRebalances = history.nav.filter((p) => marks.some((m) => m.block === p.blockNumber));
    expect(atRebalances.map((p) => [p.timestamp, p.navPerShare])).to.deep.equal(marks.map((m) => [m.time, m.nav]));
    expect(history.nav[0]).to.include({
      blockNumber: history.createdAt,
      navPerShare: 100_000_000n,
      price: wad(50_000),
    });
    // Rebased to 100: the underlying ends +1.64%, the token 1.3 x 0.64 x 1.15 - 1 = -4.32% (no fees here).
    const navs = rebased(history.nav.map((p) => p.navPerShare));
    expect(navs[0]).to.equal(100);
    expect(navs[navs.length - 1]).to.be.closeTo(95.68, 0.01);
    expect(rebased(history.nav.map((p) => p.price)).at(-1)).to.be.closeTo(101.64, 1e-9);
  });

  it("finds the last block at or before a time, in batched rounds", async () => {
    const { marks } = await loadFixture(threeDays);
    const latest = (await ethers.provider.getBlock("latest"))!;
    const head = { number: latest.number, timestamp: latest.timestamp };
    expect(await findBlockByTime(ethers.provider, marks[1].time, head, 4)).to.equal(marks[1].block);
    expect(await findBlockByTime(ethers.provider, marks[1].time - 1, head, 4)).to.equal(marks[1].block - 1);
    expect(await findBlockByTime(ethers.provider, latest.timestamp + 100, head)).to.equal(latest.number);
    expect(await findBlockByTime(ethers.provider, 0, head)).to.equal(undefined);
  });

  it("dates a holding from when the balance last went from 0 to more", async () => {
    const { token, holder, other, marks } = await loadFixture(threeDays);
    const address = await token.getAddress();
    const minted = (await token.queryFilter(token.filters.Transfer(ethers.ZeroAddress, holder.address)))[0];
    const since = (await ethers.provider.getBlock(minted.blockNumber))!.timestamp;
    expect(await holdingSince(ethers.provider, address, holder.address)).to.equal(since);
    expect(await holdingSince(ethers.provider, address, other.address)).to.equal(undefined);
    // All out, then back in: the holding starts again.
    const shares = await token.balanceOf(holder);
    await token.connect(holder).transfer(other, shares);
    expect(await holdingSince(ethers.provider, address, holder.address)).to.equal(undefined);
    await token.connect(other).transfer(holder, shares / 2n);
    const back = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(await holdingSince(ethers.provider, address, holder.address)).to.equal(back);
    expect(back > marks[2].time).to.equal(true);
  });

  it("reads the token's exchange account as the exchange's accountState gives it", async () => {
    const { exchange, btcMarket, token } = await loadFixture(threeDays);
    const address = await token.getAddress();
    const account = await readExchangeAccount(exchange, address, btcMarket);
    const [state, { config }] = await Promise.all([
      exchange.accountState(address, btcMarket),
      exchange.market(btcMarket),
    ]);
    // A long (3x): its notional, PnL and entry price round down as plain bigint division does; the maintenance
    // margin rounds up (collateral units: 1e12 USD WAD each).
    const notional = (state.size * state.price) / 10n ** 18n;
    const maintenance = (state.size * state.price * config.maintenanceMarginBps + 10n ** 34n - 1n) / 10n ** 34n;
    expect(account).to.deep.include({
      margin: state.margin,
      size: await token.positionSize(),
      entryPrice: (state.openNotional * 10n ** 18n) / state.size,
      accountValue: state.value,
      unrealizedPnl: notional - state.openNotional,
      fundingOwed: state.fundingOwed,
      maintenanceMargin: maintenance,
      markPrice: wad(50_820),
      priceStatus: "fresh",
      marketSymbol: "BTC",
    });
  });

  it("puts fees and changes in words and numbers a holder reads", () => {
    const lines = describeFees({
      mintFeeBps: 10n,
      redeemFeeBps: 25n,
      managementFeePerYear: wad("0.0365"),
      takerFeeBps: 5n,
      reward: { cap: 2_000_000n, maxPerYearBps: 50n },
    });
    expect(lines[0]).to.equal(
      "Minting costs 0.10% of the USDC you pay in; redeeming costs 0.25% of the USDC you take out.",
    );
    expect(lines[1]).to.contain("holding for a year costs 3.58% of your holding");
    expect(lines.at(-2)).to.contain("taker fee (0.05%)");
    expect(lines.at(-1)).to.equal(
      "Whoever rebalances the token when it is due is paid a reward out of its equity: at most 2 USDC a rebalance and at most 0.50% of the equity a year in all.",
    );
    const short = describeFees({
      mintFeeBps: 0n,
      redeemFeeBps: 0n,
      managementFeePerYear: 0n,
      fundingRatePerYear: wad("0.1"),
      long: false,
    });
    expect(short[2]).to.equal(
      "The token's position receives funding of 10.00% a year of its size (longs pay shorts), which moves the NAV a little every second.",
    );
    // 1 - e^-0.0365 = 0.035841..., exactly as the contract's series gives it.
    expect(annualManagementCost(wad("0.0365"))).to.be.closeTo(35_841_877_000_000_000n, 10n ** 12n);
    expect([
      formatChange(110n, 100n),
      formatChange(95n, 100n),
      formatChange(100n, 100n),
      formatChange(1n, 0n),
    ]).to.deep.equal(["+10.00%", "-5.00%", "0.00%", "-"]);
  });
});
