/**
 * `npm run deploy -- --network <name> [--dry-run] [--tokens BTC3L,BTC3S]`: pre-flight (every external address of
 * the spec), the estimate (every step's gas and ETH at the current base fee, against the deployer's balance), then
 * the deployment. Nothing is sent when a check fails, when the balance does not cover the estimate, or on a dry run.
 * `--skip-estimate` goes straight to the deployment (npm start does, on its fresh local node whose dev account holds
 * 10,000 ETH).
 */
import { formatUnits, Wallet } from "ethers";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressBook } from "../src/chain/addressBook";
import { writeAddressBook } from "../src/node/addressBookFile";
import { costReport, deploymentCost, shortfall, type DeploymentCost, type GasFees } from "../src/deployment/cost";
import { parseTokenChoice } from "../src/deployment/parts";
import { preflightProblems } from "../src/deployment/preflight";
import { loadSpec, specPath, type DeploymentSpec } from "../src/deployment/spec";
import { UserError } from "../src/text/userError";
import { networkRpcUrl } from "../src/chain/networks";
import { deploySystem, discardStaleLocalJournal, journalDir } from "./deploySystem";
import { currentFees, estimateSteps } from "./estimate";
import { resendDropped } from "./resendDropped";

/** A fee more than this many times the estimate's is a spike that the deployment waits out instead of paying. */
export const SPIKE_FACTOR = 2n;
/** How long a deployment waits for a spike to pass before it stops. */
const SPIKE_WAIT_MS = 10 * 60_000;

/**
 * The max fee per gas the deployment offers at most: `SPIKE_FACTOR` times Ignition's own offer (twice the base fee
 * plus the tip) at the estimate's fees. Within it the ETH spent stays near the estimate; a spike (a public testnet's
 * base fee can jump tenfold for a few blocks) stops Ignition before it sends, with IGN407.
 */
export function feeCeiling(fees: GasFees): bigint {
  return SPIKE_FACTOR * (2n * fees.baseFeePerGas + fees.tipPerGas);
}

/** Whether Ignition stopped before sending because the network's fee was above the ceiling (IGN407). */
export const feeAboveCeiling = (message: string): boolean =>
  /IGN407|max fee per gas exceeds the configured limit/.test(message);

/** How many times a deployment resumes by itself after the network dropped one of its transactions. */
const DROPPED_RESUMES = 3;

/**
 * Whether Ignition stopped because the network dropped one of its pending transactions: IGN401 (all of a step's
 * transactions dropped), or IGN405 with the node's nonce below the journal's (a dropped transaction that Ignition had
 * not yet looked up; a nonce above it is another sender, which resuming would not fix).
 */
export function droppedByNetwork(message: string): boolean {
  if (/IGN401|were dropped/.test(message)) return true;
  const nonces = /IGN405: The next nonce for \S+ should be (\d+), but is (\d+)/.exec(message);
  return nonces !== null && Number(nonces[2]) < Number(nonces[1]);
}

/**
 * Whether a step's simulation reverted with no data at all, so that Ignition sent nothing for it. A step whose
 * contract reverts says why (a named error); no data at all is what a node answers when the call ran out of gas at an
 * estimate made a block earlier, or when the node behind a public endpoint had not yet seen a contract or a feed's
 * round. Such a step is simulated again a few blocks later; a revert it repeats is reported as before.
 */
export const simulationWithoutReason = (message: string): boolean =>
  /would revert \(Simulating the transaction failed with error: Reverted without reason\)/.test(message);

/** Resolves once the node has mined `blocks` more blocks (or after `timeoutMs`, whichever is first). */
async function waitForBlocks(hre: HardhatRuntimeEnvironment, blocks: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const start = await hre.ethers.provider.getBlockNumber().catch(() => undefined);
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await hre.ethers.provider.getBlockNumber().catch(() => undefined);
    if (start === undefined || (now !== undefined && now >= start + blocks)) return;
  }
}

export interface DeployCommandOptions {
  dryRun?: boolean;
  /** Deploy without pre-flight and estimate (a fresh local node). */
  skipEstimate?: boolean;
  /** `--tokens` as typed: "BTC3L,BTC3S". */
  tokens?: string;
  /** Where output goes (the terminal). */
  log?: (line: string) => void;
}

/** What the checks found before anything is sent. */
export interface Preparation {
  spec: DeploymentSpec;
  tokens?: string[];
  deploymentDir?: string;
  deployer: string;
  cost: DeploymentCost;
}

