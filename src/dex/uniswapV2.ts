import type { Interface, TransactionReceipt } from "ethers";
import factoryBuild from "@uniswap/v2-core/build/UniswapV2Factory.json";
import pairBuild from "@uniswap/v2-core/build/UniswapV2Pair.json";
import routerBuild from "@uniswap/v2-periphery/build/UniswapV2Router02.json";
import wethBuild from "@uniswap/v2-periphery/build/WETH9.json";

/**
 * Uniswap V2 as shipped on npm (factory, pair, router, WETH9), in Hardhat's artifact shape. The shipped bytecode is
 * used as is: the router hard-codes the pair's init-code hash, which a recompile would change.
 */
export interface HardhatArtifact {
  _format: "hh-sol-artifact-1";
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: Record<string, never>;
  deployedLinkReferences: Record<string, never>;
}

interface WaffleBuild {
  abi: unknown[];
  bytecode: string;
  evm: { deployedBytecode: { object: string } };
}

function artifact(name: string, source: string, build: WaffleBuild): HardhatArtifact {
  return {
    _format: "hh-sol-artifact-1",
    contractName: name,
    sourceName: source,
    abi: build.abi,
    bytecode: `0x${build.bytecode}`,
    deployedBytecode: `0x${build.evm.deployedBytecode.object}`,
    linkReferences: {},
    deployedLinkReferences: {},
  };
}

export const uniswapV2 = {
  factory: artifact("UniswapV2Factory", "@uniswap/v2-core/contracts/UniswapV2Factory.sol", factoryBuild),
  pair: artifact("UniswapV2Pair", "@uniswap/v2-core/contracts/UniswapV2Pair.sol", pairBuild),
  router: artifact("UniswapV2Router02", "@uniswap/v2-periphery/contracts/UniswapV2Router02.sol", routerBuild),
  weth: artifact("WETH9", "@uniswap/v2-periphery/contracts/test/WETH9.sol", wethBuild),
};

/**
 * What a swap paid `to` in the coin at `coin` (decoded with its ERC-20 `iface`): the swap's own Transfer, undefined
 * when the receipt has none (a balance difference could include someone else's transfer).
 */
export function swapReceived(receipt: TransactionReceipt, coin: string, iface: Interface, to: string) {
  const transfer = receipt.logs
    .filter((log) => log.address.toLowerCase() === coin.toLowerCase())
    .map((log) => iface.parseLog(log))
    .find((parsed) => parsed?.name === "Transfer" && parsed.args.to === to);
  return transfer ? (transfer.args.value as bigint) : undefined;
}
