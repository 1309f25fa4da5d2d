import { expect } from "chai";
import { ethers, network } from "hardhat";
import { parseUnits } from "ethers";
import { send } from "../../tasks/context";
import { GAS_LIMIT_MARGIN_PERCENT } from "../../src/tx/mined";
import { describeError, MinedRevertError } from "../../src/chain/reverts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a task's transaction that passed its simulation and reverted once mined", () => {
  it("is one sentence naming the transaction, its block, the cause replayed at that block, and what to do", async () => {
    const [owner, spender, receiver] = await ethers.getSigners();
    const usdc = await ethers.deployContract("MockStablecoin", ["Mock USD Coin", "USDC", owner.address, 1n, 1n]);
    await usdc.mint(owner.address, 1_000_000n);
    await usdc.approve(spender.address, 1_000_000n);
    await network.provider.send("evm_setAutomine", [false]);
    try {
      // The spender's transfer is simulated (it passes) and sent; before it is mined, the owner takes the allowance
      // back with a higher tip: the block mines the owner's first, and the transfer reverts.
      const sending = send("pay", usdc.connect(spender).transferFrom, owner.address, receiver.address, 1_000_000n).then(
        () => undefined,
        (error: unknown) => error,
      );
      while (
        ((await ethers.provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] })
          .transactions.length === 0
      )
        await sleep(20);
      await usdc.approve(spender.address, 0n, {
        maxPriorityFeePerGas: parseUnits("50", "gwei"),
        maxFeePerGas: parseUnits("100", "gwei"),
      });
      await network.provider.send("evm_mine");
      const error = await sending;
      expect(error).to.be.instanceOf(MinedRevertError);
      const block = await ethers.provider.getBlockNumber();
      const line = describeError(error, [usdc.interface]);
      expect(line).to.match(
        new RegExp(
          `^pay: transaction 0x[0-9a-f]{64} reverted in block ${block} with ERC20InsufficientAllowance\\(spender=${spender.address}, allowance=0 units, needed=1000000 units\\) \\(not enough allowance\\): only its gas was spent; check the figures and run the command again$`,
        ),
      );
      expect(line).to.not.contain("\n");
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
  });

  it("gives a task's transaction its estimate plus a quarter as gas limit", async () => {
    const [owner, spender] = await ethers.getSigners();
    const usdc = await ethers.deployContract("MockStablecoin", ["Mock USD Coin", "USDC", owner.address, 1n, 1n]);
    const estimate = await usdc.approve.estimateGas(spender.address, 5n);
    const receipt = await send("approve", usdc.approve, spender.address, 5n);
    const tx = await ethers.provider.getTransaction(receipt.hash);
    expect(tx?.gasLimit).to.equal((estimate * GAS_LIMIT_MARGIN_PERCENT) / 100n);
  });

  it("says when it ran out of gas", () => {
    const error = new MinedRevertError("sell BTC3S", `0x${"cd".repeat(32)}`, 91, undefined, 277_697n);
    expect(describeError(error, [])).to.equal(
      `sell BTC3S: transaction 0x${"cd".repeat(32)} reverted in block 91: it ran out of gas (all of its limit of 277697, estimated before the chain changed): only its gas was spent; check the figures and run the command again`,
    );
  });

  it("says the simulation had passed when the call no longer reverts at that block", () => {
    const error = new MinedRevertError("buy BTC3L", `0x${"ab".repeat(32)}`, 12, undefined);
    expect(describeError(error, [])).to.equal(
      `buy BTC3L: transaction 0x${"ab".repeat(32)} reverted in block 12, though its simulation had passed (the chain changed before it was mined): only its gas was spent; check the figures and run the command again`,
    );
  });
});
