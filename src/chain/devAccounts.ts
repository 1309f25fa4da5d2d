import { HDNodeWallet } from "ethers";

/**
 * The accounts of a local Hardhat node (its default mnemonic), and who uses which under `npm start`: each service
 * signs with its own account, so that no two of them ever compete for a nonce, and the app offers a person the rest.
 * Local chains only: these keys are public.
 */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The node's account index of each `npm start` service that sends transactions. */
export const SERVICE_ACCOUNTS = { market: 0, keeper: 1, arbitrageur: 2 } as const;

/** The first of the node's accounts the app offers a person (those before belong to the services). */
export const FIRST_USER_ACCOUNT = 3;

/** The private key of the node's account `index` (m/44'/60'/0'/0/index of the dev mnemonic). */
export function devPrivateKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}
