import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MINIMUM_SHARES } from "../../src/model/token/types";
import { ethers } from "hardhat";
import type { LeveragedToken } from "../../typechain-types";
import { expectBooksBalance } from "../helpers/books";
import { createToken } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "./setup";

/** A 3x long, a 3x short and a 1x short on BTC, each held by alice (10,000) and bob (5,000), rebalanced at 50,000. */
async function threeTokens() {
  const s = await attackSystem({ mintFeeBps: 10, redeemFeeBps: 10 }, { takerFeeBps: 5 });
  const short1 = await createToken(s.factory, wad(-1));
  const tokens: Record<string, LeveragedToken> = { BTC3L: s.long, BTC3S: s.short, BTC1S: short1 };
  for (const token of Object.values(tokens)) {
    for (const [who, amount] of [
      [s.alice, usdc(10_000)],
      [s.bob, usdc(5_000)],
    ] as const) {
      await s.usdc.connect(who).approve(await token.getAddress(), amount);
      await token.connect(who).mint(amount, 0, who.address);
    }
  }
  const accounts = [...s.accounts, await short1.getAddress()];
  return { ...s, tokens, accounts };
}

const gaps = [
  { name: "-50% on a 3x long", price: 25_000, wipedOut: "BTC3L" },
  { name: "+50% on a 3x short", price: 75_000, wipedOut: "BTC3S" },
];

describe("attack: gaps between two rebalances", () => {
  for (const gap of gaps) {
    for (const order of ["alice first", "bob first"]) {
      it(`${gap.name}: every holder redeems (${order}), the exchange stays solvent, no token pays from another's`, async () => {
        const s = await loadFixture(threeTokens);
        const { exchange, usdc: stable } = s;
        await s.btcFeed.updateAnswer(feedPrice(gap.price));
        await expectBooksBalance(exchange, stable, s.accounts);

        // What each token's account is worth after the gap (0 for the one wiped out).
        const worth: Record<string, bigint> = {};
        const margins: Record<string, bigint> = {};
        for (const [symbol, token] of Object.entries(s.tokens)) {
          worth[symbol] = await token.equity();
          margins[symbol] = (await exchange.accountState(await token.getAddress(), 0)).margin;
        }
        expect(worth[gap.wipedOut]).to.equal(0n);

        // The next rebalance: the loser is wiped out for good, the winners go back to their leverage.
        for (const [symbol, token] of Object.entries(s.tokens)) {
          if (symbol === gap.wipedOut) await expect(token.rebalance()).to.emit(token, "WipedOut");
          else if ((await token.rebalanceAction()) !== 0n) {
            await expect(token.rebalance()).to.emit(token, "Rebalanced");
          }
        }

        const holders = order === "alice first" ? [s.alice, s.bob] : [s.bob, s.alice];
        for (const [symbol, token] of Object.entries(s.tokens)) {
          const others = Object.entries(s.tokens).filter(([other]) => other !== symbol);
          const othersBefore = await Promise.all(
            others.map(async ([, t]) => (await exchange.accountState(await t.getAddress(), 0)).margin),
          );
          let paid = 0n;
          for (const holder of holders) {
            const before = await stable.balanceOf(holder.address);
            await token.connect(holder).redeem(await token.balanceOf(holder.address), 0, holder.address);
            paid += (await stable.balanceOf(holder.address)) - before;
          }
          const recipient = await ethers.getSigner(s.feeRecipient);
          const feeShares = await token.balanceOf(recipient.address);
          if (feeShares > 0n) await token.connect(recipient).redeem(feeShares, 0, recipient.address);

          // Paid no more than the token's own account was worth; the other tokens' margins did not move.
          expect(paid, `${symbol} paid`).to.be.at.most(worth[symbol]);
          if (symbol === gap.wipedOut) expect(paid).to.equal(0n);
          const othersAfter = await Promise.all(
            others.map(async ([, t]) => (await exchange.accountState(await t.getAddress(), 0)).margin),
          );
          expect(othersAfter).to.deep.equal(othersBefore);
          expect(await token.totalSupply()).to.equal(MINIMUM_SHARES); // only the dead shares stay
          await expectBooksBalance(exchange, stable, s.accounts);
        }
        // Every token's account holds at most the dead shares' part (1e-7 of it) and the fund holds the rest.
        for (const token of Object.values(s.tokens)) {
          expect((await exchange.accountState(await token.getAddress(), 0)).margin).to.be.at.most(usdc("0.001"));
          expect(await token.positionSize()).to.equal(0n);
        }
        expect(await exchange.fundBalance()).to.be.greaterThan(0n);
      });
    }
  }
});
