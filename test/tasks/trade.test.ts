import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { writeAddressBook } from "../../src/node/addressBookFile";
import { deployLocalSystem, runTask } from "../helpers/tasks";
import { usdc } from "../helpers/units";
import { assetFile, loadCandles } from "../../src/backtest/candleFile";
import { costSentence, holdingCost, outcomeRange, rangeOptions } from "../../src/holder/cost";
import { readHolding } from "../../src/holder/costInputs";
import { recentCloses } from "../../src/holder/volatility";
import { runMonteCarlo } from "../../src/model/monteCarlo";

describe("lt:buy, lt:sell and the pool in lt:info (in-process network)", () => {
  async function local() {
    const book = await deployLocalSystem();
    const [operator] = await ethers.getSigners();
    const btc3l = await ethers.getContractAt("LeveragedToken", book.tokens.BTC3L);
    const stablecoin = await ethers.getContractAt("MockStablecoin", book.stablecoin);
    return { book, operator, btc3l, stablecoin };
  }

  /** A task that must fail: one line on stderr containing `message`, exit code 1, no transaction sent. */
  async function expectRefused(name: string, args: Record<string, unknown>, message: string) {
    const [operator] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(operator.address);
    const result = await runTask(name, args);
    expect(result.exitCode, result.stdout).to.equal(1);
    expect(result.stderr.split("\n")).to.have.length(1);
    expect(result.stderr).to.contain(message);
    expect(await ethers.provider.getTransactionCount(operator.address)).to.equal(nonce);
  }

  it("lt:buy prints both quotes, takes the better route with a permit instead of an approval, and says which", async () => {
    const { operator, btc3l, stablecoin } = await loadFixture(local);
    expect((await runTask("lt:faucet", { amount: "10000" })).exitCode).to.equal(0);
    const before = {
      shares: await btc3l.balanceOf(operator.address),
      usdc: await stablecoin.balanceOf(operator.address),
    };
    const atNav = await runTask("lt:buy", { token: "BTC3L", usdc: "100", slippage: "0.5" });
    expect(atNav.exitCode, atNav.stderr).to.equal(0);
    expect(atNav.stdout).to.match(/NAV 100 USDC; pool 100\.25\d* USDC, \+0\.25% to NAV/);
    expect(atNav.stdout).to.match(/ {2}pool +0\.98\d+ BTC3L \(101\.\d+ USDC per BTC3L\)/);
    expect(atNav.stdout).to.match(/ {2}mint +0\.997\d* BTC3L/);
    expect(atNav.stdout).to.match(/better: mint \([\d.]+% more\)/);
    expect(atNav.stdout).to.contain("permit signed for 100 USDC to the TradeRouter (no approval transaction)");
    // The cost of holding, for the route taken, at the default 30 days: the sentence of src/holder/cost.ts.
    const holding = await readHolding(
      ethers.provider,
      await btc3l.getAddress(),
      { amount: usdc(100), route: "nav", days: 30 },
      async (market) => recentCloses(loadCandles(assetFile(hre.config.paths.root, market))),
    );
    const range = outcomeRange(
      runMonteCarlo(rangeOptions({ ...holding.input, volatility: holding.input.volatility! })).summary,
    );
    expect(atNav.stdout).to.contain(
      `cost: ${costSentence(holding.input, holdingCost(holding.input), holding.names, range)} (volatility from BTC's last 31 daily closes in data/); more on the app's Decay page (#/decay)`,
    );
    const [, bought] = /bought ([\d.]+) BTC3L for 100 USDC by mint/.exec(atNav.stdout) ?? [];
    expect(bought, atNav.stdout).to.not.equal(undefined);
    // The operator is also the fee recipient: the mint accrued it a few management fee shares as well.
    const got = (await btc3l.balanceOf(operator.address)) - before.shares;
    expect(got).to.be.closeTo(ethers.parseUnits(bought, 18), 10n ** 13n);
    // 100 USDC paid, of which the 0.1% mint fee came back to it.
    expect(before.usdc - (await stablecoin.balanceOf(operator.address))).to.equal(usdc(100) - usdc("0.1"));

    // BTC +10%: BTC3L's NAV +30%, the pool lags: buying takes the pool, selling a redeem.
    expect((await runTask("lt:set-price", { market: "BTC", price: "55000" })).exitCode).to.equal(0);
    const cheap = await runTask("lt:buy", { token: "BTC3L", usdc: "100", days: "7" });
    expect(cheap.exitCode, cheap.stderr).to.equal(0);
    expect(cheap.stdout).to.match(/-2\d\.\d\d% to NAV/);
    expect(cheap.stdout).to.match(/better: pool/);
    expect(cheap.stdout).to.match(/bought [\d.]+ BTC3L for 100 USDC by pool/);
    expect(cheap.stdout).to.match(
      /^cost: Holding 100 USDC of BTC3L for 7 days costs about [\d.]+ USDC in fees \(pool fee 0\.3, /m,
    );
    const sold = await runTask("lt:sell", { token: "BTC3L", shares: "0.5" });
    expect(sold.exitCode, sold.stderr).to.equal(0);
    expect(sold.stdout).to.match(/ {2}redeem +[\d.]+ USDC/);
    expect(sold.stdout).to.contain("permit signed for 0.5 BTC3L to the TradeRouter");
    expect(sold.stdout).to.match(/sold 0\.5 BTC3L for [\d.]+ USDC by redeem/);

    const info = await runTask("lt:info", { token: "BTC3L" });
    expect(info.stdout).to.match(/pool\s+[\d.]+ USDC per BTC3L, -2\d\.\d\d% to NAV; reserves/);
    expect(info.stdout).to.match(/arbitrage band\s+[\d.]+ \.\. [\d.]+ USDC \(-0\.\d\d% \.\. \+0\.\d\d%\)/);
  });

  it("refuses with one line and sends nothing: too little USDC or tokens, a bad amount, no TradeRouter", async () => {
    const { book } = await loadFixture(local);
    await expectRefused("lt:buy", { token: "BTC3L", usdc: "100000000" }, "not enough USDC");
    await expectRefused("lt:sell", { token: "BTC3L", shares: "1" }, "not enough BTC3L: you have 0");
    await expectRefused("lt:buy", { token: "BTC3L", usdc: "-1" }, "--usdc must be a positive decimal number");
    await expectRefused("lt:sell", { token: "NOPE", shares: "1" }, 'unknown token "NOPE"');
    writeAddressBook(hre.config.paths.root, { ...book, dex: { ...book.dex!, tradeRouter: undefined } });
    await expectRefused("lt:buy", { token: "BTC3L", usdc: "1" }, "has no TradeRouter");
    writeAddressBook(hre.config.paths.root, book);
  });
});
