/**
 * What the rehearsal does as the token's operator (its admin, the deployer's key), through the endpoint like any
 * client: shortens one token's rebalance interval (a day in the specs) so that its time trigger falls due during a
 * run of minutes.
 */
import { Network, Wallet } from "ethers";
import { PROVIDER_OPTIONS } from "../../src/bots/kit/provider";
import { connectToken, CONTRACT_INTERFACES } from "../../src/chain/contracts";
import { describeError } from "../../src/chain/reverts";
import { sleep } from "../../src/rpc/faults";
import { ResilientJsonRpcProvider } from "../../src/rpc/provider";
import { simulateAndSend, waitMined } from "../../src/tx/mined";

/** How many times the whole step is tried before its last reason is reported. */
const ATTEMPTS = 3;

/**
 * `setRebalanceSettings` on `token` with `intervalSeconds` and its band unchanged, signed by `adminKey`, simulated,
 * sent and waited for through `rpcUrl` on the bots' provider (a dropped connection, a 429 or a 5xx is asked again; a
 * dropped transaction is sent again). The whole step is tried up to three times (an attempt that failed after its
 * transaction was mined is seen by the next one's read of the settings). The block that mined it (or the latest, when
 * an earlier attempt's transaction set it), or why not in one line.
 */
export async function shortenInterval(
  rpcUrl: string,
  chainId: number,
  adminKey: string,
  token: string,
  intervalSeconds: number,
): Promise<number | string> {
  const provider = new ResilientJsonRpcProvider(rpcUrl, Network.from(chainId), {
    ...PROVIDER_OPTIONS,
    pollingInterval: 500,
  });
  let reason = "";
  try {
    const contract = connectToken(token, new Wallet(adminKey, provider));
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const { interval, band } = await contract.rebalanceSettings();
        if (Number(interval) === intervalSeconds) return await provider.getBlockNumber();
        const settings = { interval: intervalSeconds, band };
        const { receipt } = await simulateAndSend(
          "setRebalanceSettings",
          contract.setRebalanceSettings,
          [settings],
          (tx) => waitMined(tx),
        );
        return receipt.blockNumber;
      } catch (error) {
        reason = `${describeError(error, CONTRACT_INTERFACES).split("\n")[0]} (${attempt} attempts)`;
        if (attempt < ATTEMPTS) await sleep(1_000);
      }
    }
    return reason;
  } finally {
    provider.destroy();
  }
}
