import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { planArbitrage, type Plan } from "../../src/bots/arbitrage/plan";
import { getAmountIn, getAmountOut } from "../../src/dex/constantProduct";
import { poolPrice, premium } from "../../src/dex/pool";
import type { LeveragedToken } from "../../typechain-types";
import { deployDexSystem, type DexSystem } from "../helpers/dexSystem";
import { feedPrice, usdc, wad } from "../helpers/units";

type Symbol = "BTC3L" | "BTC3S";

describe("FlashArbitrage: mint/redeem arbitrage against the real Uniswap V2 pool, with no capital", () => {
  async function system() {
    const s = await deployDexSystem();
    const [, , , arbitrageur, receiver, attacker] = await ethers.getSigners();
    return { ...s, arbitrageur, receiver, attacker };
  }

  /** The pool's premium to NAV now (signed WAD fraction). */
  async function poolPremium(s: DexSystem, symbol: Symbol): Promise<bigint> {
    return premium(poolPrice(await s.pool(symbol))!, await s.tokens[symbol].navPerShare());
  }

  async function plan(s: DexSystem, symbol: Symbol): Promise<Plan> {
    const token = s.tokens[symbol];
    const p = await planArbitrage(token, await s.pool(symbol), { mintOpen: !(await token.paused()) });
    expect(p, "an arbitrage pays").to.not.equal(undefined);
    return p!;
  }

  async function balances(s: DexSystem, token: LeveragedToken, who: string) {
    return { usdc: await s.usdc.balanceOf(who), shares: await token.balanceOf(who) };
  }

  // BTC3S at +10% is at -4.7x, above its band: its mint rebalances first, which previewMint (and so the plan) counts.
  const cases: { move: number; symbol: Symbol; direction: Plan["direction"]; overBand: boolean }[] = [
    { move: 55_000, symbol: "BTC3L", direction: "buyAndRedeem", overBand: false }, // NAV +30%: pool far below it
    { move: 45_000, symbol: "BTC3L", direction: "mintAndSell", overBand: false }, // NAV -30%: far above it
    { move: 45_000, symbol: "BTC3S", direction: "buyAndRedeem", overBand: false },
    { move: 55_000, symbol: "BTC3S", direction: "mintAndSell", overBand: true },
  ];
  for (const { move, symbol, direction, overBand } of cases) {
    it(`${direction} after BTC -> ${move}: profit equals the plan to the wei, the pool ends at NAV within the fees, no balance left`, async () => {
      const s = await loadFixture(system);
      const token = s.tokens[symbol];
      await s.btcFeed.updateAnswer(feedPrice(move));
      const before = await poolPremium(s, symbol);
      const p = await plan(s, symbol);
      expect(p.direction).to.equal(direction);
      const receiverBefore = await balances(s, token, s.receiver.address);
      const arbitrageAddress = await s.arbitrage.getAddress();

      const call = s.arbitrage.connect(s.arbitrageur)[direction](token, p.amount, p.profit, s.receiver.address);
      await expect(call)
        .to.emit(s.arbitrage, "Arbitraged")
        .withArgs(
          s.arbitrageur.address,
          await token.getAddress(),
          direction === "buyAndRedeem" ? 0 : 1,
          p.shares,
          p.collateral,
          p.profit,
          s.receiver.address,
        );

      const receiverAfter = await balances(s, token, s.receiver.address);
      expect(receiverAfter.usdc - receiverBefore.usdc).to.equal(p.profit);
      // A mint gives exactly its preview, even above the band where it rebalances first: no share is left over.
      const receipt = await (await call).wait();
      const minted = receipt!.logs
        .map((log) => (log.address === (receipt!.to ?? "") ? undefined : token.interface.parseLog(log)))
        .find((parsed) => parsed?.name === "Minted");
      if (minted) expect(minted.args.shares).to.equal(p.shares);
      expect(receiverAfter.shares).to.equal(receiverBefore.shares);
      if (overBand) expect((await token.rebalanceAction()) === 0n, "the mint rebalanced first").to.equal(true);
      expect(await balances(s, token, arbitrageAddress)).to.deep.equal({ usdc: 0n, shares: 0n });
      expect(await s.usdc.balanceOf(s.arbitrageur.address)).to.equal(0n); // it needed no capital

      // Round-trip fees: pool 0.3%, mint or redeem 0.1%, taker 0.05% on 3x the amount (at the current leverage).
      const after = await poolPremium(s, symbol);
      expect(before < 0n ? -before : before).to.be.greaterThan(wad("0.2"));
      expect(after < 0n ? -after : after).to.be.lessThan(wad("0.0075"));
      if (overBand) {
        // The first mint rebalanced the token to 3x: later mints pay the taker fee on 3x, not 4.7x, so the pool may
        // be taken a little further.
        const second = await planArbitrage(token, await s.pool(symbol), { mintOpen: true });
        if (second) await s.arbitrage[direction](token, second.amount, second.profit, s.receiver.address);
      }
      // Another arbitrage finds nothing left to take.
      expect(await planArbitrage(token, await s.pool(symbol), { mintOpen: true })).to.equal(undefined);
    });
  }

  it("refuses a profit under the caller's minimum, both ways, with the profit it would make", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(55_000));
    const below = await plan(s, "BTC3L");
    await expect(s.arbitrage.buyAndRedeem(s.tokens.BTC3L, below.amount, below.profit + 1n, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnprofitable")
      .withArgs(below.profit, below.profit + 1n);
    const above = await plan(s, "BTC3S");
    await expect(s.arbitrage.mintAndSell(s.tokens.BTC3S, above.amount, above.profit + 1n, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnprofitable")
      .withArgs(above.profit, above.profit + 1n);
  });

  it("refuses a loss: at NAV, either way loses the round-trip fees, and says how much", async () => {
    const s = await loadFixture(system);
    const token = s.tokens.BTC3L;
    const pool = await s.pool("BTC3L");
    expect(await planArbitrage(token, pool, { mintOpen: true })).to.equal(undefined);
    const buyLoss = (await token.previewRedeem(wad(1))) - getAmountIn(wad(1), pool.stableReserve, pool.tokenReserve);
    expect(buyLoss).to.be.lessThan(0n);
    await expect(s.arbitrage.buyAndRedeem(token, wad(1), 0, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnprofitable")
      .withArgs(buyLoss, 0);
    const sold = getAmountOut(await token.previewMint(usdc(100)), pool.tokenReserve, pool.stableReserve);
    expect(sold - usdc(100)).to.be.lessThan(0n);
    await expect(s.arbitrage.mintAndSell(token, usdc(100), 0, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnprofitable")
      .withArgs(sold - usdc(100), 0);
  });

  it("accepts the callback only from the pair of its own flash swap", async () => {
    const s = await loadFixture(system);
    const arbitrage = await s.arbitrage.getAddress();
    // Called directly.
    await expect(s.arbitrage.connect(s.attacker).uniswapV2Call(arbitrage, 1, 0, "0x01"))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnauthorizedCallback")
      .withArgs(s.attacker.address, arbitrage);
    // The real pair, in a flash swap someone else started naming the contract as the receiver.
    const pool = await s.pool("BTC3L");
    const pair = new ethers.Contract(
      pool.pair,
      ["function swap(uint256, uint256, address, bytes)", "function token0() view returns (address)"],
      s.attacker,
    );
    const tokenIs0 = (await pair.token0()) === (await s.tokens.BTC3L.getAddress());
    const data = ethers.AbiCoder.defaultAbiCoder().encode(["uint8"], [0]);
    await expect(pair.swap(tokenIs0 ? wad(1) : 0, tokenIs0 ? 0 : wad(1), arbitrage, data))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageUnauthorizedCallback")
      .withArgs(pool.pair, s.attacker.address);
  });

  it("refuses a token the factory does not list, one without a pool, and bad arguments", async () => {
    const s = await loadFixture(system);
    const [admin] = await ethers.getSigners();
    // A real token of the same exchange, created by another factory: not listed by ours.
    const implementation = await ethers.deployContract("LeveragedToken");
    const { fees, rebalanceSettings, initialNav, equityCap } = await s.factory.tokenDefaults();
    const other = await ethers.deployContract("LeveragedTokenFactory", [
      s.book.exchange,
      implementation,
      admin.address,
      {
        fees: { mintFeeBps: fees[0], redeemFeeBps: fees[1], managementFeePerYear: fees[2], recipient: fees[3] },
        rebalanceSettings: { interval: rebalanceSettings[0], band: rebalanceSettings[1] },
        initialNav,
        equityCap,
        tokenAdmin: admin.address,
      },
    ]);
    await other.createToken(0, wad(3));
    await other.createToken(0, wad(5)); // a market and leverage our factory has no token for
    const strangers = [await other.tokenFor(0, wad(3)), await other.tokenFor(0, wad(5))];
    for (const address of [...strangers, s.book.stablecoin, admin.address]) {
      await expect(s.arbitrage.buyAndRedeem(address, wad(1), 0, s.receiver.address))
        .to.be.revertedWithCustomError(s.arbitrage, "ListedPoolsUnlistedToken")
        .withArgs(address);
      await expect(s.arbitrage.mintAndSell(address, usdc(1), 0, s.receiver.address))
        .to.be.revertedWithCustomError(s.arbitrage, "ListedPoolsUnlistedToken")
        .withArgs(address);
    }
    await expect(s.arbitrage.mintAndSell(s.tokens.BTC2L, usdc(1), 0, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "ListedPoolsNoPool")
      .withArgs(await s.tokens.BTC2L.getAddress());
    await expect(s.arbitrage.buyAndRedeem(s.tokens.BTC3L, 0, 0, s.receiver.address)).to.be.revertedWithCustomError(
      s.arbitrage,
      "FlashArbitrageZeroAmount",
    );
    await expect(s.arbitrage.mintAndSell(s.tokens.BTC3L, usdc(1), 0, ethers.ZeroAddress)).to.be.revertedWithCustomError(
      s.arbitrage,
      "FlashArbitrageZeroAddress",
    );
    const { tokenReserve } = await s.pool("BTC3L");
    await expect(s.arbitrage.buyAndRedeem(s.tokens.BTC3L, tokenReserve, 0, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageInsufficientLiquidity")
      .withArgs(tokenReserve, tokenReserve);
  });

  it("a paused token: minting into the pool is refused (EnforcedPause), buying from it and redeeming still works", async () => {
    const s = await loadFixture(system);
    await s.tokens.BTC3L.pause();
    await s.btcFeed.updateAnswer(feedPrice(45_000)); // pool above NAV
    const above = await planArbitrage(s.tokens.BTC3L, await s.pool("BTC3L"), { mintOpen: true });
    await expect(
      s.arbitrage.mintAndSell(s.tokens.BTC3L, above!.amount, 0, s.receiver.address),
    ).to.be.revertedWithCustomError(s.tokens.BTC3L, "EnforcedPause");
    await s.btcFeed.updateAnswer(feedPrice(55_000)); // pool below NAV: a redeem is never paused
    const below = await plan(s, "BTC3L");
    await expect(s.arbitrage.buyAndRedeem(s.tokens.BTC3L, below.amount, below.profit, s.receiver.address)).to.emit(
      s.arbitrage,
      "Arbitraged",
    );
  });

  it("a wiped-out token: minting into the pool is refused (FlashArbitrageNothingMinted)", async () => {
    const s = await loadFixture(system);
    await s.btcFeed.updateAnswer(feedPrice(32_500)); // -35%: BTC3L's equity is gone
    await s.tokens.BTC3L.rebalance();
    expect(await s.tokens.BTC3L.wipedOut()).to.equal(true);
    await expect(s.arbitrage.mintAndSell(s.tokens.BTC3L, usdc(100), 0, s.receiver.address))
      .to.be.revertedWithCustomError(s.arbitrage, "FlashArbitrageNothingMinted")
      .withArgs(await s.tokens.BTC3L.getAddress(), usdc(100));
    expect(await planArbitrage(s.tokens.BTC3L, await s.pool("BTC3L"), { mintOpen: false })).to.equal(undefined);
  });
});
