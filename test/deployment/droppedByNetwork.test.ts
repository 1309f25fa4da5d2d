import { expect } from "chai";
import { droppedByNetwork, simulationWithoutReason } from "../../ignition/deployCommand";

describe("deploy: resuming after the network dropped a transaction (droppedByNetwork)", () => {
  it("resumes after IGN401 and after IGN405 with the node's nonce below the journal's, not otherwise", () => {
    expect(
      droppedByNetwork(
        "IGN401: Error while executing LeveragedTokens#X: all the transactions of its network interaction 1 were dropped. Please try rerunning Hardhat Ignition.",
      ),
    ).to.equal(true);
    const ign405 = (expected: number, actual: number) =>
      `IGN405: The next nonce for 0xfb4782a0700efd2417f03028c64244d91e327db4 should be ${expected}, but is ${actual}. Please make sure not to send transactions from 0xfb4782a0700efd2417f03028c64244d91e327db4 while running this deployment and try again.`;
    expect(droppedByNetwork(ign405(8, 7))).to.equal(true);
    expect(droppedByNetwork(ign405(8, 9))).to.equal(false);
    expect(droppedByNetwork("Transaction 0xcc reverted")).to.equal(false);
  });
});

describe("deploy: simulating a step again after a revert with no reason (simulationWithoutReason)", () => {
  const line = (error: string) =>
    `step LeveragedTokens#createMarketSOL would revert (Simulating the transaction failed with error: ${error}), so nothing was sent for it: fix the cause (deployments/specs/arbitrumSepolia.json, or the deployer's balance), then run npm run deploy -- --network arbitrumSepolia again to resume`;

  it("simulates again only a step whose simulation reverted with no data, never one with a named error or one sent", () => {
    expect(simulationWithoutReason(line("Reverted without reason"))).to.equal(true);
    expect(simulationWithoutReason(line("Reverted with custom error PerpStalePrice(0, 1, 3600, 9000)"))).to.equal(
      false,
    );
    expect(
      simulationWithoutReason(
        "step LeveragedTokens#createMarketBTC failed (Transaction 0xc9 reverted) and will not be sent again as it is: fix the cause",
      ),
    ).to.equal(false);
  });
});
