import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { signPermit as signPermitWith } from "../../src/chain/permit";
import { ethers } from "hardhat";
import { usdc } from "../helpers/units";

async function deployStablecoin() {
  const [owner, alice, bob, stranger] = await ethers.getSigners();
  const token = await ethers.deployContract("MockStablecoin", [
    "Mock USD Coin",
    "USDC",
    owner.address,
    usdc(10_000),
    usdc(25_000),
  ]);
  return { token, owner, alice, bob, stranger };
}

describe("MockStablecoin", () => {
  it("is a 6-decimal ERC-20 with the given name, symbol, owner and faucet bounds", async () => {
    const { token, owner } = await loadFixture(deployStablecoin);
    expect(await token.name()).to.equal("Mock USD Coin");
    expect(await token.symbol()).to.equal("USDC");
    expect(await token.decimals()).to.equal(6n);
    expect(await token.owner()).to.equal(owner.address);
    expect(await token.totalSupply()).to.equal(0n);
    expect(await token.faucetAmountPerCall()).to.equal(usdc(10_000));
    expect(await token.faucetLimitPerAddress()).to.equal(usdc(25_000));
  });

  describe("faucet", () => {
    it("hands out up to the per-call bound, and up to the per-address limit over time", async () => {
      const { token, alice, bob } = await loadFixture(deployStablecoin);
      await expect(token.connect(alice).faucet(usdc(10_000)))
        .to.emit(token, "FaucetDrawn")
        .withArgs(alice.address, usdc(10_000));
      await token.connect(alice).faucet(usdc(10_000));
      expect(await token.faucetDrawn(alice.address)).to.equal(usdc(20_000));
      // 5,000 left for alice: 5,000 + 1 unit is too much, 5,000 is fine
      await expect(token.connect(alice).faucet(usdc(5_000) + 1n))
        .to.be.revertedWithCustomError(token, "FaucetLimitExceeded")
        .withArgs(alice.address, usdc(5_000) + 1n, usdc(20_000), usdc(25_000));
      await token.connect(alice).faucet(usdc(5_000));
      await expect(token.connect(alice).faucet(1n))
        .to.be.revertedWithCustomError(token, "FaucetLimitExceeded")
        .withArgs(alice.address, 1n, usdc(25_000), usdc(25_000));
      expect(await token.balanceOf(alice.address)).to.equal(usdc(25_000));
      // the limit is per address
      await token.connect(bob).faucet(usdc(1));
      expect(await token.balanceOf(bob.address)).to.equal(usdc(1));
      expect(await token.totalSupply()).to.equal(usdc(25_001));
    });

    it("rejects zero and more than the per-call bound", async () => {
      const { token, alice } = await loadFixture(deployStablecoin);
      await expect(token.connect(alice).faucet(0)).to.be.revertedWithCustomError(token, "FaucetZeroAmount");
      await expect(token.connect(alice).faucet(usdc(10_000) + 1n))
        .to.be.revertedWithCustomError(token, "FaucetAmountTooLarge")
        .withArgs(usdc(10_000) + 1n, usdc(10_000));
      expect(await token.faucetDrawn(alice.address)).to.equal(0n);
    });

    it("the owner may change the bounds; what was drawn still counts", async () => {
      const { token, owner, alice } = await loadFixture(deployStablecoin);
      await token.connect(alice).faucet(usdc(10_000));
      await expect(token.connect(owner).setFaucetLimits(usdc(100), usdc(10_050)))
        .to.emit(token, "FaucetLimitsUpdated")
        .withArgs(usdc(100), usdc(10_050));
      await expect(token.connect(alice).faucet(usdc(101)))
        .to.be.revertedWithCustomError(token, "FaucetAmountTooLarge")
        .withArgs(usdc(101), usdc(100));
      await token.connect(alice).faucet(usdc(50));
      await expect(token.connect(alice).faucet(1n))
        .to.be.revertedWithCustomError(token, "FaucetLimitExceeded")
        .withArgs(alice.address, 1n, usdc(10_050), usdc(10_050));
      // a limit of 0 closes the faucet
      await token.connect(owner).setFaucetLimits(0, 0);
      await expect(token.connect(owner).faucet(1n))
        .to.be.revertedWithCustomError(token, "FaucetAmountTooLarge")
        .withArgs(1n, 0n);
    });
  });

  describe("owner", () => {
    it("the owner mints any amount to anyone", async () => {
      const { token, owner, bob } = await loadFixture(deployStablecoin);
      await expect(token.connect(owner).mint(bob.address, usdc(5_000_000)))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, bob.address, usdc(5_000_000));
      expect(await token.balanceOf(bob.address)).to.equal(usdc(5_000_000));
      // the owner's mint does not use anyone's faucet allowance
      expect(await token.faucetDrawn(bob.address)).to.equal(0n);
    });

    it("a stranger can neither mint nor change the faucet", async () => {
      const { token, stranger } = await loadFixture(deployStablecoin);
      await expect(token.connect(stranger).mint(stranger.address, 1n))
        .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      await expect(token.connect(stranger).setFaucetLimits(usdc(1_000_000), usdc(1_000_000)))
        .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      expect(await token.faucetAmountPerCall()).to.equal(usdc(10_000));
    });
  });

  describe("permit (EIP-2612)", () => {
    const signPermit = (
      token: Awaited<ReturnType<typeof deployStablecoin>>["token"],
      signer: Awaited<ReturnType<typeof deployStablecoin>>["alice"],
      spender: string,
      value: bigint,
      deadline: bigint,
      owner?: string,
    ) => signPermitWith(signer, token, spender, value, deadline, owner);

    it("sets an allowance from a signature submitted by anyone, once", async () => {
      const { token, owner, alice, bob } = await loadFixture(deployStablecoin);
      await token.connect(owner).mint(alice.address, usdc(100));
      const deadline = BigInt((await time.latest()) + 3600);
      const sig = await signPermit(token, alice, bob.address, usdc(60), deadline);
      await expect(token.connect(bob).permit(alice.address, bob.address, usdc(60), deadline, sig.v, sig.r, sig.s))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, usdc(60));
      expect(await token.allowance(alice.address, bob.address)).to.equal(usdc(60));
      expect(await token.nonces(alice.address)).to.equal(1n);
      await token.connect(bob).transferFrom(alice.address, bob.address, usdc(60));
      expect(await token.balanceOf(bob.address)).to.equal(usdc(60));
      // replaying the same signature fails: the nonce has moved on
      await expect(
        token.connect(bob).permit(alice.address, bob.address, usdc(60), deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });

    it("rejects an expired deadline and a signature by someone else", async () => {
      const { token, alice, bob } = await loadFixture(deployStablecoin);
      const past = BigInt((await time.latest()) - 1);
      const expired = await signPermit(token, alice, bob.address, 1n, past);
      await expect(token.permit(alice.address, bob.address, 1n, past, expired.v, expired.r, expired.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(past);
      const deadline = BigInt((await time.latest()) + 3600);
      // bob signs a permit for alice's tokens
      const byBob = await signPermit(token, bob, bob.address, 1n, deadline, alice.address);
      await expect(token.permit(alice.address, bob.address, 1n, deadline, byBob.v, byBob.r, byBob.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);
      expect(await token.allowance(alice.address, bob.address)).to.equal(0n);
    });
  });
});
