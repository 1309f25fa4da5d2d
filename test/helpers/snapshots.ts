import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";

/** Each test of the calling suite starts from the chain as it was before it, not from what the previous one left. */
export function restoreChainAfterEach(): void {
  let snapshot: SnapshotRestorer;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    await snapshot.restore();
  });
}
