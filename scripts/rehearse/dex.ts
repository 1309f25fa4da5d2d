/**
 * Uniswap V2 at the router address a network's spec names (`"dex": { "kind": "existing", "router": ... }`), as the
 * feeds are planted at Chainlink's: the factory, WETH9 and a router are deployed from the npm artifacts, and the
 * router's runtime code (which holds the factory and WETH as immutables) is copied to the spec's address. The pair's
 * init-code hash is the one the router hard-codes, so pools and swaps work as on the real network.
 */
import { ContractFactory, getCreateAddress, parseUnits, type BaseWallet, type JsonRpcProvider } from "ethers";
import { loadSpec } from "../../src/deployment/spec";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import { PROJECT_ROOT } from "../../src/node/projectRoot";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plants Uniswap V2 at the spec's router when the spec takes an existing one; returns that address, or undefined. */
export async function plantSpecRouter(
  provider: JsonRpcProvider,
  deployer: BaseWallet,
  network: string,
  chainId: number,
): Promise<string | undefined> {
  const dex = loadSpec(PROJECT_ROOT, network).dex;
  if (dex.kind !== "existing") return undefined;
  const nonce = await provider.getTransactionCount(deployer.address, "latest");
  const factoryAddress = getCreateAddress({ from: deployer.address, nonce });
  const wethAddress = getCreateAddress({ from: deployer.address, nonce: nonce + 1 });
  const datas = [
    (
      await new ContractFactory(uniswapV2.factory.abi as never[], uniswapV2.factory.bytecode).getDeployTransaction(
        deployer.address,
      )
    ).data,
    (await new ContractFactory(uniswapV2.weth.abi as never[], uniswapV2.weth.bytecode).getDeployTransaction()).data,
    (
      await new ContractFactory(uniswapV2.router.abi as never[], uniswapV2.router.bytecode).getDeployTransaction(
        factoryAddress,
        wethAddress,
      )
    ).data,
  ];
  // Signed once, with fees above any spike: a transaction the chain drops is sent again as it is (same nonce).
  const signed = await Promise.all(
    datas.map((data, i) =>
      deployer.signTransaction({
        type: 2,
        chainId,
        nonce: nonce + i,
        data,
        gasLimit: 6_000_000,
        maxFeePerGas: parseUnits("1000", "gwei"),
        maxPriorityFeePerGas: parseUnits("1", "gwei"),
      }),
    ),
  );
  const hashes = await Promise.all(
    signed.map((raw) => provider.send("eth_sendRawTransaction", [raw]) as Promise<string>),
  );
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const receipts = await Promise.all(hashes.map((hash) => provider.getTransactionReceipt(hash)));
    if (receipts.every((r) => r !== null)) {
      if (receipts.some((r) => r?.status !== 1)) throw new Error("planting Uniswap V2 reverted");
      break;
    }
    if (Date.now() > deadline) throw new Error("planting Uniswap V2 was not mined in 10 minutes");
    for (const [i, hash] of hashes.entries()) {
      if (receipts[i] === null && (await provider.getTransaction(hash)) === null) {
        await provider.send("eth_sendRawTransaction", [signed[i]]).catch(() => undefined);
      }
    }
    await sleep(500);
  }
  const routerAddress = getCreateAddress({ from: deployer.address, nonce: nonce + 2 });
  await provider.send("hardhat_setCode", [dex.router, await provider.getCode(routerAddress)]);
  return dex.router;
}
