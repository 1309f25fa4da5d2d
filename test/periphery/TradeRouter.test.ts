import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { quoteBuy, quoteSell, type TradeQuote } from "../../src/dex/quotes";
import { signPermitSignature } from "../../src/chain/permit";
import { deployDexSystem, type DexSystem } from "../helpers/dexSystem";
import { feedPrice, usdc, wad } from "../helpers/units";

const POOL = 0;
const NAV = 1;

describe("TradeRouter and the quotes: best-price buys and sells against the real Uniswap V2 pool", () => {
  async function system() {
    const s = await deployDexSystem();
    const [admin, , , buyer, other] = await ethers.getSigners();
    await s.usdc.mint(buyer.address, usdc(100_000));
    await s.usdc.connect(buyer).approve(s.tokens.BTC3L, usdc(10_000));
    await s.tokens.BTC3L.connect(buyer).mint(usdc(10_000), 0, buyer.address);
    return { ...s, admin, buyer, other, deadline: BigInt(await time.latest()) + 3600n };
  }
  type System = Awaited<ReturnType<typeof system>>;

  const quotes = async (s: DexSystem, side: "buy" | "sell", amount: bigint): Promise<TradeQuote> => {
    const pool = await s.pool("BTC3L");
    return side === "buy" ? quoteBuy(s.tokens.BTC3L, pool, amount) : quoteSell(s.tokens.BTC3L, pool, amount);
  };

  async function holdsNothing(s: DexSystem) {
    const router = await s.tradeRouter.getAddress();
    expect(await s.usdc.balanceOf(router)).to.equal(0n);
    expect(await s.tokens.BTC3L.balanceOf(router)).to.equal(0n);
  }

  for (const [state, price] of [
    ["at the start", 50_000],
    ["after BTC +10%", 55_000],
  ] as const) {
    it(`${state}: both routes' quotes equal what a real swap, mint and redeem then give, to the wei`, async () => {
      const s = await loadFixture(system);
      await s.btcFeed.updateAnswer(feedPrice(price));
      const token = s.tokens.BTC3L;
      const [usdcAddress, tokenAddress] = [s.book.stablecoin, await token.getAddress()];
      const buy = await quotes(s, "buy", usdc(1_000));
      const sell = await quotes(s, "sell", wad(5));
      expect(await s.tradeRouter.quoteBuy(token, usdc(1_000))).to.deep.equal([buy.pool.amountOut, buy.nav.amountOut]);
      expect(await s.tradeRouter.quoteSell(token, wad(5))).to.deep.equal([sell.pool.amountOut, sell.nav.amountOut]);
      const amountsOut = (amount: bigint, path: string[]) =>
        s.uniswapRouter.getAmountsOut(amount, path) as Promise<bigint[]>;
      expect((await amountsOut(usdc(1_000), [usdcAddress, tokenAddress]))[1]).to.equal(buy.pool.amountOut);
      expect((await amountsOut(wad(5), [tokenAddress, usdcAddress]))[1]).to.equal(sell.pool.amountOut);

      const router = s.uniswapRouter.connect(s.buyer) as typeof s.uniswapRouter;
      const routerAddress = await router.getAddress();
      await s.usdc.connect(s.buyer).approve(routerAddress, usdc(1_000));
      await token.connect(s.buyer).approve(routerAddress, wad(5));
      await s.usdc.connect(s.buyer).approve(token, usdc(1_000));
      const received = async (coin: typeof s.usdc | typeof token, act: () => Promise<unknown>) => {
        const snapshot = await takeSnapshot();
        const before = await coin.balanceOf(s.buyer.address);
        await act();
        const after = await coin.balanceOf(s.buyer.address);
        await snapshot.restore();
        return after - before;
      };
      const deadline = BigInt(await time.latest()) + 600n;
      expect(
        await received(token, () =>
          router.swapExactTokensForTokens(usdc(1_000), 0, [usdcAddress, tokenAddress], s.buyer.address, deadline),
        ),
      ).to.equal(buy.pool.amountOut);
      expect(await received(token, () => token.connect(s.buyer).mint(usdc(1_000), 0, s.buyer.address))).to.equal(
        buy.nav.amountOut,
      );
      expect(
        await received(s.usdc, () =>
          router.swapExactTokensForTokens(wad(5), 0, [tokenAddress, usdcAddress], s.buyer.address, deadline),
        ),
      ).to.equal(sell.pool.amountOut);
      expect(await received(s.usdc, () => token.connect(s.buyer).redeem(wad(5), 0, s.buyer.address))).to.equal(
        sell.nav.amountOut,
      );
    });
  }

  async function buy(s: System, amount: bigint) {
    await s.usdc.connect(s.buyer).approve(s.tradeRouter, amount);
    return s.tradeRouter.connect(s.buyer).buy(s.tokens.BTC3L, amount, 0, s.buyer.address, s.deadline);
  }
  async function sell(s: System, shares: bigint) {
    await s.tokens.BTC3L.connect(s.buyer).approve(s.tradeRouter, shares);
    return s.tradeRouter.connect(s.buyer).sell(s.tokens.BTC3L, shares, 0, s.buyer.address, s.deadline);
  }

  const routes: [string, number, "buy" | "sell", number][] = [
    ["buys from the pool when it is below NAV", 55_000, "buy", POOL],
    ["buys by a mint when the pool is above NAV", 45_000, "buy", NAV],
    ["sells by a redeem when the pool is below NAV", 55_000, "sell", NAV],
    ["sells to the pool when it is above NAV", 45_000, "sell", POOL],
  ];
  for (const [title, price, side, route] of routes) {
    it(`${title}, for exactly the better quote, holding nothing after`, async () => {
      const s = await loadFixture(system);
      await s.btcFeed.updateAnswer(feedPrice(price));
      const amount = side === "buy" ? usdc(500) : wad(3);
      const quote = await quotes(s, side, amount);
      expect(quote.best).to.equal(route === POOL ? "pool" : "nav");
      const coin = side === "buy" ? s.tokens.BTC3L : s.usdc;
      const before = await coin.balanceOf(s.buyer.address);
      const tx = side === "buy" ? await buy(s, amount) : await sell(s, amount);
      await expect(tx)
        .to.emit(s.tradeRouter, side === "buy" ? "Bought" : "Sold")
        .withArgs(s.buyer.address, await s.tokens.BTC3L.getAddress(), s.buyer.address, route, amount, quote.amountOut);
      expect((await coin.balanceOf(s.buyer.address)) - before).to.equal(quote.amountOut);
      await holdsNothing(s);
    });
  }

  it("buys and sells with a permit instead of an approval, also when someone used the permit first", async () => {
    const s = await loadFixture(system);
    const router = await s.tradeRouter.getAddress();
    const permit = await signPermitSignature(s.buyer, s.usdc, router, usdc(100), s.deadline);
    const quote = await quotes(s, "buy", usdc(100));
    await expect(s.tradeRouter.connect(s.buyer).buyWithPermit(s.tokens.BTC3L, usdc(100), 0, s.buyer.address, permit))
      .to.emit(s.tradeRouter, "Bought")
      .withArgs(s.buyer.address, await s.tokens.BTC3L.getAddress(), s.buyer.address, NAV, usdc(100), quote.amountOut);

    // The permit copied from the mempool and submitted by someone else first: the allowance is there, the sell goes.
    const sharesPermit = await signPermitSignature(s.buyer, s.tokens.BTC3L, router, wad(1), s.deadline);
    await s.tokens.BTC3L.connect(s.other).permit(
      s.buyer.address,
      router,
      wad(1),
      s.deadline,
      sharesPermit.v,
      sharesPermit.r,
      sharesPermit.s,
    );
    await expect(
      s.tradeRouter.connect(s.buyer).sellWithPermit(s.tokens.BTC3L, wad(1), 0, s.buyer.address, sharesPermit),
    ).to.emit(s.tradeRouter, "Sold");

    // A permit signed by someone else, and no allowance: refused with the allowance it lacks.
    const forged = await signPermitSignature(s.other, s.usdc, router, usdc(100), s.deadline, s.buyer.address);
    await expect(s.tradeRouter.connect(s.buyer).buyWithPermit(s.tokens.BTC3L, usdc(100), 0, s.buyer.address, forged))
      .to.be.revertedWithCustomError(s.tradeRouter, "TradeRouterPermitFailed")
      .withArgs(s.book.stablecoin, 0, usdc(100));
    await holdsNothing(s);
  });

  it("refuses slippage, an expired deadline, zero amounts, a zero receiver and an unlisted token, each by name", async () => {
    const s = await loadFixture(system);
    const router = s.tradeRouter.connect(s.buyer);
    await s.usdc.connect(s.buyer).approve(router, usdc(1_000));
    const quote = await quotes(s, "buy", usdc(100));
    await expect(router.buy(s.tokens.BTC3L, usdc(100), quote.amountOut + 1n, s.buyer.address, s.deadline))
      .to.be.revertedWithCustomError(router, "TradeRouterSlippage")
      .withArgs(quote.amountOut, quote.amountOut + 1n);
    const past = BigInt(await time.latest()) - 1n;
    await expect(router.buy(s.tokens.BTC3L, usdc(100), 0, s.buyer.address, past)).to.be.revertedWithCustomError(
      router,
      "TradeRouterExpired",
    );
    await expect(router.sell(s.tokens.BTC3L, 0, 0, s.buyer.address, s.deadline)).to.be.revertedWithCustomError(
      router,
      "TradeRouterZeroAmount",
    );
    await expect(router.buy(s.tokens.BTC3L, usdc(1), 0, ethers.ZeroAddress, s.deadline)).to.be.revertedWithCustomError(
      router,
      "TradeRouterZeroAddress",
    );
    await expect(router.buy(s.book.stablecoin, usdc(1), 0, s.buyer.address, s.deadline))
      .to.be.revertedWithCustomError(router, "ListedPoolsUnlistedToken")
      .withArgs(s.book.stablecoin);
  });

  it("a paused token is bought from the pool; with no pool either there is no route; the quote says why", async () => {
    const s = await loadFixture(system);
    await s.tokens.BTC3L.pause();
    await s.tokens.BTC2L.pause();
    const quote = await quotes(s, "buy", usdc(100));
    expect(quote.nav).to.deep.equal({ amountOut: 0n, unavailable: "minting is paused" });
    expect(quote.best).to.equal("pool");
    await expect(buy(s, usdc(100))).to.emit(s.tradeRouter, "Bought");
    const noPool = await quoteBuy(s.tokens.BTC2L, undefined, usdc(100));
    expect(noPool.best).to.equal(undefined);
    await s.usdc.connect(s.buyer).approve(s.tradeRouter, usdc(100));
    await expect(s.tradeRouter.connect(s.buyer).buy(s.tokens.BTC2L, usdc(100), 0, s.buyer.address, s.deadline))
      .to.be.revertedWithCustomError(s.tradeRouter, "TradeRouterNoRoute")
      .withArgs(await s.tokens.BTC2L.getAddress());
  });

  it("a stale price closes the NAV route (the quote names the error) and the pool still trades", async () => {
    const s = await loadFixture(system);
    await time.increase(3_601); // past the market's max price age
    s.deadline = BigInt(await time.latest()) + 600n;
    const quote = await quotes(s, "sell", wad(1));
    expect(quote.nav.amountOut).to.equal(0n);
    expect(quote.nav.unavailable).to.contain("PerpStalePrice");
    expect(quote.best).to.equal("pool");
    await expect(sell(s, wad(1)))
      .to.emit(s.tradeRouter, "Sold")
      .withArgs(s.buyer.address, await s.tokens.BTC3L.getAddress(), s.buyer.address, POOL, wad(1), quote.amountOut);
    const buying = await quotes(s, "buy", usdc(10));
    expect(buying.nav.unavailable).to.contain("PerpStalePrice");
    expect(await s.tradeRouter.quoteBuy(s.tokens.BTC3L, usdc(10))).to.deep.equal([buying.pool.amountOut, 0n]);
    await expect(buy(s, usdc(10)))
      .to.emit(s.tradeRouter, "Bought")
      .withArgs(s.buyer.address, await s.tokens.BTC3L.getAddress(), s.buyer.address, POOL, usdc(10), buying.amountOut);
  });

  it("says which factory, Uniswap factory and stablecoin it serves; refuses a zero factory", async () => {
    const s = await loadFixture(system);
    for (const contract of [s.tradeRouter, s.arbitrage]) {
      expect(await contract.tokenFactory()).to.equal(s.book.factory);
      expect(await contract.dexFactory()).to.equal(s.book.dex!.factory);
      expect(await contract.stablecoin()).to.equal(s.book.stablecoin);
    }
    await expect(
      ethers.deployContract("TradeRouter", [ethers.ZeroAddress, s.book.dex!.factory]),
    ).to.be.revertedWithCustomError(s.tradeRouter, "ListedPoolsZeroAddress");
  });
});
