import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { createToken, deploySystem, fund } from "../helpers/system";
import { feedPrice, usdc, wad } from "../helpers/units";

describe("BatchRebalancer", () => {
  async function tokens() {
    const system = await deploySystem();
    const [, alice, keeper] = await ethers.getSigners();
    const list = [];
    for (const leverage of [wad(3), wad(-3), wad(2), wad(-1)]) {
      const token = await createToken(system.factory, leverage);
      await fund(system, alice, await token.getAddress(), usdc(1_000));
      await token.connect(alice).mint(usdc(1_000), 0, alice.address);
      list.push(token);
    }
    const batcher = await ethers.deployContract("BatchRebalancer");
    return { ...system, tokens: list, batcher, keeper };
  }

  it("rebalances the due tokens, skips the others, and reports which it did", async () => {
    const { tokens: list, batcher, btcFeed, keeper } = await loadFixture(tokens);
    // BTC -12%: the 3x long (above 4x) and the 3x short (below 2x) drift out of their bands; 2L and 1S stay inside.
    await btcFeed.updateAnswer(feedPrice(44_000));
    const addresses = await Promise.all(list.map((t) => t.getAddress()));
    const [done, count] = await batcher.connect(keeper).rebalance.staticCall(addresses);
    expect([done, count]).to.deep.equal([0b0011n, 2n]);
    await expect(batcher.connect(keeper).rebalance(addresses))
      .to.emit(batcher, "BatchRebalanced")
      .withArgs(keeper.address, 4n, 2n, 0b0011n)
      .and.to.emit(list[0], "Rebalanced")
      .and.to.emit(list[1], "Rebalanced");
    expect(await list[0].rebalanceAction()).to.equal(0n);
    // Nothing is due any more: a second batch does nothing and does not revert.
    await expect(batcher.rebalance(addresses)).to.emit(batcher, "BatchRebalanced").withArgs(anyAddress(), 4n, 0n, 0n);
  });

  it("skips an address that is not a token, or has no code, instead of reverting", async () => {
    const { tokens: list, batcher, btcFeed, usdc: stable, keeper } = await loadFixture(tokens);
    await btcFeed.updateAnswer(feedPrice(44_000));
    const addresses = [await stable.getAddress(), keeper.address, await list[0].getAddress()];
    const [done] = await batcher.rebalance.staticCall(addresses);
    expect(done).to.equal(0b100n);
  });

  it("a due token's rebalance that runs out of gas reverts the batch with its index (never skipped); the estimate covers all", async () => {
    const { tokens: list, batcher, btcFeed, keeper } = await loadFixture(tokens);
    await btcFeed.updateAnswer(feedPrice(44_000));
    const addresses = await Promise.all(list.map((t) => t.getAddress()));
    const reserve = await batcher.GAS_RESERVE_PER_TOKEN();
    // Enough for the first due token's rebalance, not for the reserve the second needs.
    const tooLow = batcher.connect(keeper).rebalance(addresses, { gasLimit: reserve + 50_000n });
    const error: { data?: string } | undefined = await tooLow.then(
      () => undefined,
      (e: { data?: string }) => e,
    );
    expect(error, "a batch without the gas for every due token reverts").to.not.equal(undefined);
    if (!process.env.SOLIDITY_COVERAGE) {
      const parsed = batcher.interface.parseError(error?.data ?? "0x");
      expect([parsed?.name, parsed?.args[0]]).to.deep.equal(["BatchRebalancerOutOfGas", 1n]);
    }
    expect(await list[1].rebalanceAction()).to.equal(2n); // nothing was done
    const estimate = await batcher.connect(keeper).rebalance.estimateGas(addresses);
    await expect(batcher.connect(keeper).rebalance(addresses, { gasLimit: estimate }))
      .to.emit(batcher, "BatchRebalanced")
      .withArgs(keeper.address, 4n, 2n, 0b0011n);
  });

  it("was: an out-of-gas one call deeper (inside the exchange's trade) could pass as 'not due'; now at every gas limit the batch either does every due token or reverts with BatchRebalancerOutOfGas", async () => {
    const { tokens: list, batcher, btcFeed, keeper } = await loadFixture(tokens);
    await btcFeed.updateAnswer(feedPrice(44_000));
    const addresses = await Promise.all(list.map((t) => t.getAddress()));
    const estimate = await batcher.connect(keeper).rebalance.estimateGas(addresses);
    let reverted = 0;
    for (let gasLimit = 60_000n; gasLimit <= estimate + 20_000n; gasLimit += 3_000n) {
      try {
        const [done, count] = await batcher.connect(keeper).rebalance.staticCall(addresses, { gasLimit });
        expect([done, count], `gas ${gasLimit}: both due tokens done`).to.deep.equal([0b0011n, 2n]);
      } catch (error) {
        const data = (error as { data?: string }).data ?? "0x";
        if (process.env.SOLIDITY_COVERAGE && data === "0x") continue; // instrumented: may run out in the guard
        const parsed = batcher.interface.parseError(data);
        expect(parsed?.name, `gas ${gasLimit}: ${data}`).to.equal("BatchRebalancerOutOfGas");
        reverted++;
      }
    }
    expect(reverted).to.be.greaterThan(100);
  });

  it("refuses more than 256 tokens with the count", async () => {
    const { batcher } = await loadFixture(tokens);
    const many = Array.from({ length: 257 }, () => ethers.ZeroAddress);
    await expect(batcher.rebalance(many))
      .to.be.revertedWithCustomError(batcher, "BatchRebalancerTooManyTokens")
      .withArgs(257n, 256n);
  });
});

function anyAddress() {
  return (value: string) => ethers.isAddress(value);
}
