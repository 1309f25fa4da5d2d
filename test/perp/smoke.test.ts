import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { deployExchange } from "../helpers/fixtures";
import { feedPrice, usdc, wad } from "../helpers/units";

describe("smoke", () => {
  it("3x long from 50k to 60k gains 60%", async () => {
    const { usdc: token, exchange, btcFeed } = await loadFixture(deployExchange);
    const [, alice] = await ethers.getSigners();
    await token.mint(alice.address, usdc(1000));
    await token.connect(alice).approve(await exchange.getAddress(), usdc(1000));
    await exchange.connect(alice).deposit(0, alice.address, usdc(1000));
    await exchange.connect(alice).trade(0, wad("0.06"));
    await btcFeed.updateAnswer(feedPrice(60_000));
    expect(await exchange.accountValue(alice.address, 0)).to.equal(usdc(1600));
    const prev = await exchange.previewTrade(alice.address, 0, 0, wad("-0.06"));
    await exchange.connect(alice).trade(0, wad("-0.06"));
    expect(await exchange.margin(alice.address, 0)).to.equal(usdc(1600));
    expect(prev.valueAfter).to.equal(usdc(1600));
  });
});
