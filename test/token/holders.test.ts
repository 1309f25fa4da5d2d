import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { signPermitSignature } from "../../src/chain/permit";
import { feedPrice, usdc } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

/** A wallet signs once and sends once (mintWithPermit), and "redeem all" means all (redeem(type(uint256).max)). */
describe("LeveragedToken: mintWithPermit and redeem of the whole balance", () => {
  const system = async () => {
    const s = await attackSystem({ mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: 10n ** 16n });
    const [, , , , carol] = await ethers.getSigners();
    await s.usdc.mint(carol.address, usdc(1_000)); // no allowance to the token
    await s.long.connect(s.alice).mint(usdc(1_000), 0, s.alice.address);
    return { ...s, carol };
  };

  async function permitFor(s: Awaited<ReturnType<typeof system>>, value: bigint) {
    const deadline = BigInt(await time.latest()) + 3_600n;
    return signPermitSignature(s.carol, s.usdc, await s.long.getAddress(), value, deadline);
  }

  it("mints with the stablecoin's EIP-2612 signature in one transaction, without a prior approve", async () => {
    const s = await loadFixture(system);
    const { long, carol } = s;
    expect(await s.usdc.allowance(carol.address, await long.getAddress())).to.equal(0n);
    const p = await permitFor(s, usdc(500));
    // The preview reads the pending block, pinned to the mint's (a slow run, solidity-coverage, lets the clock move).
    await time.setNextBlockTimestamp((await time.latest()) + 1);
    const expected = await long.previewMint(usdc(500), { blockTag: "pending" });
    await expect(long.connect(carol).mintWithPermit(usdc(500), expected, carol.address, p))
      .to.emit(long, "Minted")
      .withArgs(carol.address, carol.address, usdc(500), usdc("0.5"), expected);
    expect(await s.usdc.allowance(carol.address, await long.getAddress())).to.equal(0n);
  });

  it("a permit already used by someone who saw it first does not block the mint", async () => {
    const s = await loadFixture(system);
    const { long, carol, attacker } = s;
    const p = await permitFor(s, usdc(500));
    await s.usdc.connect(attacker).permit(carol.address, await long.getAddress(), usdc(500), p.deadline, p.v, p.r, p.s);
    await expect(long.connect(carol).mintWithPermit(usdc(500), 0, carol.address, p)).to.emit(long, "Minted");
  });

  it("a bad or expired permit without an allowance reverts with the stablecoin's allowance error and moves nothing", async () => {
    const s = await loadFixture(system);
    const { long, carol } = s;
    const p = await permitFor(s, usdc(400)); // signed for less than the mint
    await expect(long.connect(carol).mintWithPermit(usdc(500), 0, carol.address, p))
      .to.be.revertedWithCustomError(s.usdc, "ERC20InsufficientAllowance")
      .withArgs(await long.getAddress(), 0n, usdc(500));
    const late = await permitFor(s, usdc(500));
    await time.increaseTo(late.deadline + 1n);
    await s.btcFeed.updateAnswer(feedPrice(50_000));
    await expect(long.connect(carol).mintWithPermit(usdc(500), 0, carol.address, late)).to.be.revertedWithCustomError(
      s.usdc,
      "ERC20InsufficientAllowance",
    );
    expect(await s.usdc.balanceOf(carol.address)).to.equal(usdc(1_000));
  });

  it("paused, it refuses like mint", async () => {
    const s = await loadFixture(system);
    const p = await permitFor(s, usdc(500));
    await s.long.pause();
    await expect(
      s.long.connect(s.carol).mintWithPermit(usdc(500), 0, s.carol.address, p),
    ).to.be.revertedWithCustomError(s.long, "EnforcedPause");
  });

  it("redeem(type(uint256).max) redeems the whole balance after the fee accrued: the fee recipient is left with nothing", async () => {
    const s = await loadFixture(system);
    const { long, alice } = s;
    await time.increase(30 * 86_400);
    await s.btcFeed.updateAnswer(feedPrice(50_000));
    const recipient = await ethers.getSigner(s.feeRecipient);
    await long.connect(alice).redeem(ethers.MaxUint256, 0, alice.address);
    expect(await long.balanceOf(alice.address)).to.equal(0n);
    // The recipient's fee shares grow in the very redeem; "all" includes them.
    const pending = await long.pendingManagementFeeShares();
    const balance = await long.balanceOf(recipient.address);
    await expect(long.connect(recipient).redeem(ethers.MaxUint256, 0, recipient.address))
      .to.emit(long, "Redeemed")
      .withArgs(
        recipient.address,
        recipient.address,
        (value: bigint) => value >= balance + pending,
        () => true,
        () => true,
      );
    expect(await long.balanceOf(recipient.address)).to.equal(0n);
    // Someone holding nothing: "all" is nothing, refused by name.
    await expect(long.connect(s.bob).redeem(ethers.MaxUint256, 0, s.bob.address)).to.be.revertedWithCustomError(
      long,
      "LeveragedTokenZeroAmount",
    );
  });
});