/** Pre-flight and the estimate; a UserError (one line) when a check fails or the balance falls short. */
export async function prepareDeployment(
  hre: HardhatRuntimeEnvironment,
  options: { tokens?: string; log: (line: string) => void },
): Promise<Preparation> {
  const root = hre.config.paths.root;
  const network = hre.network.name;
  const spec = loadSpec(root, network);
  const specFile = path.relative(root, specPath(root, network));
  const tokens = options.tokens === undefined ? undefined : parseTokenChoice(options.tokens, spec, specFile);
  const provider = hre.ethers.provider;
  const chainId = await provider.getNetwork().then(
    (n) => Number(n.chainId),
    () => {
      throw new UserError(unreachable(network));
    },
  );
  const deploymentDir = network === "hardhat" ? undefined : journalDir(hre, network, chainId);
  // What the journal says is done must be true before the estimate leaves it out (a restarted local node).
  if (deploymentDir) await discardStaleLocalJournal(hre, network, deploymentDir);

  const problems = await preflightProblems(provider, spec, { specFile, network });
  if (problems.length > 0) {
    // One line each, in order; the last one ends the command.
    for (const problem of problems.slice(0, -1)) options.log(`error: ${problem}`);
    throw new UserError(problems[problems.length - 1]);
  }
  const [signer] = await hre.ethers.getSigners();
  if (!signer) throw new UserError(`network ${network} has no account to deploy with: set DEPLOYER_PRIVATE_KEY`);
  const steps = await estimateSteps(hre, spec, { deploymentDir, tokens });
  const cost = deploymentCost(steps, await currentFees(hre), await provider.getBalance(signer.address));
  return { spec, tokens, deploymentDir, deployer: signer.address, cost };
}

/** Where the network's endpoint comes from, and what to do when it does not answer (never its URL: it may hold a key). */
function unreachable(network: string): string {
  const { variable } = networkRpcUrl(network, process.env);
  if (network === "localhost") {
    return `cannot reach the local node (${variable ?? "LOCALHOST_RPC_URL"}): start one (npx hardhat node) or point ${variable ?? "LOCALHOST_RPC_URL"} at one`;
  }
  return `cannot reach network ${network} through ${variable ?? "its RPC URL"}: check the URL and that the endpoint answers, then run the command again`;
}

/**
 * Waits until Ignition's fee (twice the latest base fee plus the tip) is back under `ceiling`; a UserError when it
 * stays above for `SPIKE_WAIT_MS` (the fee rose for good: a new run estimates at the new fee).
 */
