import { expect } from "chai";
import { ethers } from "hardhat";
import { attempt, expectOutcome, mined, mirror } from "../mirror";
import { Step } from "../step";
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
        await mirror(m, t, receipt, "setFees", (model) =>
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
    await mirror(m, t, receipt, "setEquityCap", (model) => model.setEquityCap(value));
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
      await mirror(m, t, receipt, "donation", (model) => model.deposit(amount));
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
    r.tokens[t] = successor;
    m.exact[t] = await modelOf(r.s, successor);
    [m.wipedOut[t], m.paused[t], m.recipientShares[t]] = [false, false, 0n];
    m.retired++;
  });
