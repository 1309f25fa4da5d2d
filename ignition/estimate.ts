/**
 * The dry run: what a deployment will send, step by step, with each step's gas, before anything is sent. The run's
 * module is deployed on a fresh in-process Hardhat chain, with stand-ins for what the spec takes from the network
 * (a settable feed for a Chainlink feed, Uniswap V2 from the npm artifacts for an existing router), and each step's
 * gas is read from its receipts there. The steps that the real deployment will not send (the stand-ins, and what
 * its journal says is done) are left out.
 */
import { FutureType, status, type IgnitionModule } from "@nomicfoundation/ignition-core";
import { HardhatArtifactResolver } from "@nomicfoundation/hardhat-ignition/helpers";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { EIP1193Provider, HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync } from "node:fs";
import path from "node:path";
import type { GasFees, StepGas } from "../src/deployment/cost";
import type { DeploymentSpec } from "../src/deployment/spec";
import { deploySystem, MODULE_ID, runPlan } from "./deploySystem";

/** Ignition's default tip when the network has no setting and the node no eth_maxPriorityFeePerGas. */
const DEFAULT_TIP = 1_000_000_000n;

const SENDING = new Set<FutureType>([
  FutureType.NAMED_ARTIFACT_CONTRACT_DEPLOYMENT,
  FutureType.CONTRACT_DEPLOYMENT,
  FutureType.NAMED_ARTIFACT_LIBRARY_DEPLOYMENT,
  FutureType.LIBRARY_DEPLOYMENT,
  FutureType.CONTRACT_CALL,
  FutureType.SEND_DATA,
]);

/** The spec with stand-ins for what it takes from the network; the same steps otherwise. */
function withStandIns(spec: DeploymentSpec): DeploymentSpec {
  return {
    ...spec,
    markets: spec.markets.map((m) =>
      m.feed.kind === "chainlink" ? { ...m, feed: { kind: "settable" as const, initialPrice: "1000" } } : m,
    ),
    dex: spec.dex.kind === "existing" ? { kind: "deploy" } : spec.dex,
  };
}

const sendingSteps = (module: IgnitionModule) =>
  new Set([...module.futures].filter((f) => SENDING.has(f.type)).map((f) => f.id));

/**
 * The steps this run will send and their gas, in the order the dry run mined them. `deploymentDir` is the real
 * deployment's journal (its done steps are left out); `tokens` the run's choice (`--tokens`).
 */
export async function estimateSteps(
  hre: HardhatRuntimeEnvironment,
  spec: DeploymentSpec,
  { deploymentDir, tokens }: { deploymentDir?: string; tokens?: string[] },
): Promise<StepGas[]> {
  const plan = runPlan(spec, deploymentDir, tokens);
  const toSend = sendingSteps(plan.module);
  const done =
    deploymentDir !== undefined && existsSync(path.join(deploymentDir, "journal.jsonl"))
      ? new Set((await status(deploymentDir, new HardhatArtifactResolver(hre))).successful)
      : new Set<string>();
  for (const id of done) toSend.delete(id);

  const chain = (await createProvider(hre.config, "hardhat", hre.artifacts)) as EIP1193Provider;
  const hashes: { futureId: string; hash: string }[] = [];
  await deploySystem(hre, withStandIns(plan.spec), {
    provider: chain,
    pollingMs: 5,
    onConfirm: (futureId, hash) => hashes.push({ futureId, hash }),
  });
  const gasByStep = new Map<string, bigint>();
  for (const { futureId, hash } of hashes) {
    if (!toSend.has(futureId)) continue;
    const receipt = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
      gasUsed: string;
    };
    gasByStep.set(futureId, (gasByStep.get(futureId) ?? 0n) + BigInt(receipt.gasUsed));
  }
  return [...gasByStep].map(([id, gas]) => ({ step: id.replace(`${MODULE_ID}#`, ""), gas }));
}

/** The fees a transaction pays now: the latest base fee and Ignition's tip (see GasFees). */
export async function currentFees(hre: HardhatRuntimeEnvironment): Promise<GasFees> {
  const provider = hre.network.provider;
  const block = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    baseFeePerGas?: string;
  };
  const baseFeePerGas = BigInt(block.baseFeePerGas ?? 0);
  const configured = hre.network.config.ignition?.maxPriorityFeePerGas;
  if (configured !== undefined) return { baseFeePerGas, tipPerGas: BigInt(configured) };
  const tip = await provider.request({ method: "eth_maxPriorityFeePerGas" }).then(
    (fee) => BigInt(fee as string),
    () => DEFAULT_TIP,
  );
  return { baseFeePerGas, tipPerGas: tip };
}
