import { getAddress, type JsonRpcProvider, type Signer } from "ethers";
import type { Logger } from "../../node/logger";

/**
 * One of the local node's unlocked dev accounts, for a bot started with no key on the local chain: the
 * `position`-th (from 0) that is not the deployer's. The keeper takes position 0 and the arbitrageur position 1, so
 * that the two can run side by side against one node without sharing nonces. Logged, with the variable that would
 * set a key instead.
 */
export async function devSigner(
  provider: JsonRpcProvider,
  logger: Logger,
  { deployer, position, keyVariable }: { deployer?: string; position: number; keyVariable: string },
): Promise<Signer> {
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const excluded = deployer ? getAddress(deployer) : undefined;
  const account = accounts.map((a) => getAddress(a)).filter((a) => a !== excluded)[position];
  if (!account) throw new Error(`${keyVariable} is required: the local node has no unlocked account to use`);
  const which = position === 0 ? "first" : position === 1 ? "second" : `${position + 1}th`;
  logger.info(
    { signer: account, deployer: excluded ?? null },
    `no ${keyVariable}: signing with the local node's ${which} dev account that is not the deployer`,
  );
  return provider.getSigner(account);
}
