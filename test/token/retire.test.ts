import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

/** A token wiped out for real is retired by the operator and a successor is listed for the same market and leverage. */
describe("LeveragedTokenFactory: retire a wiped-out token and list its successor", () => {
  const wipedOut = async () => {
    const s = await attackSystem();
    await s.long.connect(s.alice).mint(usdc(1_000), 0, s.alice.address);
    await s.btcFeed.updateAnswer(feedPrice(30_000)); // -40%: the 3x long is under water
    await s.long.rebalance(); // WipedOut
    await s.exchange.connect(s.bob).deposit(0, await s.long.getAddress(), usdc(5)); // something is left to redeem
    return s;
  };

  it("only a listed, wiped-out token that is not retired yet; only the token creator", async () => {
    const { factory, long, short, alice } = await loadFixture(wipedOut);
    await expect(factory.connect(alice).retireToken(await long.getAddress()))
      .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
      .withArgs(alice.address, await factory.TOKEN_CREATOR_ROLE());
    await expect(factory.retireToken(await short.getAddress()))
      .to.be.revertedWithCustomError(factory, "FactoryTokenNotWipedOut")
      .withArgs(await short.getAddress());
    await expect(factory.retireToken(alice.address))
      .to.be.revertedWithCustomError(factory, "FactoryNotListed")
      .withArgs(alice.address);
    await expect(factory.retireToken(await long.getAddress()))
      .to.emit(factory, "TokenRetired")
      .withArgs(await long.getAddress(), 0n, wad(3));
    await expect(factory.retireToken(await long.getAddress()))
      .to.be.revertedWithCustomError(factory, "FactoryTokenRetired")
      .withArgs(await long.getAddress());
  });

  it("the successor is BTC3Lv2 (BTC 3x Long v2); the retired token stays listed, redeemable and marked retired", async () => {
    const { factory, long, short, alice, usdc: stable } = await loadFixture(wipedOut);
    const old = await long.getAddress();
    await expect(factory.createToken(0, wad(3))).to.be.revertedWithCustomError(factory, "FactoryDuplicateToken");
    await factory.retireToken(old);
    await expect(factory.tokenFor(0, wad(3))).to.be.revertedWithCustomError(factory, "FactoryUnknownToken");
    await expect(factory.createToken(0, wad(3))).to.emit(factory, "TokenCreated");
    const successor = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
    expect(await successor.symbol()).to.equal("BTC3Lv2");
    expect(await successor.name()).to.equal("BTC 3x Long v2");
    expect(await factory.tokenBySymbol("BTC3Lv2")).to.equal(await successor.getAddress());
    expect(await factory.tokenBySymbol("BTC3L")).to.equal(old);
    expect(await factory.isRetired(old)).to.equal(true);
    expect(await factory.isRetired(await successor.getAddress())).to.equal(false);

    const statuses = await factory.keeperStatuses(0, 10);
    expect(statuses.map((t) => [t.token, t.retired, t.action])).to.deep.equal([
      [old, true, 0n],
      [await short.getAddress(), false, 0n],
      [await successor.getAddress(), false, 0n],
    ]);

    // The retired token still pays its holders what is left; the successor mints as new.
    const left = await long.previewRedeem(await long.balanceOf(alice.address));
    expect(left).to.be.greaterThan(0n);
    await expect(long.connect(alice).redeem(ethers.MaxUint256, 0, alice.address)).to.changeTokenBalance(
      stable,
      alice,
      left,
    );
    await stable.connect(alice).approve(await successor.getAddress(), usdc(100));
    await expect(successor.connect(alice).mint(usdc(100), 0, alice.address)).to.emit(successor, "Minted");
    expect(await successor.currentLeverage()).to.be.closeTo(wad(3), wad("0.000001"));
  });

  it("a third generation is v3", async () => {
    const { factory, long, alice, btcFeed, usdc: stable } = await loadFixture(wipedOut);
    await factory.retireToken(await long.getAddress());
    await btcFeed.updateAnswer(feedPrice(50_000));
    await factory.createToken(0, wad(3));
    const v2 = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
    await stable.connect(alice).approve(await v2.getAddress(), usdc(10));
    await v2.connect(alice).mint(usdc(10), 0, alice.address);
    await btcFeed.updateAnswer(feedPrice(30_000));
    await v2.rebalance();
    await factory.retireToken(await v2.getAddress());
    await factory.createToken(0, wad(3));
    const v3 = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
    expect(await v3.symbol()).to.equal("BTC3Lv3");
  });
});
