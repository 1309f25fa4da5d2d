import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deploySystem } from "../../ignition/deploySystem";
import { estimateSteps } from "../../ignition/estimate";
import { parseTokenChoice, specForRun } from "../../src/deployment/parts";
import type { DeploymentSpec } from "../../src/deployment/spec";
import { oneMarketSpec } from "../helpers/system";

/** A deployment in parts (`--tokens`): the core and chosen tokens first, more in later runs, resuming the journal. */
describe("deploy --tokens: a deployment in parts", function () {
  this.timeout(300_000);
  const spec: DeploymentSpec = {
    ...oneMarketSpec(undefined, {}, {}, [
      { market: "BTC", leverage: 3 },
      { market: "BTC", leverage: -3 },
      { market: "BTC", leverage: 2 },
    ]),
    dex: { kind: "deploy" },
    pools: [
      { token: "BTC3L", usdc: "1000" },
      { token: "BTC2L", usdc: "1000" },
    ],
  };

  it("parses --tokens against the spec, naming the tokens to choose from", () => {
    expect(parseTokenChoice("BTC3S, BTC2L", spec, "x.json")).to.deep.equal(["BTC3S", "BTC2L"]);
    expect(() => parseTokenChoice("BTC3S,ETH3L", spec, "deployments/specs/sepolia.json")).to.throw(
      "--tokens names ETH3L, which deployments/specs/sepolia.json does not list: choose among BTC3L, BTC3S, BTC2L",
    );
  });

  it("orders the tokens deployed before first and leaves out the pools of tokens left out", () => {
    const { spec: run, inParts } = specForRun(spec, ["BTC3L"], new Set(["BTC2L"]), true);
    expect(inParts).to.equal(true);
    expect(run.tokens.map((t) => t.leverage)).to.deep.equal([2, 3]);
    expect(run.pools.map((p) => p.token)).to.deep.equal(["BTC2L", "BTC3L"]);
    expect(specForRun(spec, undefined, new Set(), false)).to.deep.equal({ spec, inParts: false });
  });

  it("deploys the core and BTC3S, then adds BTC2L with its pool, then the rest; the core and earlier tokens stay", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lt-parts-"));
    const [deployer] = await ethers.getSigners();

    const first = await deploySystem(hre, spec, { deploymentDir: dir, tokens: ["BTC3S"] });
    expect(Object.keys(first.tokens)).to.deep.equal(["BTC3S"]);
    expect(first.dex?.pools).to.deep.equal({});
    expect(await ethers.provider.getCode(first.batcher!)).to.not.equal("0x");
    expect(await ethers.provider.getCode(first.dex!.tradeRouter!)).to.not.equal("0x");

    // The dry run of the next part lists only its own steps.
    const next = await estimateSteps(hre, spec, { deploymentDir: dir, tokens: ["BTC2L"] });
    expect(next.map((s) => s.step).sort()).to.deep.equal(
      [
        "createBTC2L",
        "BTC2LPoolMintUsdc",
        "BTC2LPoolApproveToken",
        "BTC2LPoolBuy",
        "BTC2LPoolApproveUsdc",
        "BTC2LPoolApproveShares",
        "BTC2LPoolAddLiquidity",
      ].sort(),
    );

    const second = await deploySystem(hre, spec, { deploymentDir: dir, tokens: ["BTC2L"] });
    expect(Object.keys(second.tokens)).to.deep.equal(["BTC3S", "BTC2L"]);
    expect(second.tokens.BTC3S).to.equal(first.tokens.BTC3S);
    expect(Object.keys(second.dex!.pools)).to.deep.equal(["BTC2L"]);
    for (const key of ["stablecoin", "exchange", "factory", "batcher", "lens", "upkeep"] as const) {
      expect(second[key], key).to.equal(first[key]);
    }

    // A run without --tokens finishes the spec; run again, it sends nothing.
    const whole = await deploySystem(hre, spec, { deploymentDir: dir });
    expect(Object.keys(whole.tokens)).to.deep.equal(["BTC3S", "BTC2L", "BTC3L"]);
    expect(Object.keys(whole.dex!.pools).sort()).to.deep.equal(["BTC2L", "BTC3L"]);
    expect(whole.batcher).to.equal(first.batcher);
    const factory = await ethers.getContractAt("LeveragedTokenFactory", whole.factory);
    expect(await factory.tokenCount()).to.equal(3n);
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const again = await deploySystem(hre, spec, { deploymentDir: dir });
    expect(again.tokens).to.deep.equal(whole.tokens);
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
  });
});
