import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

describe("TokenUpkeep: Chainlink Automation for one token", () => {
  async function token3L() {
    const system = await deploySystem();
    const token = await createToken(system.factory, wad(3));
    const [, alice, keeper] = await ethers.getSigners();
    await fund(system, alice, await token.getAddress(), usdc(1_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    const upkeep = await ethers.deployContract("TokenUpkeep", [token]);
    return { ...system, token, upkeep, keeper };
  }

  /** What an Automation node does: simulate checkUpkeep from the zero address. */
  async function simulateCheck(upkeep: Awaited<ReturnType<typeof token3L>>["upkeep"]) {
    const data = await ethers.provider.call({
      from: ethers.ZeroAddress,
      to: await upkeep.getAddress(),
      data: upkeep.interface.encodeFunctionData("checkUpkeep", ["0x"]),
    });
    const [upkeepNeeded, performData] = upkeep.interface.decodeFunctionResult("checkUpkeep", data);
    return { upkeepNeeded: upkeepNeeded as boolean, performData: performData as string };
  }

  it("checkUpkeep says no while nothing is due, and performUpkeep then reverts", async () => {
    const { token, upkeep, keeper } = await loadFixture(token3L);
    const check = await simulateCheck(upkeep);
    expect(check.upkeepNeeded).to.equal(false);
    await expect(upkeep.connect(keeper).performUpkeep(check.performData)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
  });

  it("a drift makes checkUpkeep true, and performUpkeep with its data rebalances", async () => {
    const { token, upkeep, btcFeed, keeper } = await loadFixture(token3L);
    await btcFeed.updateAnswer(feedPrice(44_000)); // -12%: 3x long above 4x
    const check = await simulateCheck(upkeep);
    expect(check.upkeepNeeded).to.equal(true);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint8"], check.performData)[0]).to.equal(2n); // DRIFT
    await expect(upkeep.connect(keeper).performUpkeep(check.performData))
      .to.emit(token, "Rebalanced")
      .withArgs(
        2n,
        (l: bigint) => l > wad(4),
        (l: bigint) => l > wad("2.99") && l < wad("3.01"),
        anyValue,
        anyValue,
        anyValue,
      );
    expect((await simulateCheck(upkeep)).upkeepNeeded).to.equal(false);
  });

  it("performUpkeep never trusts its argument: forged data changes nothing when nothing is due", async () => {
    const { token, upkeep, keeper } = await loadFixture(token3L);
    const forged = ethers.AbiCoder.defaultAbiCoder().encode(["uint8"], [1]);
    await expect(upkeep.connect(keeper).performUpkeep(forged)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
    await expect(upkeep.connect(keeper).performUpkeep("0xdeadbeef")).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
  });

  it("pays no keeper reward (the registry's forwarder could never withdraw it)", async () => {
    const { token, upkeep, btcFeed, keeper, exchange } = await loadFixture(token3L);
    await btcFeed.updateAnswer(feedPrice(44_000));
    await time.increase(3_600); // the reward's ramp has run: a rebalance() would pay its cap
    await btcFeed.updateAnswer(feedPrice(44_000));
    expect(await token.rebalanceRewardAt(BigInt(await time.latest()) + 1n)).to.be.greaterThan(0n);
    await expect(upkeep.connect(keeper).performUpkeep("0x")).to.emit(token, "Rebalanced");
    const marketId = await token.marketId();
    for (const who of [keeper.address, await upkeep.getAddress()]) {
      expect((await exchange.accountState(who, marketId)).margin, who).to.equal(0n);
    }
  });

  it("refuses the zero address as its token", async () => {
    await expect(ethers.deployContract("TokenUpkeep", [ethers.ZeroAddress])).to.be.revertedWithCustomError(
      await ethers.getContractFactory("TokenUpkeep"),
      "TokenUpkeepZeroAddress",
    );
  });

  it("the interval makes checkUpkeep true with TIME", async () => {
    const { token, upkeep, btcFeed, keeper } = await loadFixture(token3L);
    await time.increase(86_400);
    await btcFeed.updateAnswer(feedPrice(50_000));
    const check = await simulateCheck(upkeep);
    expect(check.upkeepNeeded).to.equal(true);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint8"], check.performData)[0]).to.equal(1n);
    await expect(upkeep.connect(keeper).performUpkeep(check.performData)).to.emit(token, "Rebalanced");
  });
});
