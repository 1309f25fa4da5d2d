import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { writeFileSync } from "node:fs";
import { addressBookPath, readAddressBook, writeAddressBook } from "../../src/node/addressBookFile";
import { deployLocalSystem, runTask } from "../helpers/tasks";
import { usdc, wad } from "../helpers/units";

describe("lt:* tasks (in-process network)", () => {
  async function local() {
    const book = await deployLocalSystem();
    const [operator] = await ethers.getSigners();
    const token = (symbol: string) => ethers.getContractAt("LeveragedToken", book.tokens[symbol]);
    const stablecoin = await ethers.getContractAt("MockStablecoin", book.stablecoin);
    return { book, operator, token, stablecoin };
  }

  /** Runs a task that must fail: one line on stderr containing `message`, exit code 1, no transaction sent. */
  async function expectRefused(name: string, args: Record<string, unknown>, message: string | RegExp) {
    const [operator] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(operator.address);
    const result = await runTask(name, args);
    expect(result.exitCode, result.stdout).to.equal(1);
    expect(result.stderr.split("\n")).to.have.length(1);
    if (typeof message === "string") expect(result.stderr).to.contain(message);
    else expect(result.stderr, result.stderr).to.match(message);
    expect(await ethers.provider.getTransactionCount(operator.address)).to.equal(nonce);
  }

  it("lt:list shows every token with NAV, the pool price and its premium, leverage and band", async () => {
    await loadFixture(local);
    const { stdout, exitCode } = await runTask("lt:list");
    expect(exitCode).to.equal(0);
    const rows = stdout.split("\n").slice(2);
    expect(rows.map((r) => r.split(/\s+/)[0])).to.deep.equal([
      "BTC3L",
      "BTC3S",
      "ETH3L",
      "ETH3S",
      "SOL3L",
      "SOL3S",
      "BTC2L",
      "ETH2L",
      "BTC1S",
    ]);
    // The pool was seeded with what 10,000 USDC mints (fees off the top) against 10,000 USDC: +0.25% to NAV.
    expect(rows[0]).to.match(/^BTC3L\s+100\s+100\.2\d+\s+\+0\.25%\s+3\.00x\s+3\.00x\s+2-4x/);
    expect(rows[8]).to.match(/^BTC1S\s+100\s+-\s+-\s+0\.00x\s+-1\.00x\s+0\.67-1\.33x/);
  });

  it("lt:faucet, lt:mint, lt:balance, lt:transfer and lt:redeem work in human units", async () => {
    const { operator, token, stablecoin } = await loadFixture(local);
    const before = await stablecoin.balanceOf(operator.address);
    expect((await runTask("lt:faucet", { amount: "1000" })).exitCode).to.equal(0);
    expect(await stablecoin.balanceOf(operator.address)).to.equal(before + usdc(1000));

    const eth3l = await token("ETH3L");
    const minted = await runTask("lt:mint", { token: "ETH3L", amount: "1000", slippage: "0.5" });
    expect(minted.exitCode, minted.stderr).to.equal(0);
    // The quote says where it comes from; the result line gives what the mint actually gave.
    expect(minted.stdout).to.match(
      /^quote: about 9\.97503\d ETH3L for 1,000 USDC \(block \d+, ETH at 3,000\.00 USD\)$/m,
    );
    expect(minted.stdout).to.match(/^minted 9\.97503\d ETH3L for 1,000 USDC \(fee 1 USDC\) in block \d+$/m);
    // One signature and one transaction: a permit of the stablecoin and the mint together, no approval first.
    expect(minted.stdout).to.match(/^mint ETH3L \(with a permit\): 0x[0-9a-f]{64} \(gas \d+\)$/m);
    expect(minted.stdout).to.not.contain("approve USDC");
    // Before the mint, the cost of holding 30 days (--days), the one sentence of src/holder/cost.ts; the local feed
    // has too few rounds, so the volatility is data/'s.
    expect(minted.stdout).to.match(
      /^cost: Holding 1,000 USDC of ETH3L for 30 days costs about [\d.]+ USDC in fees \(mint fee 1, management fee [\d.]+, funding [\d.]+ at today's 10%\/yr\) and an expected [\d.]+% \([\d.]+ USDC\) in volatility drag at ETH's recent \d+% volatility; 5-95% of outcomes end -[\d.]+% to \+[\d.]+% against 3x ETH's move \(volatility from ETH's last 31 daily closes in data\/\); more on the app's Decay page \(#\/decay\)$/m,
    );
    expect(minted.stdout.indexOf("cost: ")).to.be.below(minted.stdout.indexOf("mint ETH3L (with a permit)"));
    // 1,000 USDC less the 0.1% mint fee, and the 0.05% taker fee on a 3x position, at NAV 100; the first mint of a
    // token also locks its dead shares (1e-6 token)
    expect(await eth3l.balanceOf(operator.address)).to.be.closeTo(wad("9.975036"), wad("0.000001"));

    const balance = await runTask("lt:balance");
    expect(balance.stdout).to.match(/ETH3L\s+9\.97503\d \(about 997\.5 USDC\)/);

    const [, bob] = await ethers.getSigners();
    expect((await runTask("lt:transfer", { token: "ETH3L", to: bob.address, amount: "1.5" })).exitCode).to.equal(0);
    expect(await eth3l.balanceOf(bob.address)).to.equal(wad("1.5"));
    expect((await runTask("lt:transfer", { token: "USDC", to: bob.address, amount: "2" })).exitCode).to.equal(0);
    expect(await stablecoin.balanceOf(bob.address)).to.equal(usdc(2));

    const part = await runTask("lt:redeem", { token: "ETH3L", shares: "1", slippage: "0.5", all: false });
    expect(part.exitCode, part.stderr).to.equal(0);
    expect(part.stdout).to.match(/^quote: about 99\.\d+ USDC for 1 ETH3L \(block \d+, ETH at 3,000\.00 USD\)$/m);
    expect(part.stdout).to.match(/^redeemed 1 ETH3L for 99\.\d+ USDC \(fee 0\.\d+ USDC\) in block \d+$/m);
    const all = await runTask("lt:redeem", { token: "ETH3L", slippage: "0.5", all: true });
    expect(all.exitCode, all.stderr).to.equal(0);
    // All of it, the management fee shares the redeem itself accrued included (the operator is also the fee
    // recipient): redeem(type(uint256).max), so a second --all is never needed.
    expect(await eth3l.balanceOf(operator.address)).to.equal(0n);
    await expectRefused("lt:redeem", { token: "ETH3L", slippage: "0.5", all: true }, "you hold no ETH3L");
  });

  it("refuses bad input with one line, exit code 1 and no transaction", async () => {
    await loadFixture(local);
    const [, bob] = await ethers.getSigners();
    await expectRefused("lt:mint", { token: "DOGE3L", amount: "10", slippage: "0.5" }, 'unknown token "DOGE3L"');
    await expectRefused("lt:mint", { token: "BTC3L", amount: "1e3", slippage: "0.5" }, "--amount must be a positive");
    await expectRefused("lt:mint", { token: "BTC3L", amount: "-5", slippage: "0.5" }, "--amount must be a positive");
    await expectRefused("lt:mint", { token: "BTC3L", amount: "0", slippage: "0.5" }, "--amount must be greater than 0");
    await expectRefused("lt:mint", { token: "BTC3L", amount: "1.0000001", slippage: "0.5" }, "at most 6 are possible");
    await expectRefused(
      "lt:mint",
      { token: "BTC3L", amount: "10", slippage: "abc" },
      "--slippage must be a percentage",
    );
    await expectRefused("lt:mint", { token: "BTC3L", amount: "1000000000", slippage: "0.5" }, "not enough USDC");
    await expectRefused(
      "lt:mint",
      { token: "BTC3L", amount: "10", slippage: "0.5", days: "0" },
      '--days must be a whole number of days from 1 to 3650, not "0"',
    );
    await expectRefused(
      "lt:redeem",
      { token: "BTC3L", shares: "5", slippage: "0.5", all: true },
      "either --shares N or --all",
    );
    await expectRefused("lt:redeem", { token: "BTC3S", shares: "5", slippage: "0.5", all: false }, "not enough BTC3S");
    await expectRefused("lt:transfer", { token: "BTC3L", to: "0x1234", amount: "1" }, "--to must be an address");
    await expectRefused("lt:transfer", { token: "BTC3L", to: bob.address, amount: "100000" }, "not enough BTC3L");
    await expectRefused("lt:faucet", { amount: "10001" }, "above the faucet's 10,000 per call");
    await expectRefused("lt:set-price", { market: "DOGE", price: "1" }, 'unknown market "DOGE"');
    await expectRefused("lt:create-token", { market: "ETH", leverage: "2.5" }, "--leverage must be a whole number");
    await expectRefused("lt:create-token", { market: "BTC", leverage: "3" }, "FactoryDuplicateToken");
    await expectRefused("lt:set-fees", { token: "BTC3L", mintBps: "101" }, "--mint-bps must be whole basis points");
    await expectRefused("lt:swap", { sell: "BTC3L", buy: "ETH3L", amount: "1", slippage: "1" }, "must be USDC");
    await expectRefused("lt:swap", { sell: "USDC", buy: "ETH3L", amount: "1", slippage: "1" }, "no ETH3L/USDC pool");
  });

  it("refuses paused minting and a stale price before sending anything, with the error's name and values", async () => {
    await loadFixture(local);
    expect((await runTask("lt:pause", { token: "BTC3L" })).exitCode).to.equal(0);
    await expectRefused("lt:mint", { token: "BTC3L", amount: "10", slippage: "0.5" }, "minting of BTC3L is paused");
    await expectRefused("lt:pause", { token: "BTC3L" }, "already paused");
    expect((await runTask("lt:unpause", { token: "BTC3L" })).exitCode).to.equal(0);
    expect((await runTask("lt:set-cap", { token: "BTC3L", usdc: "100" })).exitCode).to.equal(0);
    await expectRefused(
      "lt:mint",
      { token: "BTC3L", amount: "10", slippage: "0.5" },
      "BTC3L is at its equity cap: it takes no mint now, asked for 10 USDC (buy on the pool, or mint later)",
    );
    expect((await runTask("lt:set-cap", { token: "BTC3L", usdc: "none" })).exitCode).to.equal(0);
    await time.increase(86_401);
    await expectRefused(
      "lt:mint",
      { token: "BTC3L", amount: "10", slippage: "0.5" },
      // In human units: UTC dates and how long ago, the maximum age as a duration.
      /PerpStalePrice\(marketId=0, updatedAt=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1 d ago\), maxPriceAge=1 d, currentTime=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(now\)\): the price feed is stale/,
    );
  });

  it("lt:set-price and lt:rebalance move and rebalance a token; lt:info shows its account", async () => {
    const { token } = await loadFixture(local);
    await expectRefused("lt:rebalance", { token: "BTC3L" }, "LeveragedTokenRebalanceNotDue");
    expect((await runTask("lt:set-price", { market: "BTC", price: "44000" })).exitCode).to.equal(0);
    const rebalanced = await runTask("lt:rebalance", { token: "BTC3L" });
    expect(rebalanced.exitCode, rebalanced.stderr).to.equal(0);
    expect(rebalanced.stdout).to.match(/leverage 4\.\d\dx -> 3\.00x/);
    expect(await (await token("BTC3L")).rebalanceAction()).to.equal(0n);
    const info = await runTask("lt:info", { token: "BTC3L" });
    expect(info.stdout).to.match(/market\s+BTC \(id 0\), mark 44,000 USD/);
    expect(info.stdout).to.match(/leverage\s+3\.00x \(target 3\.00x\)/);
    expect(info.stdout).to.match(/account value\s+[\d,.]+ USDC \(maintenance margin [\d,.]+\)/);
  });

  it("lt:set-price refuses a market that reads a Chainlink feed", async () => {
    await loadFixture(local);
    const book = readAddressBook(hre.config.paths.root, "hardhat");
    writeAddressBook(hre.config.paths.root, {
      ...book,
      markets: { ...book.markets, SOL: { ...book.markets.SOL, settable: false } },
    });
    try {
      await expectRefused("lt:set-price", { market: "SOL", price: "1" }, "reads a Chainlink feed");
    } finally {
      writeAddressBook(hre.config.paths.root, book);
    }
  });

  it("lt:create-token lists a new token and adds it to the address book", async () => {
    await loadFixture(local);
    const result = await runTask("lt:create-token", { market: "eth", leverage: "-2" });
    expect(result.exitCode, result.stderr).to.equal(0);
    const book = readAddressBook(hre.config.paths.root, "hardhat");
    const eth2s = await ethers.getContractAt("LeveragedToken", book.tokens.ETH2S);
    expect(await eth2s.targetLeverage()).to.equal(wad(-2));
  });

  it("the deployment has a BatchRebalancer in its address book; a book written before it still loads", async () => {
    const { book, token } = await loadFixture(local);
    const batcher = await ethers.getContractAt("BatchRebalancer", book.batcher as string);
    const btc3l = await (await token("BTC3L")).getAddress();
    expect(await batcher.rebalance.staticCall([btc3l])).to.deep.equal([0n, 0n]); // deployed; nothing due
    const root = hre.config.paths.root;
    const { batcher: _, ...older } = book;
    writeFileSync(addressBookPath(root, "older"), JSON.stringify(older));
    const read = readAddressBook(root, "older");
    expect(read.batcher).to.equal(undefined);
    expect(read.factory).to.equal(book.factory);
  });

  it("lt:set-fees changes only the fees given", async () => {
    const { token } = await loadFixture(local);
    expect((await runTask("lt:set-fees", { token: "BTC3L", mintBps: "25", managementPerYear: "2" })).exitCode).to.equal(
      0,
    );
    const fees = await (await token("BTC3L")).fees();
    expect(fees.mintFeeBps).to.equal(25n);
    expect(fees.redeemFeeBps).to.equal(10n);
    expect(fees.managementFeePerYear).to.equal(wad("0.02"));
  });

  it("lt:swap buys and sells BTC3L on the pool; lt:pool:add-liquidity adds at the pool price", async () => {
    const { operator, token, stablecoin } = await loadFixture(local);
    const btc3l = await token("BTC3L");
    expect((await runTask("lt:faucet", { amount: "10000" })).exitCode).to.equal(0);
    const bought = await runTask("lt:swap", { sell: "USDC", buy: "BTC3L", amount: "100", slippage: "1" });
    expect(bought.exitCode, bought.stderr).to.equal(0);
    const shares = await btc3l.balanceOf(operator.address);
    expect(shares).to.be.greaterThan(wad("0.98")).and.lessThan(wad("1"));
    const usdcBefore = await stablecoin.balanceOf(operator.address);
    const sold = await runTask("lt:swap", { sell: "BTC3L", buy: "USDC", amount: "0.5", slippage: "1" });
    expect(sold.exitCode, sold.stderr).to.equal(0);
    const received = (await stablecoin.balanceOf(operator.address)) - usdcBefore;
    expect(received).to.be.greaterThan(usdc(49)).and.lessThan(usdc(51));
    expect(sold.stdout, sold.stdout).to.match(/^quote: about \d+\.\d+ USDC for 0\.5 BTC3L on the pool \(block \d+\)$/m);
    expect(sold.stdout).to.contain(`received ${ethers.formatUnits(received, 6).replace(/0+$/, "")} USDC for 0.5 BTC3L`);

    await expectRefused("lt:pool:add-liquidity", { token: "BTC3L", usdc: "1000", slippage: "1" }, "not enough BTC3L");
    expect((await runTask("lt:mint", { token: "BTC3L", amount: "2000", slippage: "0.5" })).exitCode).to.equal(0);
    const added = await runTask("lt:pool:add-liquidity", { token: "BTC3L", usdc: "1000", slippage: "1" });
    expect(added.exitCode, added.stderr).to.equal(0);
    expect(added.stdout).to.contain("add BTC3L/USDC liquidity");
  });

  it("stops with one line on a missing address book or a wrong chain", async () => {
    await loadFixture(local);
    const book = readAddressBook(hre.config.paths.root, "hardhat");
    writeAddressBook(hre.config.paths.root, { ...book, chainId: 1 });
    try {
      await expectRefused("lt:list", {}, "wrong network: deployments/hardhat.json is for chain 1");
    } finally {
      writeAddressBook(hre.config.paths.root, book);
    }
    const dir = process.env.LT_DEPLOYMENTS_DIR;
    process.env.LT_DEPLOYMENTS_DIR = `${dir}-missing`;
    try {
      // In-process and nothing deployed in this process: the tasks need a running node.
      await expectRefused("lt:list", {}, "the lt:* tasks work on a running chain");
    } finally {
      process.env.LT_DEPLOYMENTS_DIR = dir;
    }
  });
});
