import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { LeveragedToken, PerpExchange, ReentrantStablecoin } from "../../typechain-types";
import { expectBooksBalance } from "../helpers/books";
import { marketConfig } from "../helpers/fixtures";
import { feedPrice, usdc, wad } from "../helpers/units";

/** An exchange, a factory and a 3x long deployed directly on a collateral token with a transfer hook. */
async function reentrantSystem() {
  const [admin, alice, recipient] = await ethers.getSigners();
  const coin: ReentrantStablecoin = await ethers.deployContract("ReentrantStablecoin");
  const exchange: PerpExchange = await ethers.deployContract("PerpExchange", [await coin.getAddress(), admin.address]);
  const feed = await ethers.deployContract("SettablePriceFeed", [8, "BTC / USD", admin.address, feedPrice(50_000)]);
  await exchange.createMarket("BTC", marketConfig(await feed.getAddress()));
  await coin.mint(admin.address, usdc(1_000_000));
  await coin.approve(await exchange.getAddress(), usdc(1_000_000));
  await exchange.depositToFund(usdc(1_000_000));
  const deployer = await ethers.deployContract("LeveragedTokenDeployer");
  const factory = await ethers.deployContract("LeveragedTokenFactory", [
    await exchange.getAddress(),
    await deployer.getAddress(),
    admin.address,
    {
      fees: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: 0n, recipient: recipient.address },
      rebalanceSettings: { interval: 86_400, band: wad(1) / 3n },
      initialNav: usdc(100),
      tokenAdmin: admin.address,
    },
  ]);
  await factory.createToken(0, wad(3));
  const token: LeveragedToken = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
  const tokenAddress = await token.getAddress();
  await coin.mint(alice.address, usdc(100_000));
  await coin.connect(alice).approve(tokenAddress, usdc(100_000));
  await token.connect(alice).mint(usdc(10_000), 0, alice.address);
  // The coin itself holds stablecoin (approved to the token) and shares, so the re-entered calls could pay.
  const coinAddress = await coin.getAddress();
  await coin.mint(coinAddress, usdc(10_000));
  await coin.approveFromCoin(tokenAddress, usdc(10_000));
  await token.connect(alice).transfer(coinAddress, wad(10));
  // +35%: leverage under the band, a DRIFT rebalance is due (above the band a mint or redeem would do it first).
  await feed.updateAnswer(feedPrice(67_500));
  const accounts = [admin.address, alice.address, recipient.address, tokenAddress, coinAddress];
  return { admin, alice, coin, exchange, feed, token, tokenAddress, coinAddress, accounts };
}

type System = Awaited<ReturnType<typeof reentrantSystem>>;

const inner: Record<string, (s: System) => { target: string; data: string }> = {
  mint: (s) => ({
    target: s.tokenAddress,
    data: s.token.interface.encodeFunctionData("mint", [usdc(100), 0, s.coinAddress]),
  }),
  redeem: (s) => ({
    target: s.tokenAddress,
    data: s.token.interface.encodeFunctionData("redeem", [wad(1), 0, s.coinAddress]),
  }),
  rebalance: (s) => ({ target: s.tokenAddress, data: s.token.interface.encodeFunctionData("rebalance") }),
};

const outer: Record<string, (s: System) => Promise<unknown>> = {
  mint: (s) => s.token.connect(s.alice).mint(usdc(1_000), 0, s.alice.address),
  redeem: (s) => s.token.connect(s.alice).redeem(wad(5), 0, s.alice.address),
};

describe("attack: a collateral token with transfer hooks re-entering the token", () => {
  for (const call of Object.keys(inner)) {
    it(`re-entering ${call} works outside a transfer (the control)`, async () => {
      const s = await loadFixture(reentrantSystem);
      const { target, data } = inner[call](s);
      await expect(s.coin.callFromCoin(target, data)).not.to.be.reverted;
    });

    for (const during of Object.keys(outer)) {
      it(`re-entering ${call} during ${during} reverts with ReentrancyGuardReentrantCall and loses nothing`, async () => {
        const s = await loadFixture(reentrantSystem);
        const { target, data } = inner[call](s);
        const before = {
          alice: await s.coin.balanceOf(s.alice.address),
          shares: await s.token.balanceOf(s.alice.address),
          supply: await s.token.totalSupply(),
          margin: await s.exchange.margin(s.tokenAddress, 0),
        };
        // Bubbling: the whole outer call fails with the guard's error and nothing moves.
        await s.coin.arm(target, data, true);
        await expect(outer[during](s)).to.be.revertedWithCustomError(s.token, "ReentrancyGuardReentrantCall");
        expect(await s.coin.balanceOf(s.alice.address)).to.equal(before.alice);
        expect(await s.token.balanceOf(s.alice.address)).to.equal(before.shares);
        expect(await s.token.totalSupply()).to.equal(before.supply);
        expect(await s.exchange.margin(s.tokenAddress, 0)).to.equal(before.margin);

        // Swallowed: the outer call completes exactly as without the hook; the re-entry failed on the guard.
        await s.coin.arm(target, data, false);
        const preview =
          during === "mint" ? await s.token.previewMint(usdc(1_000)) : await s.token.previewRedeem(wad(5));
        await outer[during](s);
        expect(await s.coin.hooksFired()).to.equal(1n);
        expect(await s.coin.lastHookSucceeded()).to.equal(false);
        const selector = s.token.interface.getError("ReentrancyGuardReentrantCall")!.selector;
        expect(await s.coin.lastHookResult()).to.equal(selector);
        if (during === "mint") expect(await s.token.balanceOf(s.alice.address)).to.equal(before.shares + preview);
        else expect(await s.coin.balanceOf(s.alice.address)).to.equal(before.alice + preview);
        await expectBooksBalance(s.exchange, s.coin as never, s.accounts);
      });
    }
  }

  it("re-entering the exchange (deposit) during redeem's withdrawal reverts with the exchange's guard", async () => {
    const s = await loadFixture(reentrantSystem);
    const data = s.exchange.interface.encodeFunctionData("deposit", [0, s.tokenAddress, usdc(1)]);
    await s.coin.approveFromCoin(await s.exchange.getAddress(), usdc(1));
    await s.coin.arm(await s.exchange.getAddress(), data, true);
    await expect(s.token.connect(s.alice).redeem(wad(5), 0, s.alice.address)).to.be.revertedWithCustomError(
      s.exchange,
      "ReentrancyGuardReentrantCall",
    );
  });

  it("a rebalance moves no stablecoin, so a transfer hook has nothing to re-enter through", async () => {
    const s = await loadFixture(reentrantSystem);
    const { target, data } = inner.mint(s);
    await s.coin.arm(target, data, true);
    await expect(s.token.rebalance()).to.emit(s.token, "Rebalanced");
    expect(await s.coin.armed()).to.equal(true);
    expect(await s.coin.hooksFired()).to.equal(0n);
  });
});
