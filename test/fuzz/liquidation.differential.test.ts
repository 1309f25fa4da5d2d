import { takeSnapshot, time, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { ExactTokenModel } from "../../src/model/exactToken";
import { REBALANCE_ACTIONS } from "../../src/chain/enums";
import { readMarketParams, readTokenParams } from "../../src/model/fromChain";
import { abs, BPS, COLLATERAL_SCALE, divCeil, FEED_TO_WAD, WAD } from "../../src/model/fixedPoint";
import type { LeveragedToken } from "../../typechain-types";
import { expectBooksBalance } from "../helpers/books";
import { createToken, deploySystem, fund, type TokenDefaultsInput } from "../helpers/system";
import type { MarketSettings } from "../helpers/fixtures";
import { usdc, wad } from "../helpers/units";

/**
 * ExactTokenModel.liquidate against PerpExchange.liquidate: a 3x long and a 3x short pushed by the price to 39x
 * (above the maintenance margin of 2.5%, 40x: refused), to the maintenance margin's edge (one 1e-8 USD feed step
 * short of it: refused; at it: liquidated) and to 45x (penalty below the margin), each liquidated by a stranger, then rebalanced back to 3x, minted into and redeemed from; last, to 1000x (penalty capped at the margin,
 * nothing left) or under water (bad debt, no penalty), liquidated, and wiped out by the next rebalance. Replayed on
 * chain block by block and in the model at the same block times: every state the chain shows, and what the
 * liquidator, the minters and the redeemers get, must equal the model's to the wei.
 */
interface Variant {
  name: string;
  defaults: TokenDefaultsInput;
  market: Partial<MarketSettings>;
  underWater: bigint; // the under-water push: account value -notional / this
}

const VARIANTS: Variant[] = [
  { name: "no fees, no funding", defaults: {}, market: {}, underWater: 100n },
  {
    name: "mint/redeem/management fees, taker fee and funding",
    defaults: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
    market: { takerFeeBps: 5, fundingRatePerYear: wad("0.1"), liquidationPenaltyBps: 150 },
    underWater: 5n,
  },
];

describe("ExactTokenModel.liquidate: differential replay on chain", () => {
  let snapshot: SnapshotRestorer;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    await snapshot.restore();
  });

  for (const variant of VARIANTS) {
    for (const [leverage, last] of [
      [wad(3), 1_000n],
      [wad(3), -variant.underWater],
      [wad(-3), 1_000n],
      [wad(-3), -variant.underWater],
    ]) {
      const side = leverage > 0n ? "3x long" : "3x short";
      const end = last > 0n ? `${last}x (penalty capped)` : `under water by notional/${-last} (bad debt)`;
      it(`${side}: 39x refused; the maintenance margin's edge, 45x, then ${end} liquidated, to the wei (${variant.name})`, async () => {
        const system = await deploySystem(variant.defaults, variant.market);
        const [, alice, bob, liquidator] = await ethers.getSigners();
        const token: LeveragedToken = await createToken(system.factory, leverage);
        const account = await token.getAddress();
        for (const holder of [alice, bob]) await fund(system, holder, account, usdc(1_000_000));

        const market = await readMarketParams(system.exchange, 0);
        const model = new ExactTokenModel(
          market,
          await readTokenParams(token),
          await token.lastRebalanceTime(),
          await system.exchange.markPrice(0),
        );
        let now = BigInt(await time.latest());

        /**
         * Sends one transaction in a block of its own `dt` seconds after the last block (a transaction that reverts
         * is mined too, in Hardhat), and moves the clock there.
         */
        async function send(action: () => Promise<ContractTransactionResponse>, dt = 1n) {
          now = BigInt(await time.latest()) + dt;
          await time.setNextBlockTimestamp(now);
          const receipt = await (await action()).wait();
          model.at(now);
          return receipt!;
        }

        async function expectSameState(where: string) {
          const m = model.at(now);
          expect(await token.navPerShare()).to.equal(m.navPerShare(), `NAV ${where}`);
          expect(await token.equity()).to.equal(m.equity(), `equity ${where}`);
          expect(await token.totalSupply()).to.equal(m.supply, `supply ${where}`);
          expect(await token.pendingManagementFeeShares()).to.equal(m.pendingManagementFeeShares(), `fee ${where}`);
          const position = await system.exchange.position(account, 0);
          expect(position.size).to.equal(m.size, `size ${where}`);
          expect(position.openNotional).to.equal(m.state.openNotional, `open notional ${where}`);
          expect((await system.exchange.accountState(account, 0)).margin).to.equal(m.state.margin, `margin ${where}`);
          expect(await token.currentLeverage()).to.equal(m.currentLeverage(), `leverage ${where}`);
          expect(REBALANCE_ACTIONS[Number(await token.rebalanceAction())]).to.equal(m.rebalanceAction(), where);
          expect(await system.exchange.isLiquidatable(account, 0)).to.equal(m.isLiquidatable(), `liq. ${where}`);
          expect(await token.wipedOut()).to.equal(m.wipedOut, `wipe-out ${where}`);
        }

        async function mint(holder: typeof alice, amount: bigint) {
          const before = await token.balanceOf(holder.address);
          await send(() => token.connect(holder).mint(amount, 0, holder.address));
          const { shares } = model.mint(amount);
          expect((await token.balanceOf(holder.address)) - before).to.equal(shares, "shares minted");
        }

        async function redeem(holder: typeof alice, shares: bigint) {
          const before = await system.usdc.balanceOf(holder.address);
          await send(() => token.connect(holder).redeem(shares, 0, holder.address));
          const { collateralOut } = model.redeem(shares);
          expect((await system.usdc.balanceOf(holder.address)) - before).to.equal(collateralOut, "collateral out");
        }

        /** The feed answer at which the account is at leverage `k` (k < 0: value -notional / |k|), funding aside. */
        function answerFor(k: bigint): bigint {
          const { size, openNotional, margin } = model.state;
          const price = ((openNotional - margin * COLLATERAL_SCALE) * WAD * k) / (size * k - abs(size));
          expect(price / FEED_TO_WAD).to.be.greaterThan(0n);
          return price / FEED_TO_WAD;
        }

        /**
         * The two neighbouring feed answers between `safe` and `bad` where the model at time `at` goes from not
         * liquidatable to liquidatable (by bisection: value - maintenance margin is monotonic in the price).
         */
        function edge(at: bigint, safe: bigint, bad: bigint): { safe: bigint; bad: bigint } {
          const liquidatable = (answer: bigint) =>
            model
              .clone()
              .at(at)
              .setPrice(answer * FEED_TO_WAD)
              .isLiquidatable();
          expect([liquidatable(safe), liquidatable(bad)]).to.deep.equal([false, true]);
          while (abs(safe - bad) > 1n) {
            const middle = (safe + bad) / 2n;
            if (liquidatable(middle)) bad = middle;
            else safe = middle;
          }
          return { safe, bad };
        }

        /** Pushes the feed answer `dt` seconds after the last block. */
        async function push(answer: bigint, dt: bigint) {
          await send(() => system.btcFeed.updateAnswer(answer), dt);
          model.setPrice(answer * FEED_TO_WAD);
        }

        await mint(alice, usdc(10_000));
        await mint(bob, usdc(3_000));
        await expectSameState("after the mints");
        expect(model.isLiquidatable()).to.equal(false);
        await expect(system.exchange.liquidate(account, 0)).to.be.revertedWithCustomError(
          system.exchange,
          "PerpNotLiquidatable",
        );

        const penalties: { penalty: bigint; uncapped: bigint }[] = [];
        const steps: (bigint | "edge")[] = [39n, "edge", 45n, last];
        for (const k of steps) {
          const where = k === "edge" ? "at the maintenance margin" : `at ${k}x`;
          if (k === "edge") {
            // To the 1e-8 USD: one answer short of the maintenance margin the exchange refuses, at the next it
            // liquidates, at the block times the model says (value rounded down, the margin requirement up).
            const [current, far] = [model.state.price / FEED_TO_WAD, answerFor(45n)];
            const shortOf = edge(BigInt(await time.latest()) + 6n * 3_600n + 1n, current, far).safe;
            await push(shortOf, 6n * 3_600n);
            await expectSameState(`${where}, one answer short of it`);
            await time.setNextBlockTimestamp(now + 1n);
            await expect(system.exchange.connect(liquidator).liquidate(account, 0)).to.be.revertedWithCustomError(
              system.exchange,
              "PerpNotLiquidatable",
            );
            expect(BigInt(await time.latest())).to.equal(now + 1n); // the reverted transaction was mined then
            const at = edge(BigInt(await time.latest()) + 2n, current, far);
            // Without funding the edge stays where it was; with it, the value moves with time (the edge with it).
            if (market.fundingRatePerYear === 0n) expect(abs(at.bad - shortOf)).to.equal(1n);
            await push(at.bad, 1n);
          } else {
            await push(answerFor(k), 6n * 3_600n);
          }
          await expectSameState(`${where}, before`);
          if (k === 39n) {
            // Above the maintenance margin: refused, on chain as in the model.
            expect(model.isLiquidatable(), where).to.equal(false);
            await expect(system.exchange.connect(liquidator).liquidate(account, 0)).to.be.revertedWithCustomError(
              system.exchange,
              "PerpNotLiquidatable",
            );
            await send(() => token.rebalance());
            model.rebalance();
            await expectSameState(`${where}, rebalanced`);
            continue;
          }
          expect(
            model
              .clone()
              .at(now + 1n)
              .isLiquidatable(),
            where,
          ).to.equal(true); // when it is liquidated
          const rewardBefore = await system.usdc.balanceOf(liquidator.address);
          const fundBefore = await system.exchange.fundBalance();
          const marginBefore = model.state.margin;
          const receipt = await send(() => system.exchange.connect(liquidator).liquidate(account, 0));
          const { penalty, reward } = model.liquidate();
          const event = receipt.logs
            .map((log) => system.exchange.interface.parseLog(log))
            .find((e) => e?.name === "Liquidated");
          if (!event) throw new Error(`no Liquidated event ${where}`);
          expect(event.args.liquidatorReward).to.equal(reward, `reward ${where}`);
          expect(event.args.fundPenalty).to.equal(penalty - reward, `fund's penalty ${where}`);
          expect((await system.usdc.balanceOf(liquidator.address)) - rewardBefore).to.equal(reward, `paid ${where}`);
          // What the account lost went to the fund and the liquidator (a loss beyond the margin is bad debt).
          const fundGain = (await system.exchange.fundBalance()) - fundBefore;
          expect(fundGain + reward).to.equal(marginBefore - model.state.margin, `fund ${where}`);
          await expectSameState(`${where}, liquidated`);
          expect(model.size).to.equal(0n);
          expect(model.wipedOut).to.equal(false); // the token is not told
          // |size| x price x penalty bps, rounded up: what the penalty is when the margin can pay it.
          const uncapped = divCeil(
            abs(event.args.closedSize) * event.args.price * (market.liquidationPenaltyBps ?? 0n),
            WAD * BPS * COLLATERAL_SCALE,
          );
          penalties.push({ penalty, uncapped });

          // The token carries on from what is left: a drift rebalance back to 3x (or, with nothing left, the
          // wipe-out), then a mint and a partial redeem, all at later blocks.
          await send(() => token.rebalance(), 1_800n);
          const event2 = model.rebalance();
          await expectSameState(`${where}, rebalanced`);
          if (event2.wipedOut) break;
          await mint(bob, usdc(2_000));
          await expectSameState(`${where}, minted`);
          await redeem(alice, (await token.balanceOf(alice.address)) / 5n);
          await expectSameState(`${where}, redeemed`);
        }
        // The liquidations meant: two penalties paid in full, then one capped at a margin left > 0, or bad debt.
        expect(penalties.length).to.equal(3);
        expect(penalties[0].penalty).to.equal(penalties[0].uncapped);
        expect(penalties[1].penalty).to.equal(penalties[1].uncapped);
        if (last > 0n) expect(penalties[2].penalty).to.be.within(1n, penalties[2].uncapped - 1n);
        else expect(penalties[2].penalty).to.equal(0n);
        expect(model.state.margin).to.equal(0n);
        expect(model.wipedOut).to.equal(true);
        expect(await token.wipedOut()).to.equal(true);

        // The holders leave: what the chain pays out (nothing, after a wipe-out at zero margin) equals the model's.
        for (const holder of [alice, bob]) await redeem(holder, await token.balanceOf(holder.address));
        await expectSameState("after everyone left");
        // The default signer sends the rebalances: its margin holds their keeper rewards.
        const accounts = [alice, bob, liquidator, (await ethers.getSigners())[0]].map((s) => s.address);
        await expectBooksBalance(system.exchange, system.usdc, [...accounts, account, system.feeRecipient]);
      });
    }
  }
});
