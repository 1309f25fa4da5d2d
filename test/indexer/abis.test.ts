import { expect } from "chai";
import { artifacts } from "hardhat";
import { Interface, type InterfaceAbi } from "ethers";
import { exchangeAbi, factoryAbi, feedAbi, pairAbi, tokenAbi } from "../../indexer/abis";
import { uniswapV2 } from "../../src/dex/uniswapV2";

/** The indexer's hand-written ABIs (viem's human-readable form) are the compiled contracts' own. */
describe("indexer: its ABIs match the compiled contracts", () => {
  const cases: [string, readonly unknown[], () => Promise<InterfaceAbi>][] = [
    ["LeveragedTokenFactory", factoryAbi, async () => (await artifacts.readArtifact("LeveragedTokenFactory")).abi],
    ["LeveragedToken", tokenAbi, async () => (await artifacts.readArtifact("LeveragedToken")).abi],
    ["PerpExchange", exchangeAbi, async () => (await artifacts.readArtifact("PerpExchange")).abi],
    ["SettablePriceFeed", feedAbi, async () => (await artifacts.readArtifact("SettablePriceFeed")).abi],
    ["UniswapV2Pair", pairAbi, async () => uniswapV2.pair.abi as InterfaceAbi],
  ];
  for (const [name, abi, compiled] of cases) {
    it(`${name}: every event and view the indexer reads`, async () => {
      const mine = new Interface(abi as InterfaceAbi);
      const theirs = new Interface(await compiled());
      mine.forEachEvent((event) => {
        expect(theirs.getEvent(event.name)?.format("full"), event.name).to.equal(event.format("full"));
      });
      mine.forEachFunction((fn) => {
        expect(theirs.getFunction(fn.name)?.format("full"), fn.name).to.equal(fn.format("full"));
      });
    });
  }
});
