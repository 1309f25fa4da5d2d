import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { feedPrice, usdc } from "../helpers/units";
import { attackSystem, type AttackSystem } from "./setup";

const RUNS = Number(process.env.ATTACK_RUNS ?? 30);

/**
 * A token nobody uses (only the dead shares, and maybe a griefer's dust) must neither be priced against a value <= 0
 * nor be killable: its holders' part besides the dead shares is dust, so it holds no position and carries no price
 * risk. A real wipe-out (a gap beyond 1/|L| with holders) is terminal and priced by nobody: mints are refused, the
 * fund takes the bad debt, and the operator retires the token (test/token/retire.test.ts).
 */
describe("attack: an unused token (dust supply, dust equity)", () => {
  async function system() {
    const s = await attackSystem({ mintFeeBps: 10 }, { takerFeeBps: 5 });
    for (const token of [s.long, s.short]) {
      await s.usdc.connect(s.attacker).approve(await token.getAddress(), ethers.MaxUint256);
    }
    return s;
  }

  /** The attacker mints, then redeems all but `keep` share units: the token is unused but for dust. */
  async function unused(s: AttackSystem, keep: bigint) {
    await s.long.connect(s.attacker).mint(usdc(10), 0, s.attacker.address);
    await s.long.connect(s.attacker).redeem((await s.long.balanceOf(s.attacker.address)) - keep, 0, s.attacker.address);
  }

  it("was: dust supply + a 10,000 USDC donation, levered by a rebalance, a gap under water, and the next 10,000 USDC mint paid the bad debt; now the dead shares' part is never levered and the mint gets its money's worth", async () => {
    const s = await loadFixture(system);
    const { long, attacker, alice } = s;
    await unused(s, 1n);
    await s.exchange.connect(attacker).deposit(0, await long.getAddress(), usdc(10_000));
    expect(await long.rebalanceAction(), "nothing to lever: the holders' part is dust").to.equal(0n);
    expect(await long.positionSize()).to.equal(0n);
    await s.btcFeed.updateAnswer(feedPrice(30_000)); // -40%: would put a 3x position under water
    expect(await long.equity()).to.be.greaterThan(usdc(10_000)); // no price risk
    expect(await long.rebalanceAction()).to.equal(0n);
    const c = usdc(10_000);
    const shares = await long.previewMint(c);
    await long.connect(alice).mint(c, shares, alice.address);
    const worth = (shares * (await long.equity())) / (await long.totalSupply());
    // Less the mint fee (10 USDC) and the taker fee on its 3x position: the equity it added is net / (1 + 3 x 5 bps),
    // to a couple of units of rounding.
    const net = c - usdc(10);
    expect(worth).to.be.closeTo((net * 10_000n) / 10_015n, 3n);
    expect(await long.wipedOut()).to.equal(false);
  });

  it("under water with holders (a real gap): the mint is refused, previews and NAV say 0, the keeper wipes it out and the fund takes the bad debt", async () => {
    const s = await loadFixture(system);
    const { long, alice, bob, exchange } = s;
    await long.connect(alice).mint(usdc(1_000), 0, alice.address);
    await s.btcFeed.updateAnswer(feedPrice(30_000)); // -40% at 3x: the account is worth about -200 USDC
    expect((await exchange.accountState(await long.getAddress(), 0)).value).to.be.lessThan(0n);
    expect(await long.navPerShare()).to.equal(0n);
    expect(await long.previewMint(usdc(10_000))).to.equal(0n);
    expect(await long.previewRedeem(await long.balanceOf(alice.address))).to.equal(0n);
    await expect(long.connect(bob).mint(usdc(10_000), 0, bob.address)).to.be.revertedWithCustomError(
      long,
      "LeveragedTokenWipedOut",
    );
    const fund = await exchange.fundBalance();
    await expect(long.rebalance()).to.emit(long, "WipedOut");
    expect(await exchange.fundBalance()).to.be.greaterThan(fund); // it took the margin and absorbed the bad debt
    expect(await s.usdc.balanceOf(bob.address)).to.equal(usdc(1_000_000)); // bob paid nothing
  });

  it("was: 0.0101 USDC of shares, a 1% adverse move made the equity dust and it was never rebalanced again, so a later move of 1/|L| let anyone wipe it out; now the dust position is due to be closed, and once closed no price can hurt it", async () => {
    const s = await loadFixture(system);
    const { long, attacker, alice } = s;
    await long.connect(attacker).mint(usdc("0.0102"), 0, attacker.address); // 0.0101 USDC after the mint fee
    expect(await long.positionSize()).to.not.equal(0n);
    await s.btcFeed.updateAnswer(feedPrice(49_500)); // -1%: equity about 0.0098
    expect(await long.equity()).to.be.lessThan(usdc("0.01"));
    expect(await long.rebalanceAction(), "the dust account's position is due to be closed").to.equal(2n);
    await expect(long.rebalance()).to.emit(long, "Rebalanced");
    expect(await long.positionSize()).to.equal(0n);
    const equity = await long.equity();
    for (const price of [33_000, 10_000, 1_000, 200_000]) {
      await s.btcFeed.updateAnswer(feedPrice(price));
      expect(await long.equity()).to.equal(equity);
      expect(await long.rebalanceAction()).to.equal(0n);
      await expect(long.rebalance()).to.be.revertedWithCustomError(long, "LeveragedTokenRebalanceNotDue");
    }
    await expect(long.connect(alice).mint(usdc(1_000), 0, alice.address)).to.emit(long, "Minted");
    expect(await long.wipedOut()).to.equal(false);
  });

  /**
   * A griefer's moves on an unused token (mints of any size from 0.0001 USDC, redeems down to any number of share
   * units, donations of up to 1 USDC, price moves of up to 30% at a time, under 1/|L|, each followed by the keeper's
   * rebalance of whatever is due) never wipe it out, and a later holder's mint always goes through.
   */
  it(`property: a griefer cannot kill an unused token while the keeper does what is due (${RUNS} runs)`, async function () {
    this.timeout(0);
    const move = fc.oneof(
      fc.record({ kind: fc.constant("mint" as const), amount: fc.bigInt(101n, usdc(1)) }),
      fc.record({ kind: fc.constant("redeemDownTo" as const), units: fc.bigInt(1n, 10n ** 15n) }),
      fc.record({ kind: fc.constant("donate" as const), amount: fc.bigInt(1n, usdc(1)) }),
      fc.record({ kind: fc.constant("price" as const), bps: fc.integer({ min: -3_000, max: 3_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(move, { minLength: 1, maxLength: 12 }),
        async (t, moves) => {
          const s = await loadFixture(system);
          const token = [s.long, s.short][t];
          let price = feedPrice(50_000);
          for (const m of moves) {
            if (m.kind === "mint")
              await token
                .connect(s.attacker)
                .mint(m.amount, 0, s.attacker.address)
                .catch(() => 0);
            else if (m.kind === "redeemDownTo") {
              const balance = await token.balanceOf(s.attacker.address);
              if (balance > m.units) await token.connect(s.attacker).redeem(balance - m.units, 0, s.attacker.address);
            } else if (m.kind === "donate") await s.exchange.connect(s.attacker).deposit(0, token, m.amount);
            else {
              price = (price * BigInt(10_000 + m.bps)) / 10_000n;
              await s.btcFeed.updateAnswer(price);
            }
            if ((await token.rebalanceAction()) !== 0n) await token.rebalance(); // the keeper
            expect(await token.wipedOut(), "wiped out").to.equal(false);
          }
          await expect(token.connect(s.alice).mint(usdc(1_000), 0, s.alice.address)).to.emit(token, "Minted");
          expect(await token.currentLeverage()).to.not.equal(0n);
          expect(await token.wipedOut()).to.equal(false);
        },
      ),
      { numRuns: RUNS, seed: 7 },
    );
  });
});
