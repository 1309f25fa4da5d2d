import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { createToken, deploySystem, fund } from "../helpers/system";
import { expm1 } from "../../src/model/token/types";
import { DAY, feedPrice, usdc, wad, WAD, YEAR } from "../helpers/units";

const RATE = wad("0.0365"); // 0.01% a day

/** Fee shares one accrual mints: supply x (e^x - 1), x = rate x elapsed / year, rounded down. */
const feeShares = (supply: bigint, elapsed: bigint, rate = RATE) => (supply * expm1((rate * elapsed) / YEAR)) / WAD;

describe("LeveragedToken: fees", () => {
  async function managementFee() {
    const system = await deploySystem({ managementFeePerYear: RATE });
    const token = await createToken(system.factory, wad(3));
    const [admin, alice, bob] = await ethers.getSigners();
    await fund(system, alice, await token.getAddress(), usdc(10_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    const start = BigInt(await time.latest());
    const fees = await token.fees();
    const sameFees = {
      mintFeeBps: fees.mintFeeBps,
      redeemFeeBps: fees.redeemFeeBps,
      managementFeePerYear: fees.managementFeePerYear,
      recipient: fees.recipient,
    };
    /** Accrues by a fee change at time `at`, after a fresh price one second before (previews need one). */
    const accrueAt = async (at: bigint) => {
      await time.setNextBlockTimestamp(at - 1n);
      await system.btcFeed.updateAnswer(feedPrice(50_000));
      await time.setNextBlockTimestamp(at);
      return token.setFees(sameFees);
    };
    return { ...system, token, admin, alice, bob, start, sameFees, accrueAt };
  }

  it("accrues 0.01% of NAV over one day (holders keep e^-0.0001), to the wei of shares", async () => {
    const { token, alice, start, accrueAt, feeRecipient } = await loadFixture(managementFee);
    const expected = feeShares(wad(10), DAY);
    expect(expected).to.equal(1_000_050_001_666_700n); // 10e18 x (e^0.0001 - 1)
    await expect(accrueAt(start + DAY))
      .to.emit(token, "ManagementFeeAccrued")
      .withArgs(feeRecipient, expected);
    expect(await token.balanceOf(feeRecipient)).to.equal(expected);
    // The holder's share of equity dropped by 1 - e^-0.0001 = 0.0099995% (the fee shares are rounded down): 999.900005
    // USDC of the 1,000, of which she holds all but the dead shares (1 - 1e-7): 999.899905.
    expect(await token.previewRedeem(await token.balanceOf(alice.address))).to.be.closeTo(usdc("999.899905"), 1n);
  });

  it("takes 3.58% of NAV in a year at 3.65% a year, accrued once (1 - e^-0.0365)", async () => {
    const { token, alice, start, accrueAt, feeRecipient } = await loadFixture(managementFee);
    await accrueAt(start + YEAR);
    expect(await token.balanceOf(feeRecipient)).to.equal(feeShares(wad(10), YEAR));
    // 1,000 x e^-0.0365 = 964.158093 USDC, of which she holds all but the dead shares (1 - 1e-7): 964.157997
    expect(await token.previewRedeem(await token.balanceOf(alice.address))).to.be.closeTo(usdc("964.157997"), 1n);
  });

  it("takes the same 3.58% accrued every day of the year: the fee does not depend on how often it is accrued", async () => {
    const { token, alice, start, sameFees, accrueAt, feeRecipient } = await loadFixture(managementFee);
    let supply = wad(10);
    for (let day = 1n; day <= 364n; day++) {
      await time.setNextBlockTimestamp(start + day * DAY);
      await token.setFees(sameFees);
      supply += feeShares(supply, DAY);
    }
    await accrueAt(start + 365n * DAY);
    supply += feeShares(supply, DAY);
    expect(await token.totalSupply()).to.equal(supply); // to the wei of shares
    // Once a year or 365 times: the same shares but for the rounding down inside each accrual (a few wei of
    // shares per accrual, 1e-15 of the supply over the year).
    const once = wad(10) + feeShares(wad(10), YEAR);
    expect(once - supply).to.be.within(0n, 365n * 20n);
    expect(await token.balanceOf(feeRecipient)).to.equal(supply - wad(10));
    const value = await token.previewRedeem(await token.balanceOf(alice.address));
    expect(value).to.be.closeTo(usdc("964.157997"), 1n); // as accrued once: 964.158093 less the dead shares' part
  });

  it("leaves the fee pending through a rebalance, and mints the same shares later", async () => {
    const { token, start, sameFees, btcFeed, feeRecipient } = await loadFixture(managementFee);
    await time.setNextBlockTimestamp(start + DAY);
    await btcFeed.updateAnswer(feedPrice(50_000));
    await time.setNextBlockTimestamp(start + DAY + 1n);
    await expect(token.rebalance()).to.emit(token, "Rebalanced").and.not.to.emit(token, "ManagementFeeAccrued");
    expect(await token.balanceOf(feeRecipient)).to.equal(0n);
    await time.setNextBlockTimestamp(start + 2n * DAY);
    await token.setFees(sameFees);
    expect(await token.balanceOf(feeRecipient)).to.equal(feeShares(wad(10), 2n * DAY));
  });

  it("shows pending fee shares in the supply that NAV divides by", async () => {
    const { token, start, btcFeed } = await loadFixture(managementFee);
    await time.setNextBlockTimestamp(start + 30n * DAY);
    await btcFeed.updateAnswer(feedPrice(50_000)); // NAV values the position at a fresh price
    const pending = await token.pendingManagementFeeShares();
    expect(pending).to.equal(feeShares(wad(10), 30n * DAY));
    expect(await token.navPerShare()).to.equal((usdc(1_000) * WAD) / (wad(10) + pending));
  });

  it("accrues at the old rate before a fee change", async () => {
    const { token, start, sameFees, feeRecipient } = await loadFixture(managementFee);
    await time.setNextBlockTimestamp(start + DAY);
    await token.setFees({ ...sameFees, managementFeePerYear: 0n });
    const afterOneDay = await token.balanceOf(feeRecipient);
    expect(afterOneDay).to.equal(feeShares(wad(10), DAY));
    await time.increase(30n * DAY);
    await token.setFees(sameFees);
    expect(await token.balanceOf(feeRecipient)).to.equal(afterOneDay);
  });

  it("takes the mint and redeem fees in collateral, rounded up", async () => {
    const system = await deploySystem({ mintFeeBps: 30, redeemFeeBps: 20 });
    const token = await createToken(system.factory, wad(2));
    const [, alice, bob] = await ethers.getSigners();
    await fund(system, bob, await token.getAddress(), usdc(1_000));
    await token.connect(bob).mint(usdc(1_000), 0, bob.address); // the first mint, which locks the dead shares
    await fund(system, alice, await token.getAddress(), usdc(1_000));
    await expect(token.connect(alice).mint(usdc(1_000), 0, alice.address)).to.changeTokenBalance(
      system.usdc,
      system.feeRecipient,
      usdc(3),
    );
    expect(await token.balanceOf(alice.address)).to.equal(wad("9.97"));
    // 997 USDC out, less ceil(997 x 0.2%) = 1.994 USDC
    await expect(token.connect(alice).redeem(wad("9.97"), 0, alice.address)).to.changeTokenBalances(
      system.usdc,
      [alice, system.feeRecipient],
      [usdc("995.006"), usdc("1.994")],
    );
  });

  it("caps every fee and lets only the fee manager change them", async () => {
    const { token, bob, sameFees } = await loadFixture(managementFee);
    await expect(token.setFees({ ...sameFees, mintFeeBps: 101 }))
      .to.be.revertedWithCustomError(token, "LeveragedTokenFeeTooHigh")
      .withArgs("mintFeeBps", 101, 100);
    await expect(token.setFees({ ...sameFees, redeemFeeBps: 101 }))
      .to.be.revertedWithCustomError(token, "LeveragedTokenFeeTooHigh")
      .withArgs("redeemFeeBps", 101, 100);
    await expect(token.setFees({ ...sameFees, managementFeePerYear: wad("0.1") + 1n }))
      .to.be.revertedWithCustomError(token, "LeveragedTokenFeeTooHigh")
      .withArgs("managementFeePerYear", wad("0.1") + 1n, wad("0.1"));
    await expect(token.setFees({ ...sameFees, recipient: ethers.ZeroAddress })).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenZeroAddress",
    );
    await expect(token.connect(bob).setFees(sameFees))
      .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
      .withArgs(bob.address, await token.FEE_MANAGER_ROLE());
    await expect(token.setFees({ ...sameFees, mintFeeBps: 100, redeemFeeBps: 100 })).to.emit(token, "FeesUpdated");
  });

  it("validates the rebalance settings and lets only the admin change them", async () => {
    const { token, bob } = await loadFixture(managementFee);
    await expect(token.setRebalanceSettings({ interval: 0, band: wad("0.2") }))
      .to.be.revertedWithCustomError(token, "LeveragedTokenInvalidSetting")
      .withArgs("interval", 0);
    await expect(token.setRebalanceSettings({ interval: 3600, band: WAD }))
      .to.be.revertedWithCustomError(token, "LeveragedTokenInvalidSetting")
      .withArgs("band", WAD);
    await expect(token.connect(bob).setRebalanceSettings({ interval: 3600, band: wad("0.2") }))
      .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
      .withArgs(bob.address, ethers.ZeroHash);
    await token.setRebalanceSettings({ interval: 3600, band: wad("0.2") });
    expect(await token.leverageBand()).to.deep.equal([wad("2.4"), wad("3.6")]);
  });
});
