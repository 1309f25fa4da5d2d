import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { MaxUint256, type Result } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import { loadSpec } from "../../src/deployment/spec";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import { readTokenList } from "../../src/reads/lens";
import { readTokenState } from "../../src/reads/tokenState";
import { feedPrice, usdc } from "../helpers/units";

describe("LeveragedTokenLens", () => {
  /** The local deployment (nine tokens, a BTC3L pool), and a holder with BTC3L and ETH2L. */
  async function deployed() {
    const book = await deploySystem(hre, loadSpec(hre.config.paths.root, "hardhat"));
    const [, holder] = await ethers.getSigners();
    const stablecoin = await ethers.getContractAt("MockStablecoin", book.stablecoin);
    await stablecoin.connect(holder).faucet(usdc(10_000));
    for (const [symbol, amount] of [
      ["BTC3L", 1_000],
      ["ETH2L", 250],
    ] as const) {
      const token = await ethers.getContractAt("LeveragedToken", book.tokens[symbol]);
      await stablecoin.connect(holder).approve(token, usdc(amount));
      await token.connect(holder).mint(usdc(amount), 1n, holder);
    }
    const lens = await ethers.getContractAt("LeveragedTokenLens", book.lens as string);
    return { book, holder, stablecoin, lens };
  }

  it("returns every listed token with the token's own views, its pool's reserves and the account's balances", async () => {
    const { book, holder, stablecoin } = await loadFixture(deployed);
    const list = await readTokenList(book, ethers.provider, { account: holder.address });
    const factory = await ethers.getContractAt("LeveragedTokenFactory", book.factory);
    expect(list.tokens.map((t) => t.address)).to.deep.equal(await factory.allTokens());
    expect(list.tokens.map((t) => t.symbol)).to.deep.equal(Object.keys(book.tokens));
    expect(list.usdcBalance).to.equal(await stablecoin.balanceOf(holder));
    const block = await ethers.provider.getBlock("latest");
    expect([list.blockNumber, list.timestamp]).to.deep.equal([BigInt(block!.number), BigInt(block!.timestamp)]);

    for (const listing of list.tokens) {
      const token = await ethers.getContractAt("LeveragedToken", listing.address);
      const state = await readTokenState(token);
      const exchange = await ethers.getContractAt("PerpExchange", book.exchange);
      const { size, price } = await exchange.accountState(listing.address, state.marketId);
      expect(listing, listing.symbol).to.deep.include({
        name: state.name,
        symbol: state.symbol,
        marketId: state.marketId,
        marketSymbol: (await exchange.market(state.marketId)).symbol,
        targetLeverage: state.targetLeverage,
        leverage: state.leverage,
        navPerShare: state.navPerShare,
        equity: state.equity,
        totalSupply: state.totalSupply,
        bandLower: state.bandLower,
        bandUpper: state.bandUpper,
        action: state.action,
        lastRebalance: state.lastRebalance,
        nextRebalance: state.nextRebalance,
        positionSize: size,
        price,
        priceStatus: state.priceStatus,
        mintFeeBps: state.mintFeeBps,
        redeemFeeBps: state.redeemFeeBps,
        managementFeePerYear: state.managementFeePerYear,
        pendingFeeShares: state.pendingFeeShares,
        paused: false,
        wipedOut: false,
        retired: false,
        equityCap: state.equityCap,
        capHeadroom: state.capHeadroom,
        maxMint: state.maxMint,
        balance: await token.balanceOf(holder),
        maxRedeem: await token.maxRedeem(holder),
      });
      expect(listing.positionSize, `${listing.symbol} size`).to.equal(state.positionSize);
    }
    const held = list.tokens.filter((t) => t.balance > 0n).map((t) => t.symbol);
    expect(held).to.deep.equal(["BTC3L", "ETH2L"]);

    // Only BTC3L has a pool; its reserves are the pair's, the token's side first.
    const pair = new ethers.Contract(book.dex!.pools.BTC3L, uniswapV2.pair.abi as never, ethers.provider);
    const [r0, r1] = (await pair.getReserves()) as [bigint, bigint];
    const tokenIs0 = String(await pair.token0()).toLowerCase() === book.tokens.BTC3L.toLowerCase();
    const btc3l = list.tokens.find((t) => t.symbol === "BTC3L")!;
    expect(btc3l.pool).to.deep.equal({
      pair: book.dex!.pools.BTC3L,
      tokenReserve: tokenIs0 ? r0 : r1,
      stableReserve: tokenIs0 ? r1 : r0,
    });
    expect(list.tokens.filter((t) => t.pool).map((t) => t.symbol)).to.deep.equal(["BTC3L"]);
  });

  it("pages: any offset and limit give the factory's order; a page past the end is empty", async () => {
    const { book, lens } = await loadFixture(deployed);
    const all = await lens.tokens(book.factory, book.dex!.factory, ethers.ZeroAddress, 0, 100);
    expect(all[0].tokenCount).to.equal(9n);
    const pages = [];
    for (const offset of [0, 4, 8])
      pages.push(...(await lens.tokens(book.factory, ethers.ZeroAddress, ethers.ZeroAddress, offset, 4))[1]);
    expect(pages.map((v) => v.token)).to.deep.equal(all[1].map((v) => v.token));
    expect(
      pages.every((v) => v.pool === ethers.ZeroAddress),
      "no DEX factory given: no pools",
    ).to.equal(true);
    for (const [offset, limit] of [
      [9n, 5n],
      [1_000n, 1n],
      [MaxUint256, MaxUint256],
    ]) {
      const [context, views] = await lens.tokens(book.factory, ethers.ZeroAddress, ethers.ZeroAddress, offset, limit);
      expect([context.tokenCount, views.length], `offset ${offset}`).to.deep.equal([9n, 0]);
    }
    const [, tail] = await lens.tokens(book.factory, ethers.ZeroAddress, ethers.ZeroAddress, 7, MaxUint256);
    expect(tail.map((v) => v.symbol)).to.deep.equal(["ETH2L", "BTC1S"]);
    // One token alone reads the same as in a page.
    const one = await lens.tokenView(book.factory, all[1][0].token, book.dex!.factory, ethers.ZeroAddress);
    const plain = (v: unknown) => (v as Result).toObject(true);
    expect(plain(one)).to.deep.equal(plain(all[1][0]));
    // The reader in src/ gives the same list whatever its page size.
    const paged = await readTokenList(book, ethers.provider, { pageSize: 2 });
    expect(paged.tokens.map((t) => t.address)).to.deep.equal(all[1].map((v) => v.token));
  });

  it("shows a paused token, a due drift, a wiped-out token and a stale price as such", async () => {
    const { book, holder, stablecoin } = await loadFixture(deployed);
    const [admin] = await ethers.getSigners();
    const btc3s = await ethers.getContractAt("LeveragedToken", book.tokens.BTC3S);
    await stablecoin.connect(holder).approve(btc3s, usdc(100));
    await btc3s.connect(holder).mint(usdc(100), 1n, holder);
    const eth2l = await ethers.getContractAt("LeveragedToken", book.tokens.ETH2L);
    await eth2l.connect(admin).pause();
    const btcFeed = await ethers.getContractAt("SettablePriceFeed", book.markets.BTC.feed);
    // BTC -40%: the 3x long's equity is gone (its rebalance wipes it out); the 3x short drifted out of its band.
    await btcFeed.updateAnswer(feedPrice(30_000));
    let list = await readTokenList(book, ethers.provider, { account: holder.address });
    const bySymbol = (symbol: string) => list.tokens.find((t) => t.symbol === symbol)!;
    expect(bySymbol("ETH2L").paused).to.equal(true);
    expect([bySymbol("BTC3L").action, bySymbol("BTC3L").equity, bySymbol("BTC3L").wipedOut]).to.deep.equal([
      "drift",
      0n,
      false,
    ]);
    expect(bySymbol("BTC3S").action).to.equal("drift");
    await (await ethers.getContractAt("LeveragedToken", book.tokens.BTC3L)).rebalance();
    list = await readTokenList(book, ethers.provider);
    expect([bySymbol("BTC3L").wipedOut, bySymbol("BTC3L").positionSize]).to.deep.equal([true, 0n]);
    expect([bySymbol("BTC3L").retired, bySymbol("BTC3L").capHeadroom]).to.deep.equal([false, 0n]);
    // Retired by the factory; a cap on ETH2L: the list says so, and its headroom is the token's.
    await (
      await ethers.getContractAt("LeveragedTokenFactory", book.factory)
    )
      .connect(admin)
      .retireToken(book.tokens.BTC3L);
    await eth2l.connect(admin).setEquityCap(usdc(300));
    list = await readTokenList(book, ethers.provider);
    expect(bySymbol("BTC3L").retired).to.equal(true);
    expect(list.tokens.filter((t) => t.retired).map((t) => t.symbol)).to.deep.equal(["BTC3L"]);
    expect([bySymbol("ETH2L").equityCap, bySymbol("ETH2L").capHeadroom]).to.deep.equal([
      usdc(300),
      await eth2l.capHeadroom(),
    ]);
    expect(bySymbol("ETH2L").capHeadroom).to.be.greaterThan(usdc(40)).and.lessThan(usdc(51));
    expect(list.tokens.every((t) => t.priceStatus === "fresh")).to.equal(true);

    // A day and a second later the local markets' prices (max age one day) are stale; the lens still answers, says
    // so, and gives no NAV nor headroom for a token holding a position (the token's own views refuse that price).
    const equities = list.tokens.map((t) => t.equity);
    await time.increase(86_401);
    list = await readTokenList(book, ethers.provider);
    expect(list.tokens.map((t) => t.priceStatus)).to.deep.equal(Array(9).fill("stale"));
    expect(bySymbol("BTC3S").price).to.equal(30_000n * 10n ** 18n);
    for (const t of list.tokens) {
      const token = await ethers.getContractAt("LeveragedToken", t.address);
      if (t.positionSize !== 0n) expect([t.navPerShare, t.capHeadroom], t.symbol).to.deep.equal([0n, 0n]);
      else
        expect([t.navPerShare, t.capHeadroom], t.symbol).to.deep.equal([
          await token.navPerShare(),
          await token.capHeadroom(),
        ]);
    }
    expect(list.tokens.filter((t) => t.positionSize !== 0n).length).to.be.greaterThan(0);
    // nothing can be minted at a stale price (every mint reverts on it), whatever the position
    expect(list.tokens.map((t) => t.maxMint)).to.deep.equal(Array(9).fill(0n));
    // equity is still given, valued at the stale price (funding accrued over the day), flagged by priceStatus
    expect(list.tokens.map((t) => t.equity > 0n)).to.deep.equal(equities.map((e) => e > 0n));
  });

  it("reads the tokens as they were at an earlier block", async () => {
    const { book } = await loadFixture(deployed);
    const before = await readTokenList(book, ethers.provider);
    const btcFeed = await ethers.getContractAt("SettablePriceFeed", book.markets.BTC.feed);
    await btcFeed.updateAnswer(feedPrice(55_000));
    const now = await readTokenList(book, ethers.provider);
    const then = await readTokenList(book, ethers.provider, { blockTag: before.blockNumber });
    const nav = (list: typeof now) => list.tokens.find((t) => t.symbol === "BTC3L")!.navPerShare;
    expect(nav(now)).to.be.greaterThan(nav(before));
    expect(then).to.deep.equal(before);
  });
});
