import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { AbiCoder, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";
import { feedAnswer } from "../../src/text/units";
import { TOKENS, deployScaleSystem } from "../../bench/benchScale";

/** Chainlink Automation's limits the upkeep is built for: a check's gas, a perform's gas and perform data. */
const CHECK_GAS_LIMIT = 10_000_000n;
const PERFORM_GAS_LIMIT = 5_000_000n;
const MAX_PERFORM_DATA_BYTES = 2_000;

const coder = AbiCoder.defaultAbiCoder();
const range = (offset: number, count: number) => coder.encode(["uint256", "uint256"], [offset, count]);

describe("FactoryUpkeep: one Chainlink Automation upkeep for a factory's 200 tokens", function () {
  this.timeout(600_000);

  async function scale() {
    const book = await deployScaleSystem(hre);
    const [admin, keeper] = await ethers.getSigners();
    const factory = await ethers.getContractAt("LeveragedTokenFactory", book.factory);
    const upkeep = await ethers.getContractAt("FactoryUpkeep", book.upkeep as string);
    const batcher = await ethers.getContractAt("BatchRebalancer", book.batcher as string);
    const feed = (market: string) => ethers.getContractAt("SettablePriceFeed", book.markets[market].feed);
    const tokens = (await factory.allTokens()).map((a) => a);
    return { book, admin, keeper, factory, upkeep, batcher, feed, tokens };
  }

  type Scale = Awaited<ReturnType<typeof scale>>;

  /** `checkUpkeep` as an Automation node simulates it: an eth_call from the zero address, within the check gas. */
  async function check({ upkeep }: Scale, checkData = "0x", gasLimit = CHECK_GAS_LIMIT) {
    const data = upkeep.interface.encodeFunctionData("checkUpkeep", [checkData]);
    const raw = await ethers.provider.call({ from: ZeroAddress, to: await upkeep.getAddress(), data, gasLimit });
    const [upkeepNeeded, performData] = upkeep.interface.decodeFunctionResult("checkUpkeep", raw) as unknown as [
      boolean,
      string,
    ];
    const [due] = coder.decode(["address[]"], performData) as unknown as [string[]];
    return { upkeepNeeded, performData, due: [...due] };
  }

  /** The tokens the factory says are due, by its own view. */
  async function dueByFactory({ factory }: Scale) {
    const statuses = await factory.keeperStatuses(0, TOKENS);
    return statuses.filter((s) => !s.retired && s.action !== 0n).map((s) => s.token);
  }

  /** A day later with fresh prices: every token is due by time. */
  async function nextDay({ book, feed }: Scale) {
    await time.increase(86_400);
    for (const market of Object.keys(book.markets)) {
      const f = await feed(market);
      await f.updateAnswer((await f.latestRoundData()).answer);
    }
  }

  it("is deployed with the system and recorded in the address book", async () => {
    const s = await loadFixture(scale);
    expect(await s.upkeep.factory()).to.equal(s.book.factory);
    expect(await s.upkeep.batcher()).to.equal(s.book.batcher);
    expect(s.tokens).to.have.length(TOKENS);
  });

  it("nothing due: upkeepNeeded false and no tokens", async () => {
    const s = await loadFixture(scale);
    const { upkeepNeeded, due } = await check(s);
    expect(upkeepNeeded).to.equal(false);
    expect(due).to.deep.equal([]);
  });

  it("finds the due tokens across pages (the first and the last), exactly those, and one perform rebalances them", async () => {
    const s = await loadFixture(scale);
    await (await s.feed("BTC")).updateAnswer(feedAnswer("92")); // -8%: the high-leverage BTC tokens (page 0) drift
    await (await s.feed("LTC")).updateAnswer(feedAnswer("88")); // -12%: LTC3L, the last token, drifts
    const expected = await dueByFactory(s);
    expect(expected).to.include(s.tokens[TOKENS - 1]);
    expect(expected.some((t) => s.tokens.indexOf(t) < 20)).to.equal(true);
    const { upkeepNeeded, due, performData } = await check(s);
    expect(upkeepNeeded).to.equal(true);
    expect([...due].sort()).to.deep.equal([...expected].sort());

    const tx = await s.upkeep.connect(s.keeper).performUpkeep(performData, { gasLimit: PERFORM_GAS_LIMIT });
    await expect(tx)
      .to.emit(s.batcher, "BatchRebalanced")
      .withArgs(await s.upkeep.rewardRecipient(), due.length, due.length, (1n << BigInt(due.length)) - 1n);
    // The rewards went to the upkeep's rewardRecipient (the deployer), not to its caller or the upkeep itself.
    expect(await s.upkeep.rewardRecipient()).to.equal((await ethers.getSigners())[0].address);
    expect(
      (await (await ethers.getContractAt("PerpExchange", s.book.exchange)).accountState(s.keeper.address, 0)).margin,
    ).to.equal(0n);
    expect(await dueByFactory(s)).to.deep.equal([]);
    expect((await check(s)).upkeepNeeded).to.equal(false);
  });

  it("all 200 due: at most 50 per check, under 2,000 bytes, and every token is served within four performs", async () => {
    const s = await loadFixture(scale);
    await nextDay(s);
    const from = await ethers.provider.getBlockNumber();
    let performs = 0;
    for (; performs < 10; performs++) {
      const { upkeepNeeded, due, performData } = await check(s);
      if (!upkeepNeeded) break;
      expect(due.length).to.be.at.most(Number(await s.upkeep.MAX_PERFORM_TOKENS()));
      expect(ethers.dataLength(performData)).to.be.lessThan(MAX_PERFORM_DATA_BYTES);
      const receipt = await (
        await s.upkeep.connect(s.keeper).performUpkeep(performData, { gasLimit: PERFORM_GAS_LIMIT })
      ).wait();
      expect(receipt?.gasUsed).to.be.lessThan(PERFORM_GAS_LIMIT);
    }
    expect(performs).to.equal(4);
    // Every token exactly once.
    const rebalanced: string[] = [];
    for (const address of s.tokens) {
      const token = await ethers.getContractAt("LeveragedToken", address);
      const events = await token.queryFilter(token.filters.Rebalanced(), from + 1);
      expect(events, address).to.have.length(1);
      rebalanced.push(address);
    }
    expect(rebalanced).to.have.length(TOKENS);
  });

  it("skips a retired token; checkData picks a range of the factory's tokens", async () => {
    const s = await loadFixture(scale);
    const ltc3l = s.tokens[TOKENS - 1];
    await (await s.feed("LTC")).updateAnswer(feedAnswer("60")); // -40%: LTC3L's equity is gone
    await (await ethers.getContractAt("LeveragedToken", ltc3l)).rebalance(); // wiped out
    await s.factory.connect(s.admin).retireToken(ltc3l);
    expect(await s.factory.isRetired(ltc3l)).to.equal(true);
    await nextDay(s);
    // Tokens 190 to 199: the nine before LTC3L are due by time, the retired one is not.
    const { upkeepNeeded, due } = await check(s, range(190, 10));
    expect(upkeepNeeded).to.equal(true);
    expect([...due].sort()).to.deep.equal(s.tokens.slice(190, 199).sort());
    // A range past the end, or clamped to it.
    expect((await check(s, range(TOKENS, 10))).due).to.deep.equal([]);
    expect([...(await check(s, range(195, 1_000))).due].sort()).to.deep.equal(s.tokens.slice(195, 199).sort());
  });

  it("a forged performData does nothing harmful: tokens not due, addresses that are no token, too many tokens", async () => {
    const s = await loadFixture(scale);
    const token = await ethers.getContractAt("LeveragedToken", s.tokens[0]);
    const lastRebalance = await token.lastRebalanceTime();
    const forged = coder.encode(["address[]"], [[s.tokens[0], s.tokens[1], s.keeper.address, s.book.factory]]);
    const tx = await s.upkeep.connect(s.keeper).performUpkeep(forged);
    await expect(tx)
      .to.emit(s.batcher, "BatchRebalanced")
      .withArgs(await s.upkeep.rewardRecipient(), 4, 0, 0);
    await expect(tx).to.not.emit(token, "Rebalanced");
    expect(await token.lastRebalanceTime()).to.equal(lastRebalance);

    const tooMany = coder.encode(["address[]"], [s.tokens.slice(0, 51)]);
    await expect(s.upkeep.performUpkeep(tooMany))
      .to.be.revertedWithCustomError(s.upkeep, "FactoryUpkeepTooManyTokens")
      .withArgs(51, 50);
    await expect(s.upkeep.performUpkeep("0x1234")).to.be.reverted;
  });

  it("refuses malformed checkData and a zero address, naming the values", async () => {
    const s = await loadFixture(scale);
    await expect(s.upkeep.checkUpkeep("0x123456"))
      .to.be.revertedWithCustomError(s.upkeep, "FactoryUpkeepInvalidCheckData")
      .withArgs(3);
    await expect(ethers.deployContract("FactoryUpkeep", [ZeroAddress, s.book.batcher as string, ZeroAddress]))
      .to.be.revertedWithCustomError(s.upkeep, "FactoryUpkeepZeroAddress")
      .withArgs(ZeroAddress, s.book.batcher as string);
  });

  it("a check over 200 tokens stays within the registry's 10,000,000 check gas; with less it reads fewer pages, never reverts, and the next blocks start elsewhere", async () => {
    const s = await loadFixture(scale);
    const data = s.upkeep.interface.encodeFunctionData("checkUpkeep", ["0x"]);
    const to = await s.upkeep.getAddress();
    // Nothing due: every page is read (the most a check does).
    const gas = await ethers.provider.estimateGas({ from: ZeroAddress, to, data });
    expect(gas).to.be.lessThan(CHECK_GAS_LIMIT);
    expect((await check(s)).upkeepNeeded).to.equal(false);

    // LTC3L, the last token, due; a check with room for only a few pages finds it within as many blocks as there
    // are pages (10), and never reverts.
    await (await s.feed("LTC")).updateAnswer(feedAnswer("88"));
    const pages = Math.ceil(TOKENS / Number(await s.upkeep.PAGE()));
    let foundAfter = -1;
    for (let block = 0; block < pages; block++) {
      const { upkeepNeeded, due } = await check(s, "0x", 3_000_000n);
      if (upkeepNeeded) {
        expect(due).to.deep.equal([s.tokens[TOKENS - 1]]);
        foundAfter = block;
        break;
      }
      await mine(1);
    }
    expect(foundAfter).to.be.at.least(0);
  });
});
