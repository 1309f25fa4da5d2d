import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { LeveragedToken } from "../../typechain-types";
import { MirroredMarket, mined, rewardPaid } from "../helpers/mirrored";
import { deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad, YEAR } from "../helpers/units";

const HOUR = 3_600n;
const NOT_DUE = "LeveragedTokenRebalanceNotDue";
/** The defaults every token starts with: up to 2 USDC after 600 s, at most 50 bp of equity a year. */
const CAP = usdc(2);
const RAMP = 600n;
const BPS = 50n;

/** KeeperReward's budget: equity x 50 bp x seconds since the last rebalance / a year, rounded down. */
const budget = (equity: bigint, seconds: bigint) => (equity * BPS * seconds) / (10_000n * YEAR);

describe("LeveragedToken: the keeper reward (a Dutch auction of the tip, bounded by a yearly budget)", () => {
  /** A 3x long (and a 1x short) with `amount` minted, followed by the exact model (to the wei, rewards included). */
  async function withTokens(amount: bigint) {
    const s = await deploySystem();
    const [admin, alice, keeper, attacker, bob] = await ethers.getSigners();
    const m = await MirroredMarket.of(s);
    const long = await m.addToken(wad(3));
    const short = await m.addToken(wad(-1));
    for (const token of [long, short]) {
      for (const who of [alice, attacker]) await fund(s, who, await token.getAddress(), usdc(2_000_000));
      await m.mint(token, alice, amount);
    }
    return { s, m, long, short, admin, alice, keeper, attacker, bob };
  }
  const big = () => withTokens(usdc(1_000_000));
  const small = () => withTokens(usdc(1_000));

  /** A fresh copy of the fixture's mirror (the fixture's own stays as it was for the next test). */
  async function load(fixture: typeof big) {
    const f = await loadFixture(fixture);
    return { ...f, m: f.m.clone() };
  }

  /** The feed pushed again at `at` - 1 (a fresh round at the same price), then the chain at `at` - 1. */
  async function freshPriceBefore(m: MirroredMarket, at: bigint) {
    await time.setNextBlockTimestamp(at - 1n);
    await m.push(m.price() / 10n ** 10n);
  }

  const margin = async (
    f: { s: { exchange: { accountState(a: string, m: bigint): Promise<{ margin: bigint }> } } },
    who: HardhatEthersSigner,
  ) => (await f.s.exchange.accountState(who.address, 0n)).margin;

  describe("the curve", () => {
    it("by time: 0 until due and at the moment it falls due, then linear to the cap after the ramp", async () => {
      const { m, long, keeper } = await load(big);
      const due = await long.nextRebalanceTime();
      await freshPriceBefore(m, due - 10n);
      expect(await long.rebalanceRewardAt(due - 1n)).to.equal(0n);
      expect(await long.rebalanceRewardAt(due)).to.equal(0n);
      expect(await long.rebalanceRewardAt(due + 1n)).to.equal(CAP / RAMP);
      expect(await long.rebalanceRewardAt(due + 300n)).to.equal(usdc(1));
      expect(await long.rebalanceRewardAt(due + RAMP)).to.equal(CAP);
      expect(await long.rebalanceRewardAt(due + 100n * RAMP)).to.equal(CAP);
      expect(await long.rebalanceReward()).to.equal(0n); // now is before the interval
      // Paid once, into the caller's exchange account, as the model says; the next call reverts and pays nothing.
      await time.increaseTo(due + 299n);
      expect(await m.rebalanceIfDue(long, keeper)).to.equal(true);
      expect(await margin({ s: m.s }, keeper)).to.equal(usdc(1));
      expect(await long.rebalanceReward()).to.equal(0n);
      await expect(long.connect(keeper).rebalance()).to.be.revertedWithCustomError(long, NOT_DUE);
      await m.expectBooks("paid once");
    });

    it("the budget: at most 50 bp of the equity a year since the last rebalance, whatever the curve says", async () => {
      const { m, long, keeper } = await load(small);
      const due = await long.nextRebalanceTime();
      const last = await long.lastRebalanceTime();
      await freshPriceBefore(m, due);
      const equity = await long.equity();
      const at = due + RAMP;
      expect(await long.rebalanceRewardAt(at))
        .to.equal(budget(equity, at - last))
        .and.to.be.lessThan(CAP);
      await time.increaseTo(at - 1n);
      await m.rebalanceIfDue(long, keeper);
      expect(await margin({ s: m.s }, keeper)).to.equal(budget(equity, at - last)); // about 0.0138 USDC
      await m.expectBooks("budget");
    });

    it("above the band before the interval: from the round that took it there, never from before", async () => {
      const { m, long, keeper } = await load(big);
      await time.increase(12n * HOUR); // the budget has accrued: the curve is what binds
      const receipt = await m.push(feedPrice(44_000)); // -12%: 3x -> 4.125x, above the band's 4x, below 4.5x
      const pushed = BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      expect(await long.rebalanceAction()).to.equal(2n); // DRIFT
      expect(await long.rebalanceRewardAt(pushed)).to.equal(0n);
      expect(await long.rebalanceRewardAt(pushed + 60n)).to.equal((CAP * 60n) / RAMP);
      await time.increaseTo(pushed + 59n);
      await m.rebalanceIfDue(long, keeper);
      expect(await margin({ s: m.s }, keeper)).to.equal((CAP * 60n) / RAMP);
      await m.expectBooks("drift");
    });

    it("an emergency (|L| at least 1.5 band-widths above the target) pays the cap at once", async () => {
      const { m, long, keeper } = await load(big);
      await time.increase(12n * HOUR);
      const receipt = await m.push(feedPrice(40_000)); // -20%: 3x -> 6x, beyond 4.5x
      const pushed = BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      expect(await long.rebalanceRewardAt(pushed)).to.equal(CAP);
      await m.rebalanceIfDue(long, keeper);
      expect(await margin({ s: m.s }, keeper)).to.equal(CAP);
      await m.expectBooks("emergency");
    });

    it("below the band before the interval (what a donation can cause): due, and paid nothing", async () => {
      const { m, long, keeper } = await load(big);
      await time.increase(12n * HOUR);
      await m.push(feedPrice(70_000)); // +40%: 3x -> 1.91x, below the band's 2x
      expect(await long.rebalanceAction()).to.equal(2n);
      expect(await long.rebalanceRewardAt((await time.latest()) + 3_600)).to.equal(0n);
      const receipt = await mined(long.connect(keeper).rebalance());
      expect(rewardPaid(receipt, m.s.exchange)).to.equal(0n);
      expect(await margin({ s: m.s }, keeper)).to.equal(0n);
    });
  });

  describe("who is paid", () => {
    it("rebalance() its caller, rebalanceFor(x) x, rebalanceFor(0) and a TokenUpkeep nobody", async () => {
      const f = await load(big);
      const upkeep = await ethers.deployContract("TokenUpkeep", [f.long]);
      const due = await f.long.nextRebalanceTime();
      await freshPriceBefore(f.m, due);
      let snapshot = await ethers.provider.send("evm_snapshot", []);
      await time.setNextBlockTimestamp(due + 300n);
      await f.long.connect(f.keeper).rebalanceFor(f.bob.address);
      expect([await margin(f, f.keeper), await margin(f, f.bob)]).to.deep.equal([0n, usdc(1)]);
      for (const call of [
        () => f.long.connect(f.keeper).rebalanceFor(ethers.ZeroAddress),
        () => upkeep.connect(f.keeper).performUpkeep("0x"),
      ]) {
        await ethers.provider.send("evm_revert", [snapshot]);
        snapshot = await ethers.provider.send("evm_snapshot", []);
        await time.setNextBlockTimestamp(due + 300n);
        const receipt = await mined(call());
        expect(rewardPaid(receipt, f.s.exchange)).to.equal(0n);
        expect(await f.long.lastRebalanceTime()).to.equal(due + 300n);
      }
    });

    it("a batch pays its caller the sum of the rewards of what it rebalanced", async () => {
      const f = await load(big);
      const due = await f.long.nextRebalanceTime();
      await freshPriceBefore(f.m, due);
      const batch = await ethers.getContractAt("BatchRebalancer", f.s.book.batcher as string);
      const tokens = [await f.long.getAddress(), await f.short.getAddress()];
      // Both at their cap (the short was created a block after the long: its interval ends a second later).
      await time.setNextBlockTimestamp(due + 2n * RAMP);
      await expect(batch.connect(f.keeper).rebalance([...tokens, ...tokens]))
        .to.emit(batch, "BatchRebalanced")
        .withArgs(f.keeper.address, 4n, 2n, 0b0011n);
      expect(await margin(f, f.keeper)).to.equal(2n * CAP);
      expect(await margin(f, f.bob)).to.equal(0n);
      await time.setNextBlockTimestamp(due + 3n * RAMP);
      await f.long.setRewardSettings({ cap: CAP, rampTime: RAMP, maxPerYearBps: BPS }); // nothing is due
      await expect(batch.connect(f.keeper).rebalanceFor(tokens, f.bob.address))
        .to.emit(batch, "BatchRebalanced")
        .withArgs(f.bob.address, 2n, 0n, 0n);
      expect(await margin(f, f.bob)).to.equal(0n);
    });
  });

  describe("admin", () => {
    const valid = { cap: CAP, rampTime: RAMP, maxPerYearBps: BPS };
    const rows: [string, Partial<typeof valid>, string, bigint][] = [
      ["a cap above 100 USD", { cap: usdc(100) + 1n }, "cap", usdc(100) + 1n],
      ["a ramp of 0", { rampTime: 0n }, "rampTime", 0n],
      ["a ramp above a day", { rampTime: 86_401n }, "rampTime", 86_401n],
      ["more than 1% a year", { maxPerYearBps: 101n }, "maxPerYearBps", 101n],
    ];
    for (const [what, change, setting, value] of rows) {
      it(`refuses ${what}, naming the setting and the value`, async () => {
        const { long } = await load(small);
        await expect(long.setRewardSettings({ ...valid, ...change }))
          .to.be.revertedWithCustomError(long, "LeveragedTokenInvalidSetting")
          .withArgs(setting, value);
      });
    }

    it("takes the bounds themselves and 0 (no reward), with an event; only DEFAULT_ADMIN_ROLE", async () => {
      const { long, m, keeper, attacker } = await load(small);
      const top = { cap: usdc(100), rampTime: 86_400n, maxPerYearBps: 100n };
      await expect(long.setRewardSettings(top)).to.emit(long, "RewardSettingsUpdated").withArgs(Object.values(top));
      expect(await long.rewardSettings()).to.deep.equal(Object.values(top));
      await expect(long.connect(attacker).setRewardSettings(valid))
        .to.be.revertedWithCustomError(long, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, await long.DEFAULT_ADMIN_ROLE());
      await long.setRewardSettings({ ...valid, cap: 0n });
      m.model(long).setRewardSettings({ ...valid, cap: 0n });
      const due = await long.nextRebalanceTime();
      await freshPriceBefore(m, due + RAMP);
      expect(await long.rebalanceReward()).to.equal(0n);
      await m.rebalanceIfDue(long, keeper);
      expect((await m.s.exchange.accountState(keeper.address, 0n)).margin).to.equal(0n);
    });
  });

  describe("cannot be farmed", () => {
    /** An attacker's move, by kind and size; each may be refused (a revert changes nothing). */
    type Move = { kind: "donate" | "mint" | "redeem" | "transfer" | "dustMint" | "dustRedeem"; size: number };
    const move = fc.record({
      kind: fc.constantFrom("donate", "mint", "redeem", "transfer", "dustMint", "dustRedeem"),
      size: fc.integer({ min: 1, max: 1_000_000 }),
    }) as fc.Arbitrary<Move>;

    async function play(f: Awaited<ReturnType<typeof big>>, token: LeveragedToken, m: Move) {
      const who = f.attacker;
      const address = await token.getAddress();
      const shares = await token.balanceOf(who.address);
      const amount = BigInt(m.size);
      const send = async (tx: () => Promise<unknown>) => {
        try {
          await tx();
        } catch {
          // a refused move (a revert) changes nothing
        }
      };
      if (m.kind === "donate") {
        await f.s.usdc.connect(f.admin).mint(who.address, amount * 10_000n);
        await f.s.usdc.connect(who).approve(await f.s.exchange.getAddress(), amount * 10_000n);
        await send(() => f.s.exchange.connect(who).deposit(0, address, amount * 10_000n));
      } else if (m.kind === "mint") await send(() => token.connect(who).mint(amount * 1_000n, 0, who.address));
      else if (m.kind === "dustMint")
        await send(() => token.connect(who).mint(BigInt(m.size % 7) + 1n, 0, who.address));
      else if (m.kind === "redeem")
        await send(() => token.connect(who).redeem((shares * amount) / 1_000_000n, 0, who.address));
      else if (m.kind === "dustRedeem")
        await send(() => token.connect(who).redeem(shares > 1n ? shares - 1n : shares, 0, who.address));
      else await send(() => token.connect(who).transfer(f.bob.address, (shares * amount) / 1_000_000n));
    }

    it("donations, mints, redeems (to one share unit), dust and transfers never make a reward appear", async () => {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.array(move, { minLength: 1, maxLength: 6 }), async (useLong, moves) => {
          const f = await loadFixture(big);
          const token = useLong ? f.long : f.short;
          await time.increase(12n * HOUR); // within the interval, the budget accrued: only the curve could pay
          await f.m.clone().push(f.m.price() / 10n ** 10n);
          expect(await token.rebalanceReward()).to.equal(0n);
          const upper = (await token.leverageBand())[1];
          for (const m of moves) {
            await play(f, token, m);
            const status = await token.keeperStatus();
            // Nothing an attacker does raises |leverage| above the band: only the price does that.
            expect(status.leverage < 0n ? -status.leverage : status.leverage).to.be.at.most(upper);
            expect(await token.rebalanceReward()).to.equal(0n);
            expect(await token.rebalanceRewardAt((await time.latest()) + 60)).to.equal(0n);
            if (status.action !== 0n) {
              // A donation can push leverage below the band: the rebalance is due, and pays nothing.
              const before = (await f.s.exchange.accountState(f.attacker.address, 0n)).margin;
              await token.connect(f.attacker).rebalance();
              expect((await f.s.exchange.accountState(f.attacker.address, 0n)).margin).to.equal(before);
            }
            checked++;
          }
        }),
        { numRuns: 12, seed: Number(process.env.PROPERTY_SEED ?? 20261207) },
      );
      expect(checked).to.be.greaterThan(12);
    });
  });
});
