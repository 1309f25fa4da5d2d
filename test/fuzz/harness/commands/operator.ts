import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { attempt, expectOutcome, mined, mirror, modelMint, revertedAt } from "../mirror";
import { expectMint, Step } from "../step";
import { LEVERAGES, modelOf } from "../world";

/** The operator's commands (and strangers trying them), and donations. */

export const fees = (t: number, byAdmin: boolean, mintBps: number, redeemBps: number, perYear: bigint) =>
  new Step(
    `setFees(token ${t}, ${byAdmin ? "admin" : "stranger"}, ${mintBps}/${redeemBps} bps, ${perYear}/y)`,
    async (m, r) => {
      const token = r.tokens[t];
      const settings = {
        mintFeeBps: mintBps,
        redeemFeeBps: redeemBps,
        managementFeePerYear: perYear,
        recipient: r.s.feeRecipient,
      };
      if (byAdmin) {
        const receipt = await mined(token.connect(r.admin).setFees(settings));
        // The management fee is accrued at the old rate up to this block, then the new fees apply.
        await mirror(m, r, t, receipt, "setFees", (model) =>
          model.setFees({
            mintFeeBps: BigInt(mintBps),
            redeemFeeBps: BigInt(redeemBps),
            managementFeePerYear: perYear,
          }),
        );
      } else {
        // Only role holders change settings.
        await expect(token.connect(r.stranger).setFees(settings)).to.be.revertedWithCustomError(
          token,
          "AccessControlUnauthorizedAccount",
        );
        await expect(token.connect(r.stranger).setEquityCap(0)).to.be.revertedWithCustomError(
          token,
          "AccessControlUnauthorizedAccount",
        );
      }
    },
  );

/** The operator sets the equity cap (collateral units; undefined lifts it). */
export const cap = (t: number, value: bigint | undefined) =>
  new Step(`setEquityCap(token ${t}, ${value ?? "none"})`, async (m, r) => {
    const receipt = await mined(r.tokens[t].connect(r.admin).setEquityCap(value ?? ethers.MaxUint256));
    await mirror(m, r, t, receipt, "setEquityCap", (model) => model.setEquityCap(value));
  });

export const pause = (t: number, byPauser: boolean) =>
  new Step(`${byPauser ? "toggle pause" : "stranger pauses"}(token ${t})`, async (m, r) => {
    const token = r.tokens[t];
    if (!byPauser) {
      await expect(token.connect(r.stranger).pause()).to.be.revertedWithCustomError(
        token,
        "AccessControlUnauthorizedAccount",
      );
    } else if (m.paused[t]) {
      await token.connect(r.admin).unpause();
      m.paused[t] = false;
    } else {
      await token.connect(r.admin).pause();
      m.paused[t] = true;
    }
  });

export const donate = (t: number, kind: "exchangeDeposit" | "toToken" | "toExchange", amount: bigint) =>
  new Step(`donate(${kind}, token ${t}, ${amount})`, async (m, r) => {
    const donor = r.actors[2];
    const target = await r.tokens[t].getAddress();
    if (kind === "exchangeDeposit") {
      const receipt = await mined(r.s.exchange.connect(donor).deposit(0, target, amount));
      await mirror(m, r, t, receipt, "donation", (model) => model.deposit(amount));
    } else if (kind === "toToken") await r.s.usdc.connect(donor).transfer(target, amount);
    else {
      await r.s.usdc.connect(donor).transfer(await r.s.exchange.getAddress(), amount);
      m.stray += amount;
    }
  });

/**
 * The operator retires a wiped-out token and lists its successor in the same slot (the retired one stays
 * redeemable; its holders leave at the end). Not wiped out: the factory refuses.
 */
