import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { MINIMUM_SHARES } from "../../../../src/model/token/types";
import { WAD } from "../../../../src/model/fixedPoint";
import { signPermit } from "../../../../src/chain/permit";
import { attempt, expectOutcome, mined, mirrorRedeem } from "../mirror";
import { expectExactPreview, expectMint, Step, tradeFee } from "../step";

/** Holders' commands, and the attacker's (actor 2) that are holders' moves: redeeming down to a few share units. */

export const mint = (t: number, a: number, amount: bigint) =>
  new Step(`mint(token ${t}, actor ${a}, ${amount})`, async (m, r) => {
    const who = r.actors[a];
    const token = r.tokens[t];
    const outcome = await attempt(r, () => token.connect(who).mint(amount, 0, who.address));
    await expectMint(m, r, t, outcome, amount, await token.getAddress(), `mint(token ${t})`);
  });

/** A mint and a redeem through PreviewProbe: each preview, asked in the same call, equals what its action gives. */
export const probed = (t: number, a: number, amount: bigint, percent: number) =>
  new Step(`probed mint+redeem(token ${t}, actor ${a}, ${amount}, ${percent}%)`, async (m, r) => {
    const who = r.actors[a];
    const token = r.tokens[t];
    const probe = await r.probe.getAddress();
    const minted = await attempt(r, () => r.probe.connect(who).mint(token, r.s.usdc, amount, who.address, false));
    await expectMint(m, r, t, minted, amount, probe, "probed mint");
    if (minted.ok) expectExactPreview(r, minted.receipt, "previewMint");
    const shares = ((await token.balanceOf(who.address)) * BigInt(percent)) / 100n;
    if (shares === 0n || m.stale) return;
    await token.connect(who).approve(probe, shares);
    const redeemed = await mined(r.probe.connect(who).redeem(token, shares, who.address));
    await mirrorRedeem(m, r, t, redeemed);
    expectExactPreview(r, redeemed, "previewRedeem");
    m.probed++;
  });

/**
 * The attacker's victim: a careful wallet that mints `amount` at minSharesOut = previewMint(amount). Either it
 * reverts and takes nothing, or its shares are worth the amount less the mint fee and its own trade's taker fee (and,
 * for the first mint, the dead shares), to one share unit's worth and 3 units: whatever the attacker did before.
 */
export const victim = (t: number, a: number, amount: bigint) =>
  new Step(`victim mints at the preview(token ${t}, actor ${a}, ${amount})`, async (m, r) => {
    const who = r.actors[a];
    const token = r.tokens[t];
    const supply = (await token.totalSupply()) + (await token.pendingManagementFeeShares());
    const equity = (await token.keeperStatus()).equity_; // never reverts (equity() does on a stale price)
    const oneShareUnit = supply === 0n ? 0n : (equity + supply - 1n) / supply;
    const wallet = await r.s.usdc.balanceOf(who.address);
    const sharesBefore = await token.balanceOf(who.address);
    const probe = await r.probe.getAddress();
    const outcome = await attempt(r, () => r.probe.connect(who).mint(token, r.s.usdc, amount, who.address, true));
    await expectMint(m, r, t, outcome, amount, probe, "victim's mint");
    if (!outcome.ok) {
      expect(await r.s.usdc.balanceOf(who.address), "a refused mint takes nothing").to.equal(wallet);
      return;
    }
    expectExactPreview(r, outcome.receipt, "previewMint");
    const shares = (await token.balanceOf(who.address)) - sharesBefore;
    const total = (await token.totalSupply()) + (await token.pendingManagementFeeShares());
    const worth = (shares * (await token.equity())) / total;
    const mintFeeBps = (await token.fees()).mintFeeBps;
    const fees = (amount * mintFeeBps + 9_999n) / 10_000n + tradeFee(r, outcome.receipt, await token.getAddress());
    // The first mint of a token pays for the dead shares it locks, at the initial NAV.
    const dead = supply === 0n ? (MINIMUM_SHARES * (await token.initialNav())) / WAD : 0n;
    expect(worth, "the victim's shares are worth what it paid, less the fees").to.be.at.least(
      amount - fees - dead - oneShareUnit - 3n,
    );
    m.victims++;
  });

export const redeem = (t: number, a: number, percent: number, max: boolean) =>
  new Step(`redeem(token ${t}, actor ${a}, ${max ? "all (max)" : `${percent}%`})`, async (m, r) => {
    const who = r.actors[a];
    const token = r.tokens[t];
    const balance = await token.balanceOf(who.address);
    const shares = max ? ethers.MaxUint256 : (balance * BigInt(percent)) / 100n;
    if (balance === 0n || shares === 0n) return;
    const outcome = await attempt(r, () => token.connect(who).redeem(shares, 0, who.address));
    expectOutcome(outcome, m.stale && !m.wipedOut[t] ? ["PerpStalePrice"] : [], "redeem"); // never EnforcedPause
    if (outcome.ok) await mirrorRedeem(m, r, t, outcome.receipt);
  });

/** The attacker redeems its balance down to `units` share units. */
export const redeemDownTo = (t: number, units: bigint) =>
  new Step(`attacker redeems down to ${units} share units(token ${t})`, async (m, r) => {
    const who = r.actors[2];
    const token = r.tokens[t];
    const balance = await token.balanceOf(who.address);
    if (balance <= units) return;
    const outcome = await attempt(r, () => token.connect(who).redeem(balance - units, 0, who.address));
    expectOutcome(outcome, m.stale && !m.wipedOut[t] ? ["PerpStalePrice"] : [], "redeem down");
    if (outcome.ok) await mirrorRedeem(m, r, t, outcome.receipt);
  });

export const transfer = (t: number, from: number, to: number, percent: number, permit: boolean) =>
  new Step(
    `${permit ? "permit+transferFrom" : "transfer"}(token ${t}, ${from} -> ${to}, ${percent}%)`,
    async (m, r) => {
      const token = r.tokens[t];
      const [owner, spender] = [r.actors[from], r.actors[to]];
      const value = ((await token.balanceOf(owner.address)) * BigInt(percent)) / 100n;
      if (permit) {
        const deadline = BigInt(await time.latest()) + 3600n;
        const signature = await signPermit(owner, token, spender.address, value, deadline);
        await token
          .connect(spender)
          .permit(owner.address, spender.address, value, deadline, signature.v, signature.r, signature.s);
        expect(await token.allowance(owner.address, spender.address)).to.equal(value);
        await token.connect(spender).transferFrom(owner.address, spender.address, value);
      } else {
        await token.connect(owner).transfer(spender.address, value);
      }
    },
  );

export const roundTrip = (t: number, a: number, amount: bigint) =>
  new Step(`mintAndRedeem(token ${t}, actor ${a}, ${amount})`, async (m, r) => {
    const who = r.actors[a];
    const before = await r.s.usdc.balanceOf(who.address);
    const token = r.tokens[t];
    const outcome = await attempt(r, () => r.redeemer.connect(who).mintAndRedeem(token, r.s.usdc, amount));
    const shares = await expectMint(m, r, t, outcome, amount, await r.redeemer.getAddress(), "round trip");
    // Two operations in one block, at one time: the mint, then the redeem of every share it gave.
    if (outcome.ok && shares > 0n) await mirrorRedeem(m, r, t, outcome.receipt);
    // A mint and a redeem in one call never return more than was put in.
    expect(await r.s.usdc.balanceOf(who.address), "round trip").to.be.at.most(before);
  });
