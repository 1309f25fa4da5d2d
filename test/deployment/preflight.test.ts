import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { ContractFactory, Wallet, type InterfaceAbi } from "ethers";
import { preflightProblems } from "../../src/deployment/preflight";
import { loadSpec, type DeploymentSpec } from "../../src/deployment/spec";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import { plantFeed, plantUniswapRouter } from "../helpers/externals";

/** Pre-flight against the in-process chain: the Sepolia spec's addresses, and stand-ins planted to be wrong. */
describe("deployment pre-flight: every external address of the spec is checked before anything is sent", () => {
  const context = { specFile: "deployments/specs/sepolia.json", network: "hardhat" };
  const sepolia = () => structuredClone(loadSpec(hre.config.paths.root, "sepolia"));
  const feedAddress = (spec: DeploymentSpec, i: number) => (spec.markets[i].feed as { address: string }).address;

  const feed = plantFeed;

  /** The Sepolia spec with its feeds and router at `addresses` (BTC feed, ETH feed, router). */
  function specWith(btc: string, eth: string, router: string): DeploymentSpec {
    const spec = sepolia();
    (spec.markets[0].feed as { address: string }).address = btc;
    (spec.markets[1].feed as { address: string }).address = eth;
    (spec.dex as { router: string }).router = router;
    return spec;
  }

  const workingRouter = plantUniswapRouter;

  it("the Sepolia spec on a chain without its contracts: each address with no code is one sentence saying what to do", async () => {
    const spec = sepolia();
    const problems = await preflightProblems(ethers.provider, spec, context);
    expect(problems).to.have.length(3);
    expect(problems[0]).to.equal(
      `the BTC feed ${feedAddress(spec, 0)} (deployments/specs/sepolia.json markets[0].feed.address) has no code on hardhat: correct the address from its source (${(spec.markets[0].feed as { source: string }).source}) or make the market's feed "settable"`,
    );
    expect(problems[1]).to.match(/^the ETH feed 0x694AA1769357215DE4FAC081bf1f309aDC325306 .* has no code on hardhat/);
    expect(problems[2]).to.match(
      /^the Uniswap V2 router 0xeE567Fe1712Faf6149d80dA1E6934E354124CfE3 \(deployments\/specs\/sepolia.json dex.router\) has no code on hardhat: correct the address .* or set "dex": \{ "kind": "deploy" \} to deploy Uniswap V2$/,
    );
  });

  it("fresh 8-decimal feeds and a router whose factory has code pass", async () => {
    const spec = specWith(await feed(8, 50_000n * 10n ** 8n), await feed(8, 3_000n * 10n ** 8n), await workingRouter());
    expect(await preflightProblems(ethers.provider, spec, context)).to.deep.equal([]);
  });

  it("a feed whose last round is older than the market's maxPriceAge is refused with its age and price in human units", async () => {
    const maxPriceAge = sepolia().markets[0].maxPriceAge; // 25 h
    const stale = await feed(8, 64_123_45000000n, maxPriceAge + 3_600);
    const spec = specWith(stale, await feed(8, 3_000n * 10n ** 8n), await workingRouter());
    const problems = await preflightProblems(ethers.provider, spec, context);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^the BTC feed 0x[0-9a-fA-F]{40} \(deployments\/specs\/sepolia.json markets\[0\].feed.address\) last answered 64,123.45 USD at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, 1 d 2 h ago, longer than the market's maxPriceAge of 1 d 1 h, so creating the market would revert: wait for the feed's next round, or raise maxPriceAge in deployments\/specs\/sepolia.json above the feed's heartbeat$/,
    );
  });

  it("a feed with 18 decimals is not a USD feed; a non-positive answer is refused", async () => {
    const spec = specWith(await feed(18, 10n ** 18n), await feed(8, 0n), await workingRouter());
    const problems = await preflightProblems(ethers.provider, spec, context);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(
      /^the BTC feed .* answers with 18 decimals where a USD price feed has 8, so it is likely not the BTC \/ USD feed: correct the address/,
    );
    expect(problems[1]).to.match(/^the ETH feed .* answers a price of 0 USD, which the exchange refuses: correct/);
  });

  it("a router that does not answer factory(), or names a factory without code, is refused", async () => {
    const btc = await feed(8, 50_000n * 10n ** 8n);
    const eth = await feed(8, 3_000n * 10n ** 8n);
    const notARouter = await feed(8, 1n); // has code, no factory()
    expect(await preflightProblems(ethers.provider, specWith(btc, eth, notARouter), context)).to.deep.equal([
      `the Uniswap V2 router ${notARouter} (deployments/specs/sepolia.json dex.router) does not answer factory(), so it is not a Uniswap V2 router: correct the address from its source (${(sepolia().dex as { source: string }).source}) or set "dex": { "kind": "deploy" } to deploy Uniswap V2`,
    ]);
    const [deployer] = await ethers.getSigners();
    const missing = Wallet.createRandom().address;
    const orphan = await new ContractFactory(
      uniswapV2.router.abi as InterfaceAbi,
      uniswapV2.router.bytecode,
      deployer,
    ).deploy(missing, btc);
    const problems = await preflightProblems(ethers.provider, specWith(btc, eth, await orphan.getAddress()), context);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.contain(`names the factory ${missing}, which has no code on hardhat`);
  });
});
