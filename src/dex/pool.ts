import { Contract, type ContractRunner } from "ethers";
import { priceFromReserves } from "./reserves";
import { uniswapV2 } from "./uniswapV2";

/** The pool's price of one whole token in stablecoin units (6 decimals); undefined while it is empty. */
export async function poolPrice(runner: ContractRunner, pair: string, token: string): Promise<bigint | undefined> {
  const contract = new Contract(pair, uniswapV2.pair.abi as never, runner);
  const [reserve0, reserve1] = (await contract.getReserves()) as [bigint, bigint];
  const token0 = String(await contract.token0()).toLowerCase();
  const [tokenReserve, usdcReserve] = token0 === token.toLowerCase() ? [reserve0, reserve1] : [reserve1, reserve0];
  return priceFromReserves(tokenReserve, usdcReserve);
}
