import { zeroPadValue, type Provider } from "ethers";
import { INTERFACES } from "../chain/contracts";
import { readLogs } from "../reads/logs";

/** Past this many days a holder is warned that daily rebalancing makes a leveraged token drift from L x the market. */
export const HOLDING_WARNING_DAYS = 14;

/**
 * When `account`'s current holding of `token` began: the time of the transfer that last took its balance from 0 to
 * more (from the token's Transfer events), or undefined when it holds none.
 */
export async function holdingSince(provider: Provider, token: string, account: string): Promise<number | undefined> {
  const transfer = INTERFACES.token.getEvent("Transfer")!.topicHash;
  const me = zeroPadValue(account, 32);
  const head = await provider.getBlockNumber();
  const [incoming, outgoing] = await Promise.all([
    readLogs(provider, { address: token, topics: [transfer, null, me] }, 0, head),
    readLogs(provider, { address: token, topics: [transfer, me] }, 0, head),
  ]);
  const moves = [...incoming.map((log) => ({ log, sign: 1n })), ...outgoing.map((log) => ({ log, sign: -1n }))].sort(
    (a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index,
  );
  let balance = 0n;
  let since: number | undefined;
  for (const { log, sign } of moves) {
    const before = balance;
    balance += sign * BigInt(log.data);
    if (before === 0n && balance > 0n) since = log.blockNumber;
    if (balance === 0n) since = undefined;
  }
  if (since === undefined) return undefined;
  return (await provider.getBlock(since))?.timestamp;
}
