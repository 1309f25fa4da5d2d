import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { signPermit } from "../../src/chain/permit";
import { createToken, deploySystem } from "../helpers/system";
import { usdc, wad } from "../helpers/units";

/** Every token is a minimal clone of one implementation, carrying its fixed arguments after the clone's code. */
describe("LeveragedToken clones", () => {
  async function system() {
    const s = await deploySystem({ initialNav: usdc(100) });
    const long = await createToken(s.factory, wad(3));
    const short = await createToken(s.factory, -wad(1));
    const [, alice, bob] = await ethers.getSigners();
    return { ...s, long, short, alice, bob };
  }

  it("each token is a 45-byte clone of the factory's implementation followed by its six arguments", async () => {
    const s = await loadFixture(system);
    const implementation = await s.factory.implementation();
    for (const [token, leverage] of [
      [s.long, wad(3)],
      [s.short, -wad(1)],
    ] as const) {
      const code = await ethers.provider.getCode(await token.getAddress());
      expect((code.length - 2) / 2).to.equal(45 + 6 * 32);
      expect(code.toLowerCase()).to.contain(implementation.slice(2).toLowerCase());
      const args = ethers.AbiCoder.defaultAbiCoder().decode(
        ["address", "uint256", "address", "uint256", "int256", "uint256"],
        "0x" + code.slice(2 + 45 * 2),
      );
      expect(args).to.deep.equal([
        await s.exchange.getAddress(),
        0n,
        await s.usdc.getAddress(),
        10n ** 12n,
        leverage,
        usdc(100),
      ]);
      expect(await token.exchange()).to.equal(await s.exchange.getAddress());
      expect(await token.marketId()).to.equal(0n);
      expect(await token.targetLeverage()).to.equal(leverage);
      expect(await token.initialNav()).to.equal(usdc(100));
    }
    expect([await s.long.name(), await s.long.symbol()]).to.deep.equal(["BTC 3x Long", "BTC3L"]);
    expect([await s.short.name(), await s.short.symbol()]).to.deep.equal(["BTC 1x Short", "BTC1S"]);
    const impl = await ethers.getContractAt("LeveragedToken", implementation);
    expect([await impl.name(), await impl.symbol(), await impl.totalSupply()]).to.deep.equal(["", "", 0n]);
  });

  it("each clone has its own EIP-712 domain: its name, version 1, the chain and its own address", async () => {
    const s = await loadFixture(system);
    const { chainId } = await ethers.provider.getNetwork();
    for (const token of [s.long, s.short]) {
      const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
      expect(await token.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    }
    expect(await s.long.DOMAIN_SEPARATOR()).to.not.equal(await s.short.DOMAIN_SEPARATOR());
  });

  it("a permit signed for one token approves on it, and is refused by another clone and after its deadline", async () => {
    const s = await loadFixture(system);
    const { alice, bob } = s;
    const deadline = BigInt(await time.latest()) + 3600n;
    const sig = await signPermit(alice, s.long, bob.address, wad(5), deadline);
    // The same signature on the other clone recovers another signer: its domain differs.
    await expect(
      s.short.permit(alice.address, bob.address, wad(5), deadline, sig.v, sig.r, sig.s),
    ).to.be.revertedWithCustomError(s.short, "ERC2612InvalidSigner");
    await s.long.permit(alice.address, bob.address, wad(5), deadline, sig.v, sig.r, sig.s);
    expect(await s.long.allowance(alice.address, bob.address)).to.equal(wad(5));
    expect(await s.long.nonces(alice.address)).to.equal(1n);
    // Replayed: the nonce has moved on.
    await expect(
      s.long.permit(alice.address, bob.address, wad(5), deadline, sig.v, sig.r, sig.s),
    ).to.be.revertedWithCustomError(s.long, "ERC2612InvalidSigner");
    const late = await signPermit(alice, s.long, bob.address, wad(1), deadline);
    await time.increaseTo(deadline + 1n);
    await expect(s.long.permit(alice.address, bob.address, wad(1), deadline, late.v, late.r, late.s))
      .to.be.revertedWithCustomError(s.long, "ERC2612ExpiredSignature")
      .withArgs(deadline);
  });
});
