import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Interface } from "ethers";
import { existsSync } from "node:fs";
import { addressBookPath, readAddressBook } from "../src/node/addressBookFile";
import { UserError } from "../src/text/userError";
import { describeError } from "../src/chain/reverts";
import { signLocally, simulateAndSend, waitMined, type Sendable } from "../src/tx/mined";
import { checkDeployedChain } from "../src/chain/addressBook";
import { chainDeadline } from "../src/chain/blocks";
import type { System } from "../src/chain/contracts";
import type { LeveragedToken } from "../typechain-types";

/** What every lt:* task works with: the signer and the deployed system of the selected network. */
export interface TaskContext {
  hre: HardhatRuntimeEnvironment;
  signer: HardhatEthersSigner;
  system: System;
  /** A token by symbol (BTC3L) or address, as the factory lists it. */
  resolveToken(symbolOrAddress: string): Promise<LeveragedToken>;
  /** Decimals of the ERC-20 the task moves, so that a refused balance or allowance reads in its units. */
  erc20Decimals?: number;
}

/** What `--network hardhat` (or no --network) gets: the in-process chain ends with the command. */
export const TASKS_NEED_A_NODE =
  "the lt:* tasks work on a running chain, and the in-process hardhat network ends with each command: start a node (npx hardhat node), deploy to it (npm run deploy -- --network localhost), then add --network localhost";

/** src/contracts uses the TypeChain factories, which exist only after a compile: loaded when a task runs, so
 * that the tasks are registered (and hardhat.config.ts loads) on a fresh clone too. */
const contracts = () => import("../src/chain/contracts");

async function loadContext(hre: HardhatRuntimeEnvironment): Promise<TaskContext> {
  const network = hre.network.name;
  const root = hre.config.paths.root;
  // In-process, only a deployment made in this same process (a test's) can exist.
  if (network === "hardhat" && !existsSync(addressBookPath(root, network))) throw new UserError(TASKS_NEED_A_NODE);
  const book = readAddressBook(root, network);
  const url = "url" in hre.network.config ? hre.network.config.url : network;
  await checkDeployedChain(hre.ethers.provider, book, network, url);
  const [signer] = await hre.ethers.getSigners();
  if (!signer) throw new UserError(`network ${network} has no account to sign with (DEPLOYER_PRIVATE_KEY)`);
  const { accounts } = hre.network.config;
  if (Array.isArray(accounts) && typeof accounts[0] === "string") signLocally(signer, accounts[0]);
  const { connectSystem, resolveToken } = await contracts();
  const system = connectSystem(book, signer);
  return { hre, signer, system, resolveToken: (symbolOrAddress) => resolveToken(system, symbolOrAddress, signer) };
}

/**
 * Wraps a task's action: loads the context, and turns any failure into one line on stderr and exit code 1.
 * Nothing is sent after a failure: every transaction is simulated first (see `send`).
 */
export function withContext<Args>(action: (args: Args, ctx: TaskContext) => Promise<void>) {
  return async (args: Args, hre: HardhatRuntimeEnvironment): Promise<void> => {
    let context: TaskContext | undefined;
    try {
      context = await loadContext(hre);
      await action(args, context);
    } catch (error) {
      const interfaces: Interface[] = await contracts().then(
        (c) => c.CONTRACT_INTERFACES,
        () => [],
      );
      // Times in a refusal read against the chain's clock (a local chain's may be far ahead of the computer's).
      const now = await hre.ethers.provider.getBlock("latest").then(
        (block) => (block ? BigInt(block.timestamp) : undefined),
        () => undefined,
      );
      console.error(`error: ${describeError(error, interfaces, { now, erc20Decimals: context?.erc20Decimals })}`);
      process.exitCode = 1;
    }
  };
}

/** Simulates a contract call, then sends it and waits for its receipt; prints one line with its hash and gas. */
export async function send<A extends unknown[]>(label: string, method: Sendable<A>, ...args: A) {
  const { hash, receipt } = await simulateAndSend(label, method, args, waitMined);
  console.log(`${label}: ${hash} (gas ${receipt.gasUsed})`);
  return receipt;
}

/** Adds `amount` of allowance for `spender` when the current one is short (simulated and sent like `send`). */
export async function ensureAllowance(
  token: BaseContract & {
    allowance(owner: string, spender: string): Promise<bigint>;
    approve: Sendable<[string, bigint]>;
    symbol(): Promise<string>;
  },
  owner: string,
  spender: string,
  amount: bigint,
) {
  if ((await token.allowance(owner, spender)) >= amount) return;
  await send(`approve ${await token.symbol()}`, token.approve, spender, amount);
}

/** How long a signed permit or a DEX trade may wait to be mined. */
export const DEADLINE_SECONDS = 20 * 60;

/** A trade's deadline: the chain's time plus DEADLINE_SECONDS. */
export const tradeDeadline = ({ hre }: TaskContext) => chainDeadline(hre.ethers.provider, DEADLINE_SECONDS);