export async function waitOutSpike(hre: HardhatRuntimeEnvironment, ceiling: bigint, log: (line: string) => void) {
  const gwei = (wei: bigint) => `${formatUnits(wei, "gwei")} gwei`;
  const until = Date.now() + SPIKE_WAIT_MS;
  let said = false;
  for (;;) {
    const fees = await currentFees(hre).catch(() => undefined);
    if (fees && 2n * fees.baseFeePerGas + fees.tipPerGas <= ceiling) {
      if (said) log(`the base fee is back at ${gwei(fees.baseFeePerGas)}: resuming`);
      return;
    }
    if (!said && fees) {
      log(
        `the base fee jumped to ${gwei(fees.baseFeePerGas)}: the fee offered would be more than ${SPIKE_FACTOR}x the estimate's; waiting for it to fall before sending more`,
      );
      said = true;
    }
    if (Date.now() > until) {
      throw new UserError(
        `the base fee stayed above ${gwei((ceiling - (fees?.tipPerGas ?? 0n)) / 2n)} (a fee ${SPIKE_FACTOR}x the estimate's) for ${SPIKE_WAIT_MS / 60_000} minutes: run npm run deploy -- --network ${hre.network.name} again to resume at the new fee, with a new estimate`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

/** The command: checks, estimate, and (unless a dry run) the deployment and its address book. */
export async function deployCommand(
  hre: HardhatRuntimeEnvironment,
  options: DeployCommandOptions = {},
): Promise<AddressBook | undefined> {
  const log = options.log ?? console.log;
  const root = hre.config.paths.root;
  const network = hre.network.name;
  if (network === "hardhat" && !options.dryRun) {
    log("note: the in-process hardhat network is gone when this command ends; use --network localhost");
  }
  const estimate = options.dryRun || !options.skipEstimate;
  let spec: DeploymentSpec;
  let tokens: string[] | undefined;
  let ceiling: bigint | undefined;
  let journal: string | undefined;
  if (estimate) {
    const prepared = await prepareDeployment(hre, { tokens: options.tokens, log });
    log(costReport(prepared.cost, prepared.deployer, network));
    const short = shortfall(prepared.cost, prepared.deployer, network);
    if (short) throw new UserError(short);
    if (options.dryRun) {
      log(`dry run: nothing was sent; run it without --dry-run to deploy`);
      return undefined;
    }
    ({ spec, tokens } = prepared);
    ceiling = prepared.cost.baseFeePerGas > 0n ? feeCeiling(prepared.cost) : undefined;
    journal = prepared.deploymentDir && path.join(prepared.deploymentDir, "journal.jsonl");
  } else {
    spec = loadSpec(root, network);
    const specFile = path.relative(root, specPath(root, network));
    tokens = options.tokens === undefined ? undefined : parseTokenChoice(options.tokens, spec, specFile);
  }
  // A transaction the network dropped from its mempool (IGN401) is sent again by Ignition when it resumes from its
  // journal, at the same nonce: resume here, a few times, rather than ask the user to run the command again.
  // A base-fee spike above the ceiling (IGN407, before anything is sent at that fee) is waited out, then resumed.
  const deployResuming = async (attempt = 1): Promise<Awaited<ReturnType<typeof deploySystem>>> =>
    deploySystem(hre, spec, { displayUi: true, tokens, maxFeePerGasLimit: ceiling }).catch(async (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (ceiling !== undefined && feeAboveCeiling(message)) {
        await waitOutSpike(hre, ceiling, log);
        return deployResuming(attempt);
      }
      if (attempt <= DROPPED_RESUMES && simulationWithoutReason(message)) {
        log(
          `a step's simulation reverted without a reason (nothing was sent): simulating it again in a few blocks (${attempt} of ${DROPPED_RESUMES})`,
        );
        await waitForBlocks(hre, 2);
        return deployResuming(attempt + 1);
      }
      if (attempt > DROPPED_RESUMES || !droppedByNetwork(message)) throw error;
      log(`a transaction was dropped by the network before it was mined: resuming (${attempt} of ${DROPPED_RESUMES})`);
      const { accounts } = hre.network.config;
      if (journal && Array.isArray(accounts) && typeof accounts[0] === "string") {
        const signer = new Wallet(accounts[0], hre.ethers.provider);
        const resent = await resendDropped(journal, hre.ethers.provider, signer);
        if (resent.length > 0) log(`sent again at their own nonces: ${resent.join(", ")}`);
      }
      return deployResuming(attempt + 1);
    });
  const book = await deployResuming().catch((error: unknown) => {
    if (error instanceof UserError) throw error;
    // The endpoint failed beyond the retries (or the process was stopped): what was sent is in Ignition's journal,
    // and a run that resumes checks each transaction by its nonce before sending anything again.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const rerun = `npm run deploy -- --network ${network}`;
    if (/insufficient funds/i.test(message)) {
      throw new UserError(
        `the deployment stopped half-way: the deployer ran out of ETH for gas (${message}): fund it, then run ${rerun} again to resume where it stopped`,
      );
    }
    throw new UserError(`the deployment stopped half-way (${message}): run ${rerun} again to resume where it stopped`);
  });
  const file = writeAddressBook(root, book);
  log(`\ndeployed to ${network} (chain ${book.chainId}); address book: ${path.relative(root, file)}`);
  log(`  stablecoin ${book.stablecoin}\n  exchange   ${book.exchange}\n  factory    ${book.factory}`);
  log(`  batcher    ${book.batcher}`);
  log(`  lens       ${book.lens}`);
  log(`  upkeep     ${book.upkeep} (Chainlink Automation, every token)`);
  for (const [symbol, address] of Object.entries(book.tokens)) log(`  ${symbol.padEnd(10)} ${address}`);
  const left = spec.tokens.length - Object.keys(book.tokens).length;
  if (left > 0) log(`  (${left} more tokens in the spec: add them with --tokens in a later run)`);
  if (book.dex) {
    log(`  router     ${book.dex.router} (Uniswap V2)`);
    log(`  trade      ${book.dex.tradeRouter} (best-price buy and sell)`);
    log(`  arbitrage  ${book.dex.arbitrage}`);
  }
  return book;
}
