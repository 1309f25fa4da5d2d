import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MINIMUM_SHARES } from "../../src/model/token/types";
import fc from "fast-check";
import { ethers } from "hardhat";
import { abs, WAD } from "../../src/model/fixedPoint";
import { expectBooksBalance } from "../helpers/books";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

type Action =
  | { kind: "mint"; holder: number; amount: number }
  | { kind: "redeem"; holder: number; fraction: number }
  | { kind: "price"; movePct: number }
  | { kind: "wait"; hours: number }
  | { kind: "rebalance" };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("mint" as const), holder: fc.nat(2), amount: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant("redeem" as const), holder: fc.nat(2), fraction: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant("price" as const), movePct: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ kind: fc.constant("wait" as const), hours: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant("rebalance" as const) }),
);

/**
 * Random sequences of mints, redeems, price moves, time and rebalances on a 3x long and a 3x short with every fee
 * and funding on. After every step: the previews matched what the calls did, mints and redeems left leverage where
 * it was, and the exchange's books balance. At the end every holder redeems everything, in turn, without a revert.
 */
describe("LeveragedToken: properties", () => {
  async function system() {
    const s = await deploySystem(
      { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
      { takerFeeBps: 5, fundingRatePerYear: wad("0.2") },
    );
    const [admin, a, b, c] = await ethers.getSigners();
    const long = await createToken(s.factory, wad(3));
    const short = await createToken(s.factory, wad(-3));
    for (const holder of [a, b, c]) {
      await fund(s, holder, await long.getAddress(), usdc(1_000_000));
      await s.usdc.connect(holder).approve(await short.getAddress(), usdc(1_000_000));
      await s.usdc.mint(holder.address, usdc(1_000_000));
    }
    return { ...s, admin, holders: [a, b, c], tokens: [long, short] };
  }

  it("holds the invariants over random sequences (30 runs x up to 20 steps)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 20 }), async (actions) => {
        const s = await loadFixture(system);
        const accounts = [s.admin.address, s.feeRecipient, ...s.holders.map((h) => h.address)];
        for (const t of s.tokens) accounts.push(await t.getAddress());
        let price = feedPrice(50_000);
        const pending = { blockTag: "pending" };

        for (const step of actions) {
          if (step.kind === "price") {
            price = (price * BigInt(100 + step.movePct)) / 100n;
            await s.btcFeed.updateAnswer(price);
          } else if (step.kind === "wait") {
            await time.increase(step.hours * 3600);
            await s.btcFeed.updateAnswer(price);
          } else {
            for (const token of s.tokens) {
              if (await token.wipedOut()) continue;
              if (step.kind === "rebalance") {
                if ((await token.rebalanceAction()) !== 0n) await token.rebalance();
                continue;
              }
              const holder = s.holders[step.holder];
              // Read at the pending block: funding moves leverage every second (|L|^2 x rate a year). Its time is
              // pinned, so that a slow run (solidity-coverage) cannot let the wall clock move it before the action.
              await time.setNextBlockTimestamp((await time.latest()) + 1);
              const leverageBefore = await token.currentLeverage(pending);
              const equityBefore = await token.equity(pending);
              const supplyBefore = await token.totalSupply();
              // Above the band a mint or a partial redeem rebalances first; its preview counts that in, exactly.
              const overLevered = abs(leverageBefore) > (await token.leverageBand()).upper;
              if (step.kind === "mint") {
                const amount = usdc(step.amount);
                const expected = await token.previewMint(amount, pending);
                if (expected === 0n) continue;
                await expect(token.connect(holder).mint(amount, expected, holder.address)).to.changeTokenBalance(
                  token,
                  holder,
                  expected,
                );
              } else {
                const shares = ((await token.balanceOf(holder.address)) * BigInt(step.fraction)) / 100n;
                if (shares === 0n) continue;
                const expected = await token.previewRedeem(shares, pending);
                await expect(token.connect(holder).redeem(shares, expected, holder.address)).to.changeTokenBalance(
                  s.usdc,
                  holder,
                  expected,
                );
              }
              // Mints and redeems leave leverage where it was, to the granularity of equity (whole 1e-6 USDC: a few
              // units, |L| x 6 units / equity), or at the target when they rebalanced first.
              const equityAfter = await token.equity();
              // (A redeem that leaves only dust closes the position instead: leverage 0.)
              const open = (await token.positionSize()) !== 0n;
              if (supplyBefore > 0n && open && leverageBefore !== 0n && equityAfter > 0n) {
                const smaller = equityBefore < equityAfter ? equityBefore : equityAfter;
                const tolerance = (wad(3) * 6n) / smaller;
                // After a rebalance the taker fee it paid (5 bps of a trade of up to |l| + |L| times the equity,
                // paid after the trade was sized) moves leverage by up to |L| x (|l| + |L|) x 5 bps, then granularity.
                const rebalanceFee = (wad(3) * (abs(leverageBefore) + wad(3)) * 5n) / 10_000n / WAD;
                if (overLevered)
                  expect(await token.currentLeverage()).to.be.closeTo(
                    await token.targetLeverage(),
                    rebalanceFee + tolerance,
                  );
                else expect(await token.currentLeverage()).to.be.closeTo(leverageBefore, tolerance);
              }
            }
          }
          await expectBooksBalance(s.exchange, s.usdc, accounts);
        }

        // Every holder can leave, one after the other, and no redeem reverts.
        await s.btcFeed.updateAnswer(price);
        for (const token of s.tokens) {
          for (const holder of s.holders) {
            const shares = await token.balanceOf(holder.address);
            if (shares > 0n) await token.connect(holder).redeem(shares, 0, holder.address);
          }
          // The fee recipient last: each of its redeems accrues a second's fee on what is left, which dies out.
          const recipient = await ethers.getSigner(s.feeRecipient);
          for (let i = 0; i < 3 && (await token.balanceOf(recipient.address)) > 0n; i++) {
            await token.connect(recipient).redeem(await token.balanceOf(recipient.address), 0, recipient.address);
          }
          // The dead shares stay, and their management fee keeps accruing to the recipient (a second's worth here).
          const left = (await token.totalSupply()) - (await token.balanceOf(recipient.address));
          expect(left).to.be.oneOf([0n, MINIMUM_SHARES]);
          expect(await token.positionSize()).to.equal(0n);
        }
        await expectBooksBalance(s.exchange, s.usdc, accounts);
      }),
      { numRuns: 30, seed: Number(process.env.PROPERTY_SEED ?? 20261207) },
    );
  });
});
