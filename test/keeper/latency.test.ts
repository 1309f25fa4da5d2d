import { expect } from "chai";
import { ethers, network } from "hardhat";
import type { TransactionReceipt } from "ethers";
import { latency } from "../../src/bots/keeper/earnings";
import { createLogger } from "../../src/node/logger";
import { newKeeperState, type KeeperContext } from "../../src/bots/keeper/types";

describe("keeper: a rebalance's latency in blocks", () => {
  /** Mines `n` blocks 12 s apart; their numbers and timestamps. */
  async function mineEvery12s(n: number) {
    const blocks: { number: number; timestamp: number }[] = [];
    let last = (await ethers.provider.getBlock("latest"))!.timestamp;
    for (let i = 0; i < n; i++) {
      last += 12;
      await network.provider.send("evm_mine", [last]);
      blocks.push({ number: await ethers.provider.getBlockNumber(), timestamp: last });
    }
    return blocks;
  }

  /**
   * What `latency` says of a rebalance mined in `blocks[mined]`, for a token that a keeper's pass at `blocks[seen]`
   * found due since `dueAt`.
   */
  async function latencyOf(
    blocks: { number: number; timestamp: number }[],
    seen: number,
    dueAt: number,
    mined: number,
  ) {
    const ctx = {
      provider: ethers.provider,
      config: { rpcRetries: 1, rpcBackoffMs: 10 },
      logger: createLogger("silent", "json"),
      state: newKeeperState(),
    } as unknown as KeeperContext;
    ctx.state.dueSince.set("0xtoken", { block: blocks[seen].number, timestamp: blocks[seen].timestamp, dueAt });
    return latency(ctx, "0xtoken", { blockNumber: blocks[mined].number } as TransactionReceipt);
  }

  it("counts a time trigger from the block in which it fell due, not from the later pass that saw it", async () => {
    const blocks = await mineEvery12s(6);
    // nextRebalanceTime fell between blocks[0] and blocks[1]: due in blocks[1]; the keeper's pass read blocks[3].
    const waited = await latencyOf(blocks, 3, blocks[0].timestamp + 5, 5);
    expect(waited).to.deep.equal({ latencySeconds: blocks[5].timestamp - blocks[0].timestamp - 5, latencyBlocks: 4 });
  });

  it("counts a token seen due at the pass's block (a band breach) from that block", async () => {
    const blocks = await mineEvery12s(4);
    const waited = await latencyOf(blocks, 2, blocks[2].timestamp, 3);
    expect(waited).to.deep.equal({ latencySeconds: 12, latencyBlocks: 1 });
  });
});
