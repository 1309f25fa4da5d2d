import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { connectSettableFeed, connectStablecoin, connectToken, CONTRACT_INTERFACES } from "../../src/chain/contracts";
import { describeError } from "../../src/chain/reverts";
import { buy, mint, redeem, sell, type FlowStep, type HolderSession } from "../../src/holder/flows";
import { tokenLimits } from "../../src/holder/limits";
import { feedRounds, recentVolatility } from "../../src/holder/volatility";
import { feeUp, grossForNet } from "../../src/model/token/types";
import { systemOnHookedCoin } from "../helpers/hookedCoin";
import { deployLocalSystem } from "../helpers/tasks";
import { feedPrice, usdc } from "../helpers/units";

/** The steps of a trade with a permit: the quote (or both routes), the permit asked and signed, one transaction. */
const WITH_PERMIT = (quote: "quote" | "routes") => [
  "check",
  quote,
  "permit",
  "permit",
  "simulate",
  "confirm",
  "pending",
  "mined",
];

/** The holder's flows (src/holder/flows.ts) on the in-process chain with the local deployment (fees on, a pool). */
describe("the holder's flows: check -> permit or approve -> simulate -> send -> result", () => {
  async function local() {
    const book = await deployLocalSystem();
    const signers = await ethers.getSigners();
    const [operator, holder] = [signers[0], signers[5]];
    const stablecoin = connectStablecoin(book.stablecoin, holder);
    await (await stablecoin.faucet(usdc(10_000))).wait();
    return { book, operator, holder, stablecoin, btc3l: connectToken(book.tokens.BTC3L, holder) };
  }

  /** A session for `signer` that records every step. */
  function session(book: HolderSession["book"], signer: HolderSession["signer"]) {
    const steps: FlowStep[] = [];
    const s: HolderSession = { signer, book, deadlineSeconds: 1200, onStep: (step) => void steps.push(step) };
    return { s, steps, names: () => steps.map((x) => x.step) };
  }

  /** Runs a flow that must be refused: the sentence, and no transaction sent. */
  async function refused(run: () => Promise<unknown>, address: string) {
    const nonce = await ethers.provider.getTransactionCount(address);
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the flow was not refused").to.not.equal(undefined);
    expect(await ethers.provider.getTransactionCount(address)).to.equal(nonce);
    return describeError(error, CONTRACT_INTERFACES);
  }

  it("mints with one permit signature and one transaction; the result is the Minted event's", async () => {
    const { book, holder, btc3l } = await loadFixture(local);
    const { s, names, steps } = session(book, holder);
    const nonce = await ethers.provider.getTransactionCount(holder.address);
    const result = await mint(s, { token: book.tokens.BTC3L, amount: usdc(1000), slippagePercent: 0.5 });
    expect(names()).to.deep.equal(WITH_PERMIT("quote"));
    expect(steps.filter((x) => x.step === "mined").map((x) => (x as { label: string }).label)).to.deep.equal([
      "mint BTC3L (with a permit)",
    ]);
    expect(await ethers.provider.getTransactionCount(holder.address)).to.equal(nonce + 1);
    expect(result).to.include({ action: "mint", symbol: "BTC3L", amountIn: usdc(1000), fee: usdc(1), permit: true });
    expect(await btc3l.balanceOf(holder.address)).to.equal(result.amountOut);
    const quote = steps.find((x) => x.step === "quote") as Extract<FlowStep, { step: "quote" }>;
    // The quote's block is the one before the mint's: a second of management fee apart.
    expect(result.amountOut).to.be.closeTo(quote.expected, quote.expected / 1_000_000n);
  });

  it("mints without a permit or an approval where the allowance is there already", async () => {
    const { book, holder, stablecoin } = await loadFixture(local);
    await (await stablecoin.approve(book.tokens.ETH3L, usdc(100))).wait();
    const { s, names } = session(book, holder);
    const result = await mint(s, { token: book.tokens.ETH3L, amount: usdc(100), slippagePercent: 0.5 });
    expect(result.permit).to.equal(false);
    expect(names()).to.deep.equal(["check", "quote", "simulate", "confirm", "pending", "mined"]);
    expect(await stablecoin.allowance(holder.address, book.tokens.ETH3L)).to.equal(0n);
  });

  it("approves exactly the amount first where the stablecoin takes no permits, then mints", async () => {
    const [admin, , , , , holder] = await ethers.getSigners();
    const coin = await ethers.deployContract("ReentrantStablecoin"); // an ERC-20 without EIP-2612
    const { token } = await systemOnHookedCoin(coin, admin.address);
    await coin.mint(holder.address, usdc(1000));
    const book = { network: "hardhat", stablecoin: await coin.getAddress() };
    const { s, names, steps } = session(book, holder);
    const nonce = await ethers.provider.getTransactionCount(holder.address);
    const result = await mint(s, { token: await token.getAddress(), amount: usdc(400), slippagePercent: 0.5 });
    const approval = ["simulate", "confirm", "pending", "mined"];
    expect(names()).to.deep.equal(["check", "quote", "approve", ...approval, ...approval]);
    expect(steps.filter((x) => x.step === "mined").map((x) => (x as { label: string }).label)).to.deep.equal([
      "approve USDC",
      "mint BTC3L",
    ]);
    expect(await ethers.provider.getTransactionCount(holder.address)).to.equal(nonce + 2);
    expect(result).to.include({ action: "mint", amountIn: usdc(400), permit: false });
    expect(await coin.allowance(holder.address, await token.getAddress())).to.equal(0n); // exactly the amount
    expect(await token.balanceOf(holder.address)).to.equal(result.amountOut);
  });

  it("redeems a part, then all: the whole balance as the redeem finds it", async () => {
    const { book, holder, btc3l } = await loadFixture(local);
    await mint(session(book, holder).s, { token: book.tokens.BTC3L, amount: usdc(1000), slippagePercent: 0.5 });
    const held = await btc3l.balanceOf(holder.address);
    const { s, names } = session(book, holder);
    const part = await redeem(s, { token: book.tokens.BTC3L, amount: held / 4n, slippagePercent: 0.5 });
    expect(names()).to.deep.equal(["check", "quote", "simulate", "confirm", "pending", "mined"]);
    expect(part).to.include({ action: "redeem", amountIn: held / 4n, permit: false });
    expect(part.fee).to.equal(feeUp(part.amountOut + part.fee, 10n));
    const all = await redeem(session(book, holder).s, { token: book.tokens.BTC3L, amount: "all", slippagePercent: 1 });
    expect(all.amountIn).to.equal(held - held / 4n);
    expect(await btc3l.balanceOf(holder.address)).to.equal(0n);
    expect(
      await refused(
        () => redeem(session(book, holder).s, { token: book.tokens.BTC3L, amount: "all", slippagePercent: 1 }),
        holder.address,
      ),
    ).to.equal("you hold no BTC3L (buy or mint some first)");
  });

  it("buys and sells through the TradeRouter with a permit each, by the route the router took", async () => {
    const { book, holder, btc3l } = await loadFixture(local);
    const bought = session(book, holder);
    const nonce = await ethers.provider.getTransactionCount(holder.address);
    const b = await buy(bought.s, { token: book.tokens.BTC3L, amount: usdc(100), slippagePercent: 0.5 });
    expect(bought.names()).to.deep.equal(WITH_PERMIT("routes"));
    expect(await ethers.provider.getTransactionCount(holder.address)).to.equal(nonce + 1);
    const routes = bought.steps.find((x) => x.step === "routes") as Extract<FlowStep, { step: "routes" }>;
    expect(b.route).to.equal(routes.quote.best);
    expect(b).to.include({ action: "buy", amountIn: usdc(100), permit: true });
    expect(await btc3l.balanceOf(holder.address)).to.equal(b.amountOut);

    const sold = session(book, holder);
    const s = await sell(sold.s, { token: book.tokens.BTC3L, amount: b.amountOut / 2n, slippagePercent: 0.5 });
    expect(sold.names()).to.deep.equal(WITH_PERMIT("routes"));
    expect(s).to.include({ action: "sell", amountIn: b.amountOut / 2n, permit: true });
    expect(await btc3l.balanceOf(holder.address)).to.equal(b.amountOut - b.amountOut / 2n);
  });

  it("refuses in one sentence and sends nothing: balance, pause, the equity cap, no router", async () => {
    const { book, operator, holder } = await loadFixture(local);
    const { s } = session(book, holder);
    const token = book.tokens.BTC3L;
    expect(
      await refused(() => mint(s, { token, amount: usdc(20_000), slippagePercent: 0.5 }), holder.address),
    ).to.equal("not enough USDC: you have 10,000, the mint needs 20,000 (pay at most 10,000)");
    expect(await refused(() => buy(s, { token, amount: usdc(20_000), slippagePercent: 0.5 }), holder.address)).to.equal(
      "not enough USDC: you have 10,000, the buy needs 20,000 (pay at most 10,000)",
    );
    expect(await refused(() => sell(s, { token, amount: 10n ** 18n, slippagePercent: 0.5 }), holder.address)).to.equal(
      "not enough BTC3L: you have 0, asked for 1 (buy or mint some first)",
    );
    const admin = connectToken(token, operator);
    await (await admin.pause()).wait();
    expect(await refused(() => mint(s, { token, amount: usdc(10), slippagePercent: 0.5 }), holder.address)).to.equal(
      "minting of BTC3L is paused by the operator: buy on the pool or mint later",
    );
    await (await admin.unpause()).wait();
    const noRouter = { ...book, dex: { ...book.dex!, tradeRouter: undefined } };
    expect(
      await refused(
        () => buy(session(noRouter, holder).s, { token, amount: usdc(10), slippagePercent: 0.5 }),
        holder.address,
      ),
    ).to.match(/^the deployment of hardhat has no TradeRouter .*: mint or redeem instead/);
  });

  it("maxMint is the cap's headroom grossed up for the mint fee: the token takes exactly that much and no more", async () => {
    const { book, operator, holder } = await loadFixture(local);
    const token = book.tokens.ETH2L;
    const admin = connectToken(token, operator);
    await mint(session(book, holder).s, { token, amount: usdc(100), slippagePercent: 0.5 });
    await (await admin.setEquityCap(usdc(250))).wait();
    await (await connectStablecoin(book.stablecoin, holder).approve(token, usdc(1000))).wait();
    // All read at one block (the cap's headroom moves with funding from one block to the next).
    const blockTag = await ethers.provider.getBlockNumber();
    const limits = await tokenLimits(admin, holder.address, blockTag);
    const headroom = await admin.capHeadroom({ blockTag });
    expect(limits.maxMint).to.equal(grossForNet(headroom, 10n));
    expect(limits.maxMint - feeUp(limits.maxMint, 10n)).to.equal(headroom);
    expect(limits.maxRedeem).to.equal(await admin.balanceOf(holder.address));
    const holderToken = connectToken(token, holder);
    await holderToken.mint.staticCall(limits.maxMint, 1n, holder.address, { blockTag });
    await expect(
      holderToken.mint.staticCall(limits.maxMint + 1n, 1n, holder.address, { blockTag }),
    ).to.be.revertedWithCustomError(admin, "LeveragedTokenEquityCapExceeded");
    const { s } = session(book, holder);
    expect(
      await refused(() => mint(s, { token, amount: limits.maxMint + 1n, slippagePercent: 0.5 }), holder.address),
    ).to.match(
      /^ETH2L is at its equity cap: a mint can take at most 150\.\d+ USDC now \(its fee included\), asked for 150\.\d+ USDC \(mint less or later\)$/,
    );
    // Paused: nothing can be minted, everything can be redeemed.
    await (await admin.pause()).wait();
    expect(await tokenLimits(admin, holder.address)).to.deep.include({ maxMint: 0n, mintClosed: "paused" });
  });

  it("the recent volatility comes from the feed's rounds of the last 30 days when it has enough", async () => {
    const { book, operator } = await loadFixture(local);
    const feed = connectSettableFeed(book.markets.SOL.feed, operator);
    // SOL has no file in data/: too few rounds, no estimate.
    expect(await recentVolatility(operator, book.markets.SOL.feed)).to.equal(undefined);
    for (let day = 0; day < 40; day += 1) {
      await time.increase(86_400);
      await (await feed.updateAnswer(feedPrice(day % 2 ? 102 : 100))).wait();
    }
    const rounds = await feedRounds(operator, book.markets.SOL.feed);
    // The window's rounds and the one it starts from, ascending.
    expect(rounds.length).to.be.within(31, 32);
    expect(rounds.at(-1)!.time - rounds[1].time).to.be.at.most(30 * 86_400);
    const recent = await recentVolatility(operator, book.markets.SOL.feed);
    // ln(1.02) every day: sigma = ln(1.02) x sqrt(365), within the window's edges.
    expect(recent!.volatility).to.be.closeTo(Math.log(1.02) * Math.sqrt(365), 0.01);
    expect(recent!.source).to.match(/^the feed's last 3\d rounds$/);
  });
});
