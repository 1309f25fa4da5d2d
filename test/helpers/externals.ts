import { ethers } from "hardhat";
import { ContractFactory, type InterfaceAbi } from "ethers";
import { uniswapV2 } from "../../src/dex/uniswapV2";

/**
 * What a testnet's spec takes from the network, planted on the in-process chain: a Chainlink-style feed (Chainlink's
 * MockV3Aggregator, its last round `updatedAgo` seconds old) and Uniswap V2's router with its factory.
 */
export async function plantFeed(decimals: number, answer: bigint, updatedAgo = 0): Promise<string> {
  const mock = await ethers.deployContract("MockV3Aggregator", [decimals, answer]);
  if (updatedAgo > 0) {
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    await mock.updateRoundData(2, answer, now - updatedAgo, now - updatedAgo);
  }
  return mock.getAddress();
}

export async function plantUniswapRouter(): Promise<string> {
  const [deployer] = await ethers.getSigners();
  const deploy = (a: { abi: readonly unknown[]; bytecode: string }, args: unknown[]) =>
    new ContractFactory(a.abi as InterfaceAbi, a.bytecode, deployer).deploy(...args).then((c) => c.getAddress());
  const factory = await deploy(uniswapV2.factory, [deployer.address]);
  const weth = await deploy(uniswapV2.weth, []);
  return deploy(uniswapV2.router, [factory, weth]);
}
