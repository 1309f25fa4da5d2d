import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEther } from "ethers";
import { deployCommand } from "../../ignition/deployCommand";
import { deploySystem } from "../../ignition/deploySystem";
import { currentFees, estimateSteps } from "../../ignition/estimate";
import { deploymentCost, formatEth, formatGwei } from "../../src/deployment/cost";
import { loadSpec, type DeploymentSpec } from "../../src/deployment/spec";
import { plantFeed, plantUniswapRouter } from "../helpers/externals";
import { runHardhat } from "../helpers/node";

const journal = () => mkdtempSync(path.join(tmpdir(), "lt-dry-run-"));

/** The dry run (ignition/estimate.ts, ignition/deployCommand.ts) against what a deployment really spends. */
describe("deploy --dry-run: every step's gas and ETH before anything is sent", function () {
  this.timeout(300_000);
  let snapshot: string;
  beforeEach(async () => {
    snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
  });
  afterEach(async () => {
    await ethers.provider.send("evm_revert", [snapshot]);
  });

  it("estimates a testnet-shaped deployment (Chainlink feeds, an existing router) within 10% of the gas it spends", async () => {
    const local = loadSpec(hre.config.paths.root, "localhost");
    const feed = (price: bigint) => plantFeed(8, price * 10n ** 8n);
    const btc = await feed(50_000n);
    const eth = await feed(3_000n);
    const spec: DeploymentSpec = {
      ...local,
      markets: local.markets.map((m) =>
        m.symbol === "SOL"
          ? m
          : { ...m, feed: { kind: "chainlink", address: m.symbol === "BTC" ? btc : eth, source: "test" } },
      ),
      tokens: local.tokens.slice(0, 3),
      dex: { kind: "existing", router: await plantUniswapRouter(), source: "test" },
    };
    const dir = journal();
    const estimate = await estimateSteps(hre, spec, { deploymentDir: dir });

    // What the deployment spends, read from the chain: every transaction of the deployer in the blocks it took.
    const [deployer] = await ethers.getSigners();
    const from = (await ethers.provider.getBlockNumber()) + 1;
    const sent = new Set<string>();
    await deploySystem(hre, spec, {
      deploymentDir: dir,
      onConfirm: (id) => sent.add(id.replace("LeveragedTokens#", "")),
    });
    let real = 0n;
    let transactions = 0;
    for (let n = from; n <= (await ethers.provider.getBlockNumber()); n++) {
      for (const hash of (await ethers.provider.getBlock(n))!.transactions) {
        const receipt = (await ethers.provider.getTransactionReceipt(hash))!;
        if (receipt.from !== deployer.address) continue;
        real += receipt.gasUsed;
        transactions += 1;
      }
    }
    const estimated = estimate.reduce((sum, s) => sum + s.gas, 0n);
    console.log(
      `      dry run ${estimate.length} steps, ${estimated.toLocaleString("en-US")} gas; spent ${transactions} transactions, ${real.toLocaleString("en-US")} gas`,
    );
    expect(estimate).to.have.length(transactions);
    expect(estimate.map((s) => s.step).sort()).to.deep.equal([...sent].sort());
    expect(estimate.map((s) => s.step)).to.not.include.members(["BTCFeed", "UniswapV2Router02", "WETH9"]);
    expect(real).to.be.greaterThan(0n);
    const off = estimated > real ? estimated - real : real - estimated;
    expect(off * 10n, `estimate ${estimated} vs spent ${real}`).to.be.lessThanOrEqual(real);

    // A second dry run against the finished journal has nothing left to send.
    expect(await estimateSteps(hre, spec, { deploymentDir: dir })).to.deep.equal([]);
  });

  it("prices the steps at the current base fee plus the tip, and refuses in one line when the balance falls short", async () => {
    const [deployer] = await ethers.getSigners();
    await ethers.provider.send("hardhat_setBalance", [deployer.address, "0x" + parseEther("0.01").toString(16)]);
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const lines: string[] = [];
    const failure = await deployCommand(hre, { dryRun: true, log: (l) => lines.push(l) }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    const output = lines.join("\n");
    expect(output).to.match(/^\d+ steps to send on hardhat, at the current base fee [\d.]+ gwei \+ tip [\d.]+ gwei:/);
    const total = /\ntotal\s+([\d,]+)\s+([\d.]+)\n/.exec(output);
    expect(total, output).to.not.equal(null);
    const fees = await currentFees(hre);
    const gas = BigInt(total![1].replaceAll(",", ""));
    // The exchange, the token implementation (about 5M), the DEX and nine token clones at about 0.5M each.
    expect(gas).to.be.greaterThan(20_000_000n);
    const cost = deploymentCost([{ step: "all", gas }], fees, parseEther("0.01"));
    expect(failure).to.equal(
      `the deployer ${deployer.address} has 0.01 ETH on hardhat, ${formatEth(cost.wei - parseEther("0.01"))} short of the ${formatEth(cost.wei)} this deployment costs at ${formatGwei(fees.baseFeePerGas + fees.tipPerGas)} per gas: fund it (a faucet), wait for a lower base fee, or deploy fewer tokens now with --tokens`,
    );

    // The real deployment prints the same and stops before sending.
    const real: string[] = [];
    await expect(deployCommand(hre, { log: (l) => real.push(l) })).to.be.rejectedWith("short of the");
    expect(real.join("\n")).to.contain(total![0].trim());
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
  });

  it("the command line: npm run deploy -- --dry-run --tokens BTC3L,BTC3S prints the core's and those tokens' steps only", async () => {
    const run = await runHardhat(["deploy", "--dry-run", "--tokens", "BTC3L,BTC3S"], {});
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/\ncreateBTC3L\s+[\d,]+\s+[\d.]+\n/);
    expect(run.stdout).to.match(/\ncreateBTC3S\s+[\d,]+\s+[\d.]+\n/);
    expect(run.stdout).to.match(/\nPerpExchange\s+[\d,]+/);
    expect(run.stdout).to.not.contain("createETH3L");
    expect(run.stdout).to.match(/\ndeployer 0x[0-9a-fA-F]{40} has 10,000 ETH: enough\n/);
    expect(run.stdout.trim().split("\n").at(-1)).to.equal(
      "dry run: nothing was sent; run it without --dry-run to deploy",
    );
  });
});
