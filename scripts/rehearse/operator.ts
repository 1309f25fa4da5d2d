/**
 * What the rehearsal does as the token's operator (its admin, the deployer's key), through the endpoint like any
 * client: shortens one token's rebalance interval (a day in the specs) so that its time trigger falls due during a
 * run of minutes, and narrows another's band so that a day's price move takes it out of its band.
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

/** A change of a token's rebalance settings: what is not given stays as it is. */
export interface SettingsChange {
  interval?: number;
  band?: bigint;
}

/**
 * `setRebalanceSettings` on `token` with `change` (the rest unchanged), signed by `adminKey`, simulated,
 * sent and waited for through `rpcUrl` on the bots' provider (a dropped connection, a 429 or a 5xx is asked again; a
 * dropped transaction is sent again). The whole step is tried up to three times (an attempt that failed after its
 * transaction was mined is seen by the next one's read of the settings). The block that mined it (or the latest, when
 * an earlier attempt's transaction set it), or why not in one line.
 */
export async function changeSettings(
  rpcUrl: string,
  chainId: number,
  adminKey: string,
  token: string,
  change: SettingsChange,
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
        const now = await contract.rebalanceSettings();
        const settings = { interval: change.interval ?? Number(now.interval), band: change.band ?? now.band };
        if (settings.interval === Number(now.interval) && settings.band === now.band) {
          return await provider.getBlockNumber();
        }
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
