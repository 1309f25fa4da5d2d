import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { ReentrantStablecoin } from "../../typechain-types";
import { expectBooksBalance } from "../helpers/books";
import { systemOnHookedCoin } from "../helpers/hookedCoin";
import { feedPrice, usdc, wad } from "../helpers/units";

/**
 * An exchange, a factory and a 3x long deployed directly on a collateral token with a transfer hook (`market`: the
 * market's settings; fees to the third signer), alice holding 10,000 USDC of the long and 90,000 more approved to it.
 */
async function hookedSystem(market: Parameters<typeof systemOnHookedCoin>[2] = {}) {
  const [admin, alice, recipient] = await ethers.getSigners();
  const coin: ReentrantStablecoin = await ethers.deployContract("ReentrantStablecoin");
  const { exchange, feed, token } = await systemOnHookedCoin(coin, recipient.address, market);
  const tokenAddress = await token.getAddress();
  await coin.mint(alice.address, usdc(100_000));
  await coin.connect(alice).approve(tokenAddress, usdc(100_000));
  await token.connect(alice).mint(usdc(10_000), 0, alice.address);
  return { admin, alice, recipient, coin, exchange, feed, token, tokenAddress, coinAddress: await coin.getAddress() };
}

/** `hookedSystem`, the coin holding stablecoin and shares, and a DRIFT rebalance due. */
async function reentrantSystem() {
  const { admin, alice, recipient, coin, exchange, feed, token, tokenAddress, coinAddress } = await hookedSystem();
  // The coin itself holds stablecoin (approved to the token) and shares, so the re-entered calls could pay.
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
          margin: (await s.exchange.accountState(s.tokenAddress, 0)).margin,
        };
        // Bubbling: the whole outer call fails with the guard's error and nothing moves.
        await s.coin.arm(target, data, true);
        await expect(outer[during](s)).to.be.revertedWithCustomError(s.token, "ReentrancyGuardReentrantCall");
        expect(await s.coin.balanceOf(s.alice.address)).to.equal(before.alice);
        expect(await s.token.balanceOf(s.alice.address)).to.equal(before.shares);
        expect(await s.token.totalSupply()).to.equal(before.supply);
        expect((await s.exchange.accountState(s.tokenAddress, 0)).margin).to.equal(before.margin);

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

/**
 * The same system on a coin whose hook fires on one route only (contracts/mocks/ReentrantStablecoin.sol, armed with armRoute), so
 * that it re-enters the exchange from inside the exchange's own transfer: the token's deposit into it during a mint
 * (the third transfer of a mint), or its withdrawal to the token during a redeem. The coin holds margin of its own on
 * the exchange (to withdraw and trade with) and stablecoin approved to it (to deposit), and bob holds a 19x short that
 * a +4% move made liquidatable, so that every re-entered call would succeed outside the transfer (funding is on, so
 * that a settlement shows).
 */
async function routeSystem() {
  const bob = (await ethers.getSigners())[3];
  // Funding on, so that settling it is visible (it moves an account's funding index).
  const { admin, alice, recipient, coin, exchange, feed, token, tokenAddress, coinAddress } = await hookedSystem({
    fundingRatePerYear: wad("0.1"),
  });
  const exchangeAddress = await exchange.getAddress();
  // The coin's own margin account (5,000) and 15,000 more approved to the exchange.
  await coin.mint(coinAddress, usdc(20_000));
  await coin.approveFromCoin(exchangeAddress, usdc(20_000));
  await coin.callFromCoin(
    exchangeAddress,
    exchange.interface.encodeFunctionData("deposit", [0, coinAddress, usdc(5_000)]),
  );
  // Bob: 1,000 margin, short 0.38 BTC (19x); at 52,000 he has 240 left against a maintenance margin of 494.
  await coin.mint(bob.address, usdc(1_000));
  await coin.connect(bob).approve(exchangeAddress, usdc(1_000));
  await exchange.connect(bob).deposit(0, bob.address, usdc(1_000));
  await exchange.connect(bob).trade(0, -wad("0.38"));
  await feed.updateAnswer(feedPrice(52_000)); // the 3x long is at 2.8x: in its band, nothing is due
  const accounts = [admin.address, alice.address, bob.address, recipient.address, tokenAddress, coinAddress];
  return { admin, alice, bob, coin, exchange, exchangeAddress, feed, token, tokenAddress, coinAddress, accounts };
}

type RouteSystem = Awaited<ReturnType<typeof routeSystem>>;

/** Calls into the exchange from the coin (msg.sender is the coin). */
const exchangeCalls: Record<string, (s: RouteSystem) => string> = {
  deposit: (s) => s.exchange.interface.encodeFunctionData("deposit", [0, s.coinAddress, usdc(1)]),
  withdraw: (s) => s.exchange.interface.encodeFunctionData("withdraw", [0, usdc(1), s.coinAddress]),
  trade: (s) => s.exchange.interface.encodeFunctionData("trade", [0, wad("0.01")]),
  liquidate: (s) => s.exchange.interface.encodeFunctionData("liquidate", [s.bob.address, 0]),
  depositToFund: (s) => s.exchange.interface.encodeFunctionData("depositToFund", [usdc(1)]),
  settleFunding: (s) => s.exchange.interface.encodeFunctionData("settleFunding", [0]),
};

/** The outer calls, and the route of the transfer the exchange makes in them (where the hook fires). */
const exchangeTransfers: Record<
  string,
  { route: (s: RouteSystem) => [string, string]; send: (s: RouteSystem) => Promise<unknown> }
