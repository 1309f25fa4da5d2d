import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { expectBooksBalance } from "../helpers/books";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

/**
 * Plain regression tests for what the stateful property test (invariants.fuzz.ts) found. Each pins today's
 * behaviour; SECURITY.md ("Known limits") explains it.
 */
describe("regressions found by the stateful property test", () => {
  const twoHolders = async () => {
    const s = await attackSystem();
    await s.long.connect(s.alice).mint(usdc(10_000), 0, s.alice.address);
    await s.long.connect(s.bob).mint(usdc(10_000), 0, s.bob.address);
    return s;
  };

  it("3x long after -32% (51x, under the maintenance margin): a DRIFT rebalance is due, and after it every holder redeems", async () => {
    const s = await loadFixture(twoHolders);
    const { long, exchange, alice, bob, attacker } = s;
    await s.btcFeed.updateAnswer(feedPrice(34_000)); // equity 20,000 - 0.96 x 20,000 = 800 USDC; notional 40,800
    expect(await long.currentLeverage()).to.equal(wad(51));
    expect(await exchange.isLiquidatable(await long.getAddress(), 0)).to.equal(true);
    expect(await long.rebalanceAction()).to.equal(2n);
    // Until then a partial redeem and a mint are refused by the exchange's margin checks (reported; see SECURITY.md).
    await expect(long.connect(alice).redeem(wad(10), 0, alice.address)).to.be.revertedWithCustomError(
      exchange,
      "PerpMarginRequirementNotMet",
    );
    await expect(long.connect(attacker).rebalance()).to.emit(long, "Rebalanced");
    expect(await long.currentLeverage()).to.be.closeTo(wad(3), wad("0.0001"));
    for (const who of [alice, bob]) {
      await expect(long.connect(who).redeem(await long.balanceOf(who.address), 0, who.address)).to.emit(
        long,
        "Redeemed",
      );
    }
    expect(await long.totalSupply()).to.equal(0n);
    await expectBooksBalance(exchange, s.usdc, s.accounts);
  });

  it("the last holder can always redeem everything, even under the maintenance margin (the position closes)", async () => {
    const s = await loadFixture(twoHolders);
    const { long, alice, bob } = s;
    await long.connect(bob).transfer(alice.address, await long.balanceOf(bob.address));
    await s.btcFeed.updateAnswer(feedPrice(34_000));
    const all = await long.balanceOf(alice.address);
    const expected = await long.previewRedeem(all);
    await expect(long.connect(alice).redeem(all, 0, alice.address)).to.changeTokenBalance(s.usdc, alice, expected);
    expect(expected).to.be.closeTo(usdc(800), 2n);
    expect(await long.positionSize()).to.equal(0n);
  });
});
