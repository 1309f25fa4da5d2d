import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeploymentResultType, type ExecutionErrorDeploymentResult } from "@nomicfoundation/ignition-core";
import { deploySystem } from "../../ignition/deploySystem";
import { deploymentFailure } from "../../ignition/failures";
import type { DeploymentSpec } from "../../src/deployment/spec";
import { plantFeed } from "../helpers/externals";
import { oneMarketSpec } from "../helpers/system";

/** A deployment Ignition could not finish: one sentence that says what to do in that very case. */
describe("deployment failures say what to do", function () {
  this.timeout(120_000);

  const journal = () => mkdtempSync(path.join(tmpdir(), "lt-failed-"));
  const base = oneMarketSpec(undefined, {}, {}, [{ market: "BTC", leverage: 3 }]);
  const withFeed = (address: string): DeploymentSpec => ({
    ...base,
    markets: [{ ...base.markets[0], feed: { kind: "chainlink", address, source: "test" } }],
  });
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  it("a step that would revert sent nothing: fix the cause and run again, and the rerun resumes", async () => {
    const dir = journal();
    const maxPriceAge = base.markets[0].maxPriceAge;
    const stale = await plantFeed(8, 50_000n * 10n ** 8n, maxPriceAge + 600);
    await expect(deploySystem(hre, withFeed(stale), { deploymentDir: dir })).to.be.rejectedWith(
      /^step LeveragedTokens#createMarketBTC would revert \(Simulating the transaction failed with error: Reverted with custom error PerpStalePrice\(.*\)\), so nothing was sent for it: fix the cause \(deployments\/specs\/hardhat.json, or the deployer's balance\), then run npm run deploy -- --network hardhat again to resume$/,
    );
    // The cause fixed (the feed answers a fresh round), the same command resumes and finishes.
    const feed = await ethers.getContractAt("MockV3Aggregator", stale);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    await feed.updateRoundData(3, 51_000n * 10n ** 8n, now, now);
    const book = await deploySystem(hre, withFeed(stale), { deploymentDir: dir });
    expect(book.markets.BTC.feed).to.equal(stale);
  });

  it("a step that failed on chain must be wiped: the message gives the command, and the rerun says the same", async () => {
    const dir = journal();
    const feed = await plantFeed(8, 50_000n * 10n ** 8n);
    const notARouter = await plantFeed(8, 1n); // code, but no factory(): the DexFactory static call fails
    const spec: DeploymentSpec = { ...withFeed(feed), dex: { kind: "existing", router: notARouter, source: "test" } };
    const wipe = `wipe the step with "npx hardhat ignition wipe ${path.basename(dir)} LeveragedTokens#DexFactory", then run npm run deploy -- --network hardhat again`;
    await expect(deploySystem(hre, spec, { deploymentDir: dir })).to.be.rejectedWith(
      new RegExp(
        `^step LeveragedTokens#DexFactory failed \\(Static call failed.*\\) and will not be sent again as it is: fix the cause \\(deployments/specs/hardhat.json, or the deployer's balance\\), ${escape(wipe)}$`,
      ),
    );
    await expect(deploySystem(hre, spec, { deploymentDir: dir })).to.be.rejectedWith(
      `a previous run's step LeveragedTokens#DexFactory failed or timed out, and Ignition will not send it again until it is wiped: fix the cause (deployments/specs/hardhat.json, or the deployer's balance), ${wipe}`,
    );
  });

  it("a changed spec, a timed-out step and a held one each get their own remedy", () => {
    const context = { network: "sepolia", deploymentDir: "/repo/ignition/deployments/sepolia-11155111" };
    expect(
      deploymentFailure(
        {
          type: DeploymentResultType.RECONCILIATION_ERROR,
          errors: { "LeveragedTokens#PerpExchange": ["Argument 0 has been changed"] },
        },
        context,
      ).message,
    ).to.equal(
      "deployments/specs/sepolia.json no longer matches what the journal ignition/deployments/sepolia-11155111 deployed (LeveragedTokens#PerpExchange: Argument 0 has been changed): restore the spec's earlier values, or move the journal away to start a new deployment (new addresses)",
    );
    const execution: ExecutionErrorDeploymentResult = {
      type: DeploymentResultType.EXECUTION_ERROR,
      started: [],
      timedOut: [],
      failed: [],
      held: [],
      successful: [],
    };
    expect(
      deploymentFailure(
        { ...execution, timedOut: [{ futureId: "LeveragedTokens#createBTC3L", networkInteractionId: 1 }] },
        context,
      ).message,
    ).to.equal(
      'step LeveragedTokens#createBTC3L was sent but not mined in time (a base-fee spike or a dropped transaction): once the deployer has no pending transaction, wipe the step with "npx hardhat ignition wipe sepolia-11155111 LeveragedTokens#createBTC3L", then run npm run deploy -- --network sepolia again',
    );
    expect(deploymentFailure({ ...execution, started: ["LeveragedTokens#createBTC3L"] }, context).message).to.equal(
      "the deployment stopped with steps unfinished (LeveragedTokens#createBTC3L): run npm run deploy -- --network sepolia again to resume",
    );
  });
});
