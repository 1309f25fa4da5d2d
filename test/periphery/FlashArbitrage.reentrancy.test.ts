import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ContractFactory, MaxUint256, type Interface } from "ethers";
import { ethers } from "hardhat";
import { planArbitrage } from "../../src/bots/arbitrage/plan";
import { findPool } from "../../src/dex/pool";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import type { FlashArbitrage, ReentrantStablecoin } from "../../typechain-types";
import { systemOnHookedCoin } from "../helpers/hookedCoin";
import { feedPrice, usdc, wad } from "../helpers/units";

/**
 * The whole chain on a collateral coin with a transfer hook (contracts/mocks/ReentrantStablecoin.sol, armed with armRoute): the
 * exchange, the factory and a 3x long on it, Uniswap V2 from the npm artifacts with a token/coin pool, and a
 * FlashArbitrage. The hook fires on one transfer of an arbitrage (the pair's flash loan to the contract, or the
 * token's redeem payment to it) and calls back into the arbitrage.
 */
async function hookedSystem() {
  const [admin, alice, recipient, attacker] = await ethers.getSigners();
  const coin: ReentrantStablecoin = await ethers.deployContract("ReentrantStablecoin");
  const { feed, factory, token } = await systemOnHookedCoin(coin, recipient.address, { takerFeeBps: 5 });
  await coin.mint(admin.address, usdc(1_000_000));
  await coin.approve(await token.getAddress(), usdc(20_000));
  await token.mint(usdc(20_000), 0, admin.address);

  const weth = await new ContractFactory(uniswapV2.weth.abi as never, uniswapV2.weth.bytecode, admin).deploy();
  const uniFactory = await new ContractFactory(
    uniswapV2.factory.abi as never,
    uniswapV2.factory.bytecode,
    admin,
  ).deploy(admin.address);
  const router = await new ContractFactory(uniswapV2.router.abi as never, uniswapV2.router.bytecode, admin).deploy(
    uniFactory,
    weth,
  );
  const shares = await token.balanceOf(admin.address);
  await token.approve(router, shares);
  await coin.approve(router, usdc(20_000));
  const addLiquidity = router.getFunction("addLiquidity");
  await addLiquidity(token, coin, shares, usdc(20_000), 0, 0, admin.address, MaxUint256);
  const flash: FlashArbitrage = await ethers.deployContract("FlashArbitrage", [factory, uniFactory]);
  const pool = async () =>
    (await findPool(
      ethers.provider,
      await uniFactory.getAddress(),
      await token.getAddress(),
      await coin.getAddress(),
    ))!;
  return { admin, alice, attacker, coin, feed, token, flash, pool };
}
type System = Awaited<ReturnType<typeof hookedSystem>>;

type Reentry = (s: System) => Promise<{ data: string; error: string }>;

/** The hook calls an entry point (token, `amount`, no minimum profit, to the attacker): the guard refuses it. */
const guarded =
  (entry: "buyAndRedeem" | "mintAndSell", amount: bigint): Reentry =>
  async (s) => {
    // The two entry points take the same arguments; the plain Interface encodes either by name.
    const flash: Interface = s.flash.interface;
    const args = [await s.token.getAddress(), amount, 0, s.attacker.address];
    return { data: flash.encodeFunctionData(entry, args), error: "ReentrancyGuardReentrantCall" };
  };

/** What the hook calls, from the coin (msg.sender is the coin). */
const reentries: Record<string, Reentry> = {
  buyAndRedeem: guarded("buyAndRedeem", wad(1)),
  mintAndSell: guarded("mintAndSell", usdc(1)),
  uniswapV2Call: async (s) => ({
    data: s.flash.interface.encodeFunctionData("uniswapV2Call", [await s.flash.getAddress(), 0, usdc(1), "0x01"]),
    error: "FlashArbitrageUnauthorizedCallback",
  }),
};

/** The pool above NAV (BTC -10%): mintAndSell, whose pair pays the coin to the contract; below (+10%): buyAndRedeem,
 * whose redeem is paid to the contract straight from the token's exchange account. */
const outers = {
  mintAndSell: { price: 45_000, from: async (s: System) => (await s.pool()).pair },
  buyAndRedeem: { price: 55_000, from: async (s: System) => s.token.exchange() },
} as const;

const reentryError = (inner: string) =>
  inner === "uniswapV2Call" ? "not the pair: FlashArbitrageUnauthorizedCallback" : "the guard";

describe("FlashArbitrage: re-entrancy through a collateral coin with a transfer hook", () => {
  for (const [outer, { price, from }] of Object.entries(outers) as [
    keyof typeof outers,
    (typeof outers)[keyof typeof outers],
  ][]) {
    for (const [inner, reentry] of Object.entries(reentries)) {
      it(`re-entering ${inner} while ${outer} is paid: the whole call reverts (${reentryError(inner)}), or, swallowed, changes nothing`, async () => {
        const s = await loadFixture(hookedSystem);
        await s.feed.updateAnswer(feedPrice(price));
        const plan = (await planArbitrage(s.token, await s.pool(), { mintOpen: true }))!;
        expect(plan.direction).to.equal(outer);
        const flash = await s.flash.getAddress();
        const { data, error } = await reentry(s);
        const call = () => s.flash.connect(s.attacker)[outer](s.token, plan.amount, plan.profit, s.attacker.address);

        await s.coin.armRoute(await from(s), flash, flash, data, true);
        if (outer === "mintAndSell") {
          // The pair moves the coin with a low-level call and reports any failure as its own.
          await expect(call()).to.be.revertedWith("UniswapV2: TRANSFER_FAILED");
        } else {
          await expect(call()).to.be.revertedWithCustomError(s.flash, error);
        }
        await s.coin.disarm();

        await s.coin.armRoute(await from(s), flash, flash, data, false);
        await expect(call()).to.emit(s.flash, "Arbitraged");
        expect(await s.coin.hooksFired()).to.equal(1n);
        expect(await s.coin.lastHookSucceeded()).to.equal(false);
        expect((await s.coin.lastHookResult()).slice(0, 10)).to.equal(s.flash.interface.getError(error)!.selector);
        expect(await s.coin.balanceOf(s.attacker.address)).to.equal(plan.profit);
        expect(await s.coin.balanceOf(flash)).to.equal(0n);
        expect(await s.token.balanceOf(flash)).to.equal(0n);
      });
    }
  }
});
