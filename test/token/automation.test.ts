import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

describe("LeveragedToken: Chainlink Automation", () => {
  async function token3L() {
    const system = await deploySystem();
    const token = await createToken(system.factory, wad(3));
    const [, alice, keeper] = await ethers.getSigners();
    await fund(system, alice, await token.getAddress(), usdc(1_000));
    await token.connect(alice).mint(usdc(1_000), 0, alice.address);
    return { ...system, token, keeper };
  }

  /** What an Automation node does: simulate checkUpkeep from the zero address. */
  async function simulateCheck(token: Awaited<ReturnType<typeof token3L>>["token"]) {
    const data = await ethers.provider.call({
      from: ethers.ZeroAddress,
      to: await token.getAddress(),
      data: token.interface.encodeFunctionData("checkUpkeep", ["0x"]),
    });
    const [upkeepNeeded, performData] = token.interface.decodeFunctionResult("checkUpkeep", data);
    return { upkeepNeeded: upkeepNeeded as boolean, performData: performData as string };
  }

  it("checkUpkeep says no while nothing is due, and performUpkeep then reverts", async () => {
    const { token, keeper } = await loadFixture(token3L);
    const check = await simulateCheck(token);
    expect(check.upkeepNeeded).to.equal(false);
    await expect(token.connect(keeper).performUpkeep(check.performData)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
  });

  it("a drift makes checkUpkeep true, and performUpkeep with its data rebalances", async () => {
    const { token, btcFeed, keeper } = await loadFixture(token3L);
    await btcFeed.updateAnswer(feedPrice(44_000)); // -12%: 3x long above 4x
    const check = await simulateCheck(token);
    expect(check.upkeepNeeded).to.equal(true);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint8"], check.performData)[0]).to.equal(2n); // DRIFT
    await expect(token.connect(keeper).performUpkeep(check.performData))
      .to.emit(token, "Rebalanced")
      .withArgs(
        2n,
        (l: bigint) => l > wad(4),
        (l: bigint) => l > wad("2.99") && l < wad("3.01"),
        anyValue,
        anyValue,
        anyValue,
      );
    expect((await simulateCheck(token)).upkeepNeeded).to.equal(false);
  });

  it("performUpkeep never trusts its argument: forged data changes nothing when nothing is due", async () => {
    const { token, keeper } = await loadFixture(token3L);
    const forged = ethers.AbiCoder.defaultAbiCoder().encode(["uint8"], [1]);
    await expect(token.connect(keeper).performUpkeep(forged)).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
    await expect(token.connect(keeper).performUpkeep("0xdeadbeef")).to.be.revertedWithCustomError(
      token,
      "LeveragedTokenRebalanceNotDue",
    );
  });

  it("the interval makes checkUpkeep true with TIME", async () => {
    const { token, btcFeed, keeper } = await loadFixture(token3L);
    await time.increase(86_400);
    await btcFeed.updateAnswer(feedPrice(50_000));
    const check = await simulateCheck(token);
    expect(check.upkeepNeeded).to.equal(true);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint8"], check.performData)[0]).to.equal(1n);
    await expect(token.connect(keeper).performUpkeep(check.performData)).to.emit(token, "Rebalanced");
  });
});
