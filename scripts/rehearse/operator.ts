/**
 * What the rehearsal does as the token's operator (its admin, the deployer's key), through the endpoint like any
 * client: shortens one token's rebalance interval (a day in the specs) so that its time trigger falls due during a
 * run of minutes.
 */
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { connectToken, CONTRACT_INTERFACES } from "../../src/chain/contracts";
import { describeError } from "../../src/chain/reverts";
import { simulateAndSend, waitMined } from "../../src/tx/mined";

/**
 * `setRebalanceSettings` on `token` with `intervalSeconds` and its band unchanged, signed by `adminKey`, simulated,
 * sent and waited for through `rpcUrl` (a dropped transaction is sent again). The block that mined it, or why not in
 * one line.
 */
export async function shortenInterval(
  rpcUrl: string,
  chainId: number,
  adminKey: string,
  token: string,
  intervalSeconds: number,
): Promise<number | string> {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, pollingInterval: 500 });
  try {
    const admin = new Wallet(adminKey, provider);
    const contract = connectToken(token, admin);
    const { band } = await contract.rebalanceSettings();
    const settings = { interval: intervalSeconds, band };
    const { receipt } = await simulateAndSend("setRebalanceSettings", contract.setRebalanceSettings, [settings], (tx) =>
      waitMined(tx),
    );
    return receipt.blockNumber;
  } catch (error) {
    return describeError(error, CONTRACT_INTERFACES).split("\n")[0];
  } finally {
    provider.destroy();
  }
}
