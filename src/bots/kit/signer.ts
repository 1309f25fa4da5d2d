import { getAddress, Wallet, type JsonRpcProvider, type Signer } from "ethers";
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

/**
 * A bot's signer: its key's wallet; in dry run none; with no key on the local chain (`devAccount`), the node's
 * `devAccount.position`-th unlocked account that is not the deployer's (see `devSigner`), which is logged.
 */
export async function botSigner(
  config: { dryRun: boolean; privateKey?: string; deployer?: string },
  provider: JsonRpcProvider,
  logger: Logger,
  devAccount: { position: number; keyVariable: string },
): Promise<Signer | undefined> {
  if (config.dryRun) return undefined;
  if (config.privateKey) return new Wallet(config.privateKey, provider);
  return devSigner(provider, logger, { deployer: config.deployer, ...devAccount });
}