> = {
  "a mint's deposit": {
    route: (s) => [s.tokenAddress, s.exchangeAddress],
    send: (s) => s.token.connect(s.alice).mint(usdc(1_000), 0, s.alice.address),
  },
  // A redeem pays its redeemer straight from the exchange (`tradeAndWithdraw`).
  "a redeem's payout": {
    route: (s) => [s.exchangeAddress, s.alice.address],
    send: (s) => s.token.connect(s.alice).redeem(wad(5), 0, s.alice.address),
  },
};

/** Everything a re-entered call could move: the holder's, the token's, the coin's, bob's and the fund's. */
async function exchangeState(s: RouteSystem) {
  const [coinPosition, bobPosition] = [
    await s.exchange.position(s.coinAddress, 0),
    await s.exchange.position(s.bob.address, 0),
  ];
  return {
    alice: await s.coin.balanceOf(s.alice.address),
    shares: await s.token.balanceOf(s.alice.address),
    supply: await s.token.totalSupply(),
    tokenMargin: (await s.exchange.accountState(s.tokenAddress, 0)).margin,
    tokenSize: (await s.exchange.position(s.tokenAddress, 0)).size,
    coinMargin: (await s.exchange.accountState(s.coinAddress, 0)).margin,
    coinSize: coinPosition.size,
    coinFundingIndex: coinPosition.fundingIndex,
    coinBalance: await s.coin.balanceOf(s.coinAddress),
    bobMargin: (await s.exchange.accountState(s.bob.address, 0)).margin,
    bobSize: bobPosition.size,
    fund: await s.exchange.fundBalance(),
    exchangeBalance: await s.coin.balanceOf(s.exchangeAddress),
  };
}

describe("attack: a collateral token with transfer hooks re-entering the exchange from its own transfers", () => {
  for (const call of Object.keys(exchangeCalls)) {
    it(`re-entering the exchange's ${call} works outside a transfer (the control)`, async () => {
      const s = await loadFixture(routeSystem);
      const before = await exchangeState(s);
      await expect(s.coin.callFromCoin(s.exchangeAddress, exchangeCalls[call](s))).not.to.be.reverted;
      // It did something (so the guarded case below is refused for the guard alone, not for having nothing to do).
      const after = await exchangeState(s);
      const moved: Record<string, boolean> = {
        deposit: after.coinMargin === before.coinMargin + usdc(1),
        withdraw: after.coinMargin === before.coinMargin - usdc(1),
        trade: after.coinSize === before.coinSize + wad("0.01"),
        liquidate: after.bobSize === 0n && before.bobSize !== 0n,
        depositToFund: after.fund === before.fund + usdc(1),
        // No position: settling funding moves the account's index up to the market's (funding accrued since).
        settleFunding: after.coinFundingIndex > before.coinFundingIndex,
      };
      expect(moved[call], `${call} had its effect`).to.equal(true);
    });

    for (const [during, outer] of Object.entries(exchangeTransfers)) {
      it(`re-entering the exchange's ${call} during ${during} reverts with the exchange's ReentrancyGuardReentrantCall and loses nothing`, async () => {
        const s = await loadFixture(routeSystem);
        const [from, to] = outer.route(s);
        const data = exchangeCalls[call](s);
        const before = await exchangeState(s);

        // Bubbling: the whole outer call fails with the exchange's guard error (the hook called the exchange
        // while it was inside the transfer) and nothing moves.
        await s.coin.armRoute(from, to, s.exchangeAddress, data, true);
        await expect(outer.send(s)).to.be.revertedWithCustomError(s.exchange, "ReentrancyGuardReentrantCall");
        expect(await exchangeState(s)).to.deep.equal(before);
        expect(await s.coin.hooksFired()).to.equal(0n); // the hook's call was reverted with everything else

        // Swallowed: the outer call completes exactly as it does without the hook at the same block time (funding
        // accrues with time); the re-entry failed on the exchange's guard and moved nothing of its own.
        await s.coin.disarm(); // still armed: the bubbling transaction reverted with its `armed = false`
        const at = BigInt(await time.latest()) + 60n;
        const withoutHook = await takeSnapshot();
        await time.setNextBlockTimestamp(at);
        await outer.send(s);
        const expected = await exchangeState(s);
        await withoutHook.restore();
        await s.coin.armRoute(from, to, s.exchangeAddress, data, false);
        await time.setNextBlockTimestamp(at);
        await outer.send(s);
        expect(await s.coin.hooksFired()).to.equal(1n);
        expect(await s.coin.armed()).to.equal(false); // it fired on that route
        expect(await s.coin.lastHookSucceeded()).to.equal(false);
        const selector = s.exchange.interface.getError("ReentrancyGuardReentrantCall")!.selector;
        expect(await s.coin.lastHookResult()).to.equal(selector);
        const after = await exchangeState(s);
        expect(after).to.deep.equal(expected);
        // The outer call did its work; the coin's account and balance, and bob's position, are as they were.
        if (during === "a mint's deposit") expect(after.shares).to.be.greaterThan(before.shares);
        else expect(after.alice).to.be.greaterThan(before.alice);
        expect([after.coinMargin, after.coinSize, after.coinFundingIndex, after.coinBalance]).to.deep.equal([
          before.coinMargin,
          before.coinSize,
          before.coinFundingIndex,
          before.coinBalance,
        ]);
        expect([after.bobMargin, after.bobSize]).to.deep.equal([before.bobMargin, before.bobSize]);
        await expectBooksBalance(s.exchange, s.coin as never, s.accounts);
      });
    }
  }
});
