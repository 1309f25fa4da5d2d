import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { network, ethers } from "hardhat";
import { NonceManager, type TransactionReceipt } from "ethers";
import { createLogger } from "../../src/node/logger";
import { KeeperMetrics } from "../../src/bots/keeper/metrics";
import { logReceipt } from "../../src/bots/keeper/outcomes";
import { newKeeperState, type KeeperContext } from "../../src/bots/keeper/types";
import { LeveragedToken__factory } from "../../typechain-types";
import { deployKeeperChain, TEST_PASS_CONFIG } from "../helpers/keeperChain";
import { feedPrice } from "../helpers/units";

/**
 * Why our mined rebalance did not rebalance, read at the block that mined it: a rival's rebalance (lost race), a
 * token no longer due (the price back within the band), or a failure with its cause.
 */
describe("keeper: the cause of a reverted rebalance", () => {
  async function system() {
    const [admin, keeper, rival] = await ethers.getSigners();
    return { ...(await deployKeeperChain(admin)), keeper, rival, admin };
  }

  function keeperContext(chain: Awaited<ReturnType<typeof system>>) {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
    const context: KeeperContext = {
      provider: ethers.provider,
      signer: new NonceManager(chain.keeper),
      factory: chain.factory.connect(chain.keeper),
      connectToken: (address) => LeveragedToken__factory.connect(address, chain.keeper),
      config: TEST_PASS_CONFIG,
      logger,
      metrics: new KeeperMetrics(),
      state: newKeeperState(),
    };
    return { context, logs };
  }

  /** Sends `before` (other transactions), then our rebalance of BTC3L with a fixed gas limit, and mines them in one block. */
  async function inOneBlock(
    chain: Awaited<ReturnType<typeof system>>,
    before: () => Promise<unknown>,
    gasLimit = 1_000_000,
  ): Promise<TransactionReceipt> {
    await network.provider.send("evm_setAutomine", [false]);
    try {
      await before();
      const ours = await chain.tokens.BTC3L.connect(chain.keeper).rebalance({ gasLimit });
      await network.provider.send("evm_mine", []);
      const receipt = await ethers.provider.getTransactionReceipt(ours.hash);
      expect(receipt!.status).to.equal(0);
      return receipt!;
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
  }

  it("a rival's rebalance in the same block: a lost race naming the rival's transaction, not an error", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
    let rivalHash = "";
    const receipt = await inOneBlock(chain, async () => {
      rivalHash = (await chain.tokens.BTC3L.connect(chain.rival).rebalance({ gasLimit: 1_000_000 })).hash;
    });
    const { context, logs } = keeperContext(chain);
    const address = await chain.tokens.BTC3L.getAddress();
    expect(await logReceipt(context, address, "BTC3L", receipt)).to.equal("lostRace");
    const line = logs.find((l) => l.msg === "another keeper rebalanced first; our transaction reverted");
    expect(line).to.include({ token: "BTC3L", hash: receipt.hash, rivalHash });
    expect(logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
  });

  it("the price back within the band in the same block: no longer due, not an error", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
    const receipt = await inOneBlock(chain, () => chain.btcFeed.connect(chain.admin).updateAnswer(feedPrice("50000")));
    const { context, logs } = keeperContext(chain);
    expect(await logReceipt(context, await chain.tokens.BTC3L.getAddress(), "BTC3L", receipt)).to.equal("lostRace");
    expect(logs.map((l) => l.msg)).to.include(
      "no longer due when our transaction was mined (its leverage back within the band); it reverted",
    );
    expect(logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
  });

  it("still due after it reverted: an error with the cause (here its gas limit)", async () => {
    const chain = await loadFixture(system);
    await chain.btcFeed.updateAnswer(feedPrice("44000"));
    const receipt = await inOneBlock(chain, async () => undefined, 60_000);
    const { context, logs } = keeperContext(chain);
    expect(await logReceipt(context, await chain.tokens.BTC3L.getAddress(), "BTC3L", receipt)).to.equal("failed");
    const line = logs.find((l) => l.msg === "rebalance transaction reverted");
    expect(line).to.include({ token: "BTC3L", hash: receipt.hash, reason: "it ran out of gas (its limit 60000)" });
    expect(await chain.tokens.BTC3L.rebalanceAction()).to.not.equal(0n);
  });
});
