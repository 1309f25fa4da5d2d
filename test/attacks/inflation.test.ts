import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { expectBooksBalance } from "../helpers/books";
import { feedPrice, usdc, wad } from "../helpers/units";
import { probeMint, victimWorth, type ProbedMint } from "../helpers/probe";
import { attackSystem, type AttackSystem } from "./setup";

const RUNS = Number(process.env.ATTACK_RUNS ?? 40);
const MINT_FEE_BPS = 10n;

/**
 * Share inflation at zero, dust and tiny supply. The attacker's classic move: hold (nearly) the whole supply as a few
 * share units, then donate to the token's exchange account so that one share unit is worth more than a victim's
 * mint, which then rounds down to 0 or 1 share unit and leaves the rest with the attacker. The cure is the dead
 * shares (LeveragedToken.MINIMUM_SHARES, locked by the first mint): the supply never falls below 1e12 share units, so
 * one share unit is worth at most equity / 1e12, and a donation is owned almost wholly by the dead shares.
 */
describe("attack: share inflation through a few share units and a donation", () => {
  async function system() {
    const s = await attackSystem({ mintFeeBps: Number(MINT_FEE_BPS), redeemFeeBps: 10 }, { takerFeeBps: 5 });
    await s.usdc.mint(s.attacker.address, usdc(20_000_000));
    await s.usdc.connect(s.attacker).approve(await s.exchange.getAddress(), ethers.MaxUint256);
    await s.usdc.connect(s.attacker).approve(await s.long.getAddress(), ethers.MaxUint256);
    const probe = await ethers.deployContract("PreviewProbe");
    await s.usdc.connect(s.alice).approve(await probe.getAddress(), ethers.MaxUint256);
    return { ...s, probe };
  }

  /** The reviewer's reproduction: redeem all but one share unit, then donate `donation` to the exchange account. */
  async function oneShareUnitLeft(s: AttackSystem, donation: bigint) {
    const { long, attacker, exchange } = s;
    await long.connect(attacker).mint(usdc("0.0002"), 0, attacker.address); // the smallest first mint, about
    await long.connect(attacker).redeem((await long.balanceOf(attacker.address)) - 1n, 0, attacker.address);
    await exchange.connect(attacker).deposit(0, await long.getAddress(), donation);
  }

  it("was: all but one share unit redeemed + 10,000 USDC donated, a 15,000 USDC mint got 1 share unit; now the supply keeps its dead shares and the victim gets its money's worth", async () => {
    const s = await loadFixture(system);
    const { long, alice, attacker, probe } = s;
    const attackerBefore = await s.usdc.balanceOf(attacker.address);
    await oneShareUnitLeft(s, usdc(10_000));
    expect(await long.totalSupply()).to.equal((await long.MINIMUM_SHARES()) + 1n);
    expect(await long.balanceOf(await long.DEAD_SHARES_HOLDER())).to.equal(await long.MINIMUM_SHARES());

    const c = usdc(15_000);
    const { preview, shares } = await probeMint(probe, long, s.usdc, alice, c, true);
    expect(shares).to.equal(preview);
    const fees = (c * MINT_FEE_BPS) / 10_000n + (c * 3n * 5n) / 10_000n; // mint fee + 3x taker fee on the position
    expect(await victimWorth(long, alice.address)).to.be.at.least(c - fees - 3n);

    // The attacker leaves with less than it put in: the donation belongs to the dead shares.
    await long.connect(attacker).redeem(ethers.MaxUint256, 0, attacker.address);
    expect(await s.usdc.balanceOf(attacker.address)).to.be.lessThan(attackerBefore - usdc(9_999));
    await expectBooksBalance(s.exchange, s.usdc, [...s.accounts, await probe.getAddress()]);
  });

  it("was: a preset trap beat minSharesOut = previewMint (the preview said 1 share unit); now one share unit is worth under 1e-6 USDC even after a 900,000 USDC donation", async () => {
    const s = await loadFixture(system);
    const { long, alice, probe } = s;
    await oneShareUnitLeft(s, usdc(900_000));
    const supply = await long.totalSupply();
    const oneShareUnitWorth = ((await long.equity()) + supply - 1n) / supply;
    expect(oneShareUnitWorth).to.equal(1n); // 900,000 USDC over 1e12 share units: under one unit each
    const c = usdc(1);
    const { preview, shares } = await probeMint(probe, long, s.usdc, alice, c, true);
    expect(shares).to.equal(preview);
    expect(shares).to.be.greaterThan(10n ** 5n);
    expect(await victimWorth(long, alice.address)).to.be.at.least(c - (c * 25n) / 10_000n - 3n);
  });

  /**
   * Whatever the attacker does first (mints of any size down to a unit, redeems down to any number of share units,
   * donations of up to 1,000,000 USDC to the token's exchange account or to the token, price moves with the
   * keeper's rebalances), a victim's mint with minSharesOut = previewMint(c) either reverts and takes nothing, or
   * gives shares worth c less the mint fee and the taker fee of its own trade, to one share unit's worth (here well
   * under one 1e-6 USDC unit) and 3 units of rounding. And the attacker gains nothing from it: against the same
   * chain without the victim (a snapshot), the attacker's exit pays at most that one share unit's worth more; with
   * no price move, it ends with less than it put in.
   */
  it(`property: no share inflation whatever the attacker did first (${RUNS} runs)`, async function () {
    this.timeout(0);
    const move = fc.oneof(
      fc.record({
        kind: fc.constant("mint" as const),
        amount: fc.oneof(fc.bigInt(1n, 100n), fc.bigInt(101n, usdc(10_000))),
      }),
      fc.record({ kind: fc.constant("redeemDownTo" as const), units: fc.bigInt(1n, 1_000n) }),
      fc.record({ kind: fc.constant("donateAccount" as const), amount: fc.bigInt(1n, usdc(1_000_000)) }),
      fc.record({ kind: fc.constant("donateToken" as const), amount: fc.bigInt(1n, usdc(1_000_000)) }),
      fc.record({ kind: fc.constant("price" as const), bps: fc.integer({ min: -2_500, max: 2_500 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(move, { minLength: 1, maxLength: 8 }),
        fc.bigInt(1n, usdc(100_000)),
        async (moves, c) => {
          const s = await loadFixture(system);
          const { long, attacker, alice, probe, exchange } = s;
          const token = await long.getAddress();
          let price = feedPrice(50_000);
          let moved = false;
          const before = await s.usdc.balanceOf(attacker.address);
          for (const m of moves) {
            if (m.kind === "mint")
              await long
                .connect(attacker)
                .mint(m.amount, 0, attacker.address)
                .catch(() => undefined);
            else if (m.kind === "redeemDownTo") {
              const balance = await long.balanceOf(attacker.address);
              if (balance > m.units) await long.connect(attacker).redeem(balance - m.units, 0, attacker.address);
            } else if (m.kind === "donateAccount") await exchange.connect(attacker).deposit(0, token, m.amount);
            else if (m.kind === "donateToken") await s.usdc.connect(attacker).transfer(token, m.amount);
            else {
              price = (price * BigInt(10_000 + m.bps)) / 10_000n;
              await s.btcFeed.updateAnswer(price);
              moved = true;
              // The keeper does what is due (a wipe-out included).
              if ((await long.rebalanceAction()) !== 0n) await long.rebalance();
            }
          }

          // The cure's invariant, and one share unit's worth before the victim comes (collateral units, rounded up).
          const supply = (await long.totalSupply()) + (await long.pendingManagementFeeShares());
          if (supply > 0n) expect(supply, "the dead shares stay").to.be.at.least(await long.MINIMUM_SHARES());
          const equity = await long.equity();
          const oneShareUnit = supply === 0n ? 0n : (equity + supply - 1n) / supply;
          expect(oneShareUnit, "one share unit's worth after up to 8,000,000 USDC of donations").to.be.at.most(9n);

          const t = BigInt(await time.latest()) + 10n;
          const snapshot = await takeSnapshot();
          // Without the victim: the attacker leaves at t + 1.
          await time.setNextBlockTimestamp(t + 1n);
          const alone = await exitOf(s);
          await snapshot.restore();

          await time.setNextBlockTimestamp(t);
          const victimBefore = await s.usdc.balanceOf(alice.address);
          const outcome: ProbedMint | Error = await probeMint(probe, long, s.usdc, alice, c, true).catch(
            (error: Error) => error,
          );
          if (outcome instanceof Error) {
            // Refused (wiped out, first mint too small, 0 shares): nothing taken.
            expect(await s.usdc.balanceOf(alice.address), "a refused mint takes nothing").to.equal(victimBefore);
          } else {
            expect(outcome.shares, "shares = previewMint").to.equal(outcome.preview);
            // The first mint of a token also pays for the dead shares it locks, at the initial NAV.
            const dead = supply === 0n ? ((await long.MINIMUM_SHARES()) * (await long.initialNav())) / wad(1) : 0n;
            const fees = (c * MINT_FEE_BPS + 9_999n) / 10_000n + outcome.takerFee + dead;
            expect(await victimWorth(long, alice.address), "victim's shares are worth c less the fees").to.be.at.least(
              c - fees - oneShareUnit - 3n,
            );
          }
          await time.setNextBlockTimestamp(t + 1n);
          const withVictim = await exitOf(s);
          expect(withVictim, "the attacker gains nothing from the victim").to.be.at.most(alone + oneShareUnit);
          if (!moved)
            expect(alone, "without a price move the attacker ends with less than it put in").to.be.at.most(before);
        },
      ),
      { numRuns: RUNS, seed: 20261202 },
    );
  });

  /** The attacker redeems everything it holds (if anything); its stablecoin after. */
  async function exitOf(s: AttackSystem): Promise<bigint> {
    const { long, attacker } = s;
    if ((await long.balanceOf(attacker.address)) > 0n) {
      await long.connect(attacker).redeem(ethers.MaxUint256, 0, attacker.address);
    } else {
      await ethers.provider.send("evm_mine", []);
    }
    return s.usdc.balanceOf(attacker.address);
  }
});

describe("attack: a plain transfer to the token or the exchange moves no value between holders", () => {
  for (const where of ["token", "exchange"] as const) {
    it(`10,000 USDC sent to the ${where} contract: NAV unchanged, credited to nobody`, async () => {
      const s = await attackSystem();
      const { long, alice, attacker } = s;
      await long.connect(alice).mint(usdc(1_000), 0, alice.address);
      const nav = await long.navPerShare();
      const target = where === "token" ? await long.getAddress() : await s.exchange.getAddress();
      await s.usdc.connect(attacker).transfer(target, usdc(10_000));
      expect(await long.navPerShare()).to.equal(nav);
      expect(await long.previewMint(usdc(100))).to.equal(wad(1));
    });
  }
});
