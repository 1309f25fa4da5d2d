import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { feedPrice } from "../helpers/units";

const INT112_MAX = 2n ** 111n - 1n;

async function deployFeed() {
  const [admin, oracle, stranger] = await ethers.getSigners();
  const feed = await ethers.deployContract("SettablePriceFeed", [8, "BTC / USD", admin.address, feedPrice(50_000)]);
  const deployedAt = await time.latest();
  return { feed, admin, oracle, stranger, deployedAt };
}

describe("SettablePriceFeed", () => {
  it("describes itself like a Chainlink feed and answers its initial round", async () => {
    const { feed, deployedAt } = await loadFixture(deployFeed);
    expect(await feed.decimals()).to.equal(8n);
    expect(await feed.description()).to.equal("BTC / USD");
    expect(await feed.version()).to.equal(1n);
    const latest = await feed.latestRoundData();
    expect([...latest]).to.deep.equal([1n, feedPrice(50_000), BigInt(deployedAt), BigInt(deployedAt), 1n]);
    expect([...(await feed.getRoundData(1))]).to.deep.equal([...latest]);
  });

  it("every push starts a new round stamped with the block time; past rounds stay readable", async () => {
    const { feed, deployedAt } = await loadFixture(deployFeed);
    const t = deployedAt + 1_000;
    await time.setNextBlockTimestamp(t);
    await expect(feed.updateAnswer(feedPrice("51234.5")))
      .to.emit(feed, "AnswerUpdated")
      .withArgs(feedPrice("51234.5"), 2n, BigInt(t));
    await time.setNextBlockTimestamp(t + 60);
    await feed.updateAnswer(1n);
    expect([...(await feed.latestRoundData())]).to.deep.equal([3n, 1n, BigInt(t + 60), BigInt(t + 60), 3n]);
    expect([...(await feed.getRoundData(2))]).to.deep.equal([2n, feedPrice("51234.5"), BigInt(t), BigInt(t), 2n]);
    expect((await feed.getRoundData(1)).answer).to.equal(feedPrice(50_000));
  });

  it("unknown rounds revert with PriceFeedUnknownRound", async () => {
    const { feed } = await loadFixture(deployFeed);
    await expect(feed.getRoundData(0)).to.be.revertedWithCustomError(feed, "PriceFeedUnknownRound").withArgs(0n);
    await expect(feed.getRoundData(2)).to.be.revertedWithCustomError(feed, "PriceFeedUnknownRound").withArgs(2n);
  });

  it("rejects zero, negative and oversized answers; accepts the largest int112", async () => {
    const { feed } = await loadFixture(deployFeed);
    for (const answer of [0n, -1n, -feedPrice(50_000), INT112_MAX + 1n]) {
      await expect(feed.updateAnswer(answer))
        .to.be.revertedWithCustomError(feed, "PriceFeedInvalidAnswer")
        .withArgs(answer);
    }
    expect((await feed.latestRoundData()).roundId).to.equal(1n);
    await feed.updateAnswer(INT112_MAX);
    expect((await feed.latestRoundData()).answer).to.equal(INT112_MAX);
  });

  it("only ORACLE_ROLE may push; the admin may grant and revoke it", async () => {
    const { feed, oracle, stranger } = await loadFixture(deployFeed);
    const role = await feed.ORACLE_ROLE();
    await expect(feed.connect(stranger).updateAnswer(feedPrice(1)))
      .to.be.revertedWithCustomError(feed, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, role);
    await feed.grantRole(role, oracle.address);
    await feed.connect(oracle).updateAnswer(feedPrice(49_000));
    expect((await feed.latestRoundData()).answer).to.equal(feedPrice(49_000));
    await feed.revokeRole(role, oracle.address);
    await expect(feed.connect(oracle).updateAnswer(feedPrice(48_000)))
      .to.be.revertedWithCustomError(feed, "AccessControlUnauthorizedAccount")
      .withArgs(oracle.address, role);
    await expect(feed.connect(stranger).grantRole(role, stranger.address))
      .to.be.revertedWithCustomError(feed, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await feed.DEFAULT_ADMIN_ROLE());
  });

  it("the constructor rejects more than 18 decimals, an invalid initial answer and a zero admin", async () => {
    const { admin } = await loadFixture(deployFeed);
    const factory = await ethers.getContractFactory("SettablePriceFeed");
    await expect(factory.deploy(19, "X", admin.address, 1n))
      .to.be.revertedWithCustomError(factory, "PriceFeedInvalidDecimals")
      .withArgs(19n);
    await expect(factory.deploy(8, "X", admin.address, 0n))
      .to.be.revertedWithCustomError(factory, "PriceFeedInvalidAnswer")
      .withArgs(0n);
    await expect(factory.deploy(8, "X", ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(
      factory,
      "PriceFeedZeroAdmin",
    );
    const feed18 = await factory.deploy(18, "ETH / USD", admin.address, 10n ** 18n);
    expect(await feed18.decimals()).to.equal(18n);
  });
});