export const retire = (t: number) =>
  new Step(`retire and relist(token ${t})`, async (m, r) => {
    const token = r.tokens[t];
    const outcome = await attempt(r, () => r.s.factory.connect(r.admin).retireToken(token));
    if (!m.wipedOut[t]) return expectOutcome(outcome, ["FactoryTokenNotWipedOut"], "retire");
    expect(outcome.ok, "a wiped-out token is retired").to.equal(true);
    await mined(r.s.factory.connect(r.admin).createToken(0, LEVERAGES[t]));
    const successor = await ethers.getContractAt("LeveragedToken", await r.s.factory.tokenFor(0, LEVERAGES[t]));
    expect(await successor.symbol()).to.match(/^BTC3[LS]v\d+$/);
    for (const who of r.actors) await r.s.usdc.connect(who).approve(successor, ethers.MaxUint256);
    r.retired.push(token);
    m.retiredModels.push(m.exact[t]); // its account stays on the books
    r.tokens[t] = successor;
    m.exact[t] = await modelOf(r.s, successor);
    [m.wipedOut[t], m.paused[t], m.recipientShares[t]] = [false, false, 0n];
    m.retired++;
  });

/**
 * The attacker deposits into token `t`'s exchange account (a donation) what takes its equity (the model's, at the
 * deposit's block time) to `offset` units from its cap (`capIfNone`, set by the operator first, when it has none):
 * just below it (offset < 0), just above, or far above; then actor `a` mints `amount` (or, when amount is undefined, the gross amount whose net is the headroom
 * left, plus `nudge` units). The mint is refused exactly when the model says (equity + net > cap: the chain's
 * LeveragedTokenEquityCapExceeded), and one that went through leaves equity <= cap. The rebalances after such a
 * deposit lever at most the cap (rebalance's check and checks.ts).
 */
export const capDeposit = (
  t: number,
  capIfNone: bigint,
  offset: bigint,
  a: number,
  amount: bigint | undefined,
  nudge: bigint,
) =>
  new Step(
    `cap deposit(token ${t}, equity to cap ${offset >= 0n ? "+" : ""}${offset} (cap ${capIfNone} if none), then ` +
      `actor ${a} mints ${amount ?? `headroom ${nudge >= 0n ? "+" : ""}${nudge}`})`,
    async (m, r) => {
      const token = r.tokens[t];
      if (m.exact[t].wipedOut) return;
      if (m.exact[t].token.equityCap === undefined) {
        // The operator sets one first.
        const receipt = await mined(token.connect(r.admin).setEquityCap(capIfNone));
        await mirror(m, r, t, receipt, "setEquityCap", (model) => model.setEquityCap(capIfNone));
      }
      const cap = m.exact[t].token.equityCap!;
      const address = await token.getAddress();
      const at = BigInt(await time.latest()) + 1n;
      const equity = m.exact[t].clone().at(at).equity();
      const deposit = cap + offset - equity > 0n ? cap + offset - equity : 1_000n;
      await time.setNextBlockTimestamp(at);
      const receipt = await mined(r.s.exchange.connect(r.actors[2]).deposit(0, address, deposit));
      await mirror(m, r, t, receipt, "a deposit around the cap", (model) => model.deposit(deposit));
      m.counts.capDeposits++;
      // The mint, one second later: at the boundary unless an amount is given.
      const next = at + 1n;
      const model = m.exact[t].clone().at(next);
      const headroom = cap - model.equity();
      const bps = model.token.mintFeeBps;
      const gross = headroom > 0n ? (headroom * 10_000n) / (10_000n - bps) : 0n;
      const mintAmount = amount ?? (gross + nudge > 0n ? gross + nudge : 1n);
      const expected = modelMint(m, t, next, mintAmount);
      const who = r.actors[a];
      await time.setNextBlockTimestamp(next);
      const outcome = await attempt(r, () => token.connect(who).mint(mintAmount, 0, who.address));
      await expectMint(m, r, t, outcome, mintAmount, address, `mint after a cap deposit(token ${t})`);
      if (outcome.ok) {
        expect(expected, "the model let the mint through").to.equal("ok");
        expect(m.exact[t].equity(), "equity after a mint <= the cap").to.be.at.most(cap);
        m.counts.capMints++;
      } else if (outcome.name === "LeveragedTokenEquityCapExceeded") {
        expect(await revertedAt(address)).to.equal(next);
        m.counts.capRefusals++;
      }
      // Without a guard (pause, staleness), the chain's outcome is the model's, whatever it is.
      if (!m.paused[t] && !m.stale)
        expect(outcome.ok ? "ok" : outcome.name, "the mint, chain vs model").to.equal(expected);
    },
  );
