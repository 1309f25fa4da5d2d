import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MINIMUM_SHARES } from "../../src/model/token/types";
import { ethers } from "hardhat";
import { expectBooksBalance } from "../helpers/books";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

const MAX_INT = 2n ** 255n - 1n;

describe("LeveragedToken: wipe-out", () => {
  async function holders(leverage: bigint) {
    const system = await deploySystem();
    const token = await createToken(system.factory, leverage);
    const [admin, alice, bob] = await ethers.getSigners();
    for (const holder of [alice, bob]) await fund(system, holder, await token.getAddress(), usdc(10_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    await token.connect(bob).mint(usdc(500), 0, bob.address);
    const accounts = [admin.address, alice.address, bob.address, await token.getAddress()];
    return { ...system, token, admin, alice, bob, accounts };
  }
  const long3 = () => holders(wad(3));
  const short3 = () => holders(wad(-3));

  it("3x long after a 40% fall: mint refused, every holder redeems the remainder (0) without a revert", async () => {
    const { token, exchange, usdc: stable, btcFeed, alice, bob, accounts } = await loadFixture(long3);
    const fundBefore = await exchange.fundBalance();
    await btcFeed.updateAnswer(feedPrice(30_000)); // equity 1,500 - 0.09 x 20,000 = -300
    expect((await exchange.accountState(await token.getAddress(), 0)).value).to.equal(-usdc(300));
    expect(await token.equity()).to.equal(0n);
    expect(await token.navPerShare()).to.equal(0n);
    expect(await token.currentLeverage()).to.equal(MAX_INT);
    expect(await token.rebalanceAction()).to.equal(2n); // DRIFT: the rebalance wipes it out
    await expect(token.connect(bob).mint(usdc(100), 0, bob.address)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenWipedOut",
    );

    await expect(token.connect(alice).redeem(ethers.MaxUint256, 0, alice.address))
      .to.emit(token, "WipedOut")
      .withArgs(ethers.parseUnits("30000", 18), -usdc(300), 0n)
      .and.to.emit(token, "Redeemed")
      .withArgs(alice.address, alice.address, wad(10) - MINIMUM_SHARES, 0n, 0n);
    expect(await token.wipedOut()).to.equal(true);
    expect(await token.positionSize()).to.equal(0n);
    expect(await token.rebalanceAction()).to.equal(0n);
    await expect(token.connect(bob).redeem(wad(5), 0, bob.address)).to.changeTokenBalance(stable, bob, 0n);
    expect(await token.totalSupply()).to.equal(MINIMUM_SHARES); // the dead shares

    // The fund took the 1,500 USDC margin and absorbed the 300 USDC of bad debt; the books still balance.
    expect(await exchange.fundBalance()).to.equal(fundBefore + usdc(1_500));
    await expectBooksBalance(exchange, stable, accounts);
    await btcFeed.updateAnswer(feedPrice(50_000));
    await expect(token.connect(bob).mint(usdc(100), 0, bob.address)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenWipedOut",
    );
  });

  it("3x short after a 40% rise: the rebalance wipes it out, then redeems pay 0 and never revert", async () => {
    const { token, exchange, usdc: stable, btcFeed, alice, bob, accounts } = await loadFixture(short3);
    await btcFeed.updateAnswer(feedPrice(70_000));
    await expect(token.rebalance()).to.emit(token, "WipedOut");
    expect(await token.wipedOut()).to.equal(true);
    await expect(token.rebalance()).to.be.revertedWithCustomError(token, "LeveragedTokenRebalanceNotDue");
    await expect(token.connect(alice).redeem(ethers.MaxUint256, 0, alice.address)).to.changeTokenBalance(
      stable,
      alice,
      0n,
    );
    await expect(token.connect(bob).redeem(wad(5), 0, bob.address)).to.changeTokenBalance(stable, bob, 0n);
    await expectBooksBalance(exchange, stable, accounts);
  });

  it("pays the pro-rata remainder when margin is left on the wiped-out account", async () => {
    const { token, exchange, usdc: stable, btcFeed, admin, alice, bob } = await loadFixture(long3);
    await btcFeed.updateAnswer(feedPrice(30_000));
    await token.rebalance();
    // Someone (an insurance top-up, say) deposits 150 USDC into the token's account after the wipe-out.
    await stable.mint(admin.address, usdc(150));
    await stable.approve(await exchange.getAddress(), usdc(150));
    await exchange.deposit(0, await token.getAddress(), usdc(150));
    // Pro rata, rounded down: alice holds 10 tokens less the dead shares of the 15 in the supply.
    const aliceShares = await token.balanceOf(alice.address);
    const aliceOut = (usdc(150) * aliceShares) / wad(15);
    expect(aliceOut).to.equal(usdc(100) - 10n);
    expect(await token.previewRedeem(aliceShares)).to.equal(aliceOut);
    await expect(token.connect(alice).redeem(aliceShares, 0, alice.address)).to.changeTokenBalance(
      stable,
      alice,
      aliceOut,
    );
    const bobOut = ((usdc(150) - aliceOut) * wad(5)) / (wad(5) + MINIMUM_SHARES);
    await expect(token.connect(bob).redeem(wad(5), 0, bob.address)).to.changeTokenBalance(stable, bob, bobOut);
    expect(bobOut).to.be.closeTo(usdc(50), 10n);
  });
});
