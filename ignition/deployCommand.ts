/**
 * `npm run deploy -- --network <name> [--dry-run] [--tokens BTC3L,BTC3S]`: pre-flight (every external address of
 * the spec), the estimate (every step's gas and ETH at the current base fee, against the deployer's balance), then
 * the deployment. Nothing is sent when a check fails, when the balance does not cover the estimate, or on a dry run.
 * `--skip-estimate` goes straight to the deployment (npm start does, on its fresh local node whose dev account holds
 * 10,000 ETH).
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { writeAddressBook, type AddressBook } from "../src/addressBook";
import { costReport, deploymentCost, shortfall, type DeploymentCost } from "../src/deployment/cost";
import { parseTokenChoice } from "../src/deployment/parts";
import { preflightProblems } from "../src/deployment/preflight";
import { loadSpec, specPath, type DeploymentSpec } from "../src/deployment/spec";
import { UserError } from "../src/errors";
import { networkRpcUrl } from "../src/networks";
import { deploySystem, discardStaleLocalJournal, journalDir } from "./deploySystem";
import { currentFees, estimateSteps } from "./estimate";

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
  } else {
    spec = loadSpec(root, network);
    const specFile = path.relative(root, specPath(root, network));
    tokens = options.tokens === undefined ? undefined : parseTokenChoice(options.tokens, spec, specFile);
  }
  // A transaction the network dropped from its mempool (IGN401) is sent again by Ignition when it resumes from its
  // journal, at the same nonce: resume here, a few times, rather than ask the user to run the command again.
  const deployResuming = async (attempt = 1): Promise<Awaited<ReturnType<typeof deploySystem>>> =>
    deploySystem(hre, spec, { displayUi: true, tokens }).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt > DROPPED_RESUMES || !droppedByNetwork(message)) throw error;
      log(`a transaction was dropped by the network before it was mined: resuming (${attempt} of ${DROPPED_RESUMES})`);
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
