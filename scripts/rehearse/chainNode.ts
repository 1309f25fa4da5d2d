/**
 * `hardhat run scripts/rehearse/chainNode.ts`: a Hardhat node shaped like a public chain, started by `chain.ts` with
 * the shape in REHEARSE_CHAIN (JSON: chainId, blockMs, initialBaseFeePerGas, port). The hardhat network's config is
 * changed before its provider is first used, then the built-in `node` task serves it on loopback. It stops on SIGINT,
 * SIGTERM or when its parent (the Hardhat CLI) is gone.
 */
import hre from "hardhat";
import { TASK_NODE } from "hardhat/builtin-tasks/task-names";
import { onStopRequest } from "../../src/node/lifecycle";

interface NodeShape {
  chainId: number;
  blockMs: number;
  initialBaseFeePerGas: string;
  port: number;
}

async function main() {
  // `hardhat run` forks this script: a signal to the Hardhat CLI alone would leave this node running.
  onStopRequest(() => process.exit(0));
  const shape = JSON.parse(process.env.REHEARSE_CHAIN ?? "") as NodeShape;
  Object.assign(hre.network.config, {
    chainId: shape.chainId,
    // Transactions wait in the mempool for the next block, highest tip first, as on a public chain.
    mining: { auto: false, interval: shape.blockMs, mempool: { order: "priority" } },
    initialBaseFeePerGas: Number(shape.initialBaseFeePerGas),
    // Below a second per block (Arbitrum), blocks share timestamps instead of running the clock ahead.
    allowBlocksWithSameTimestamp: shape.blockMs < 1_000,
  });
  await hre.run(TASK_NODE, { hostname: "127.0.0.1", port: shape.port });
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
