/**
 * What a deployment will cost, in integer wei: each step's gas (from the dry run) times the current base fee plus
 * the tip, their total, and whether the deployer's balance covers it. The dry run prints it; the real deployment
 * prints it too and stops before sending when the balance falls short.
 */
import { formatAmount, table } from "../text/format";

export interface StepGas {
  /** Ignition's step id without the module (BTC3LPoolBuy, createBTC3L, PerpExchange, ...). */
  step: string;
  gas: bigint;
}

export interface GasFees {
  /** The latest block's base fee, wei per gas. */
  baseFeePerGas: bigint;
  /** The tip the deployment pays on top (Ignition's: the network's setting, else eth_maxPriorityFeePerGas). */
  tipPerGas: bigint;
}

export interface DeploymentCost extends GasFees {
  steps: (StepGas & { wei: bigint })[];
  gas: bigint;
  /** sum of gas x (base fee + tip), wei */
  wei: bigint;
  balance: bigint;
}

export function deploymentCost(steps: StepGas[], fees: GasFees, balance: bigint): DeploymentCost {
  const price = fees.baseFeePerGas + fees.tipPerGas;
  const priced = steps.map((s) => ({ ...s, wei: s.gas * price }));
  const gas = steps.reduce((sum, s) => sum + s.gas, 0n);
  return { ...fees, steps: priced, gas, wei: gas * price, balance };
}

export const formatEth = (wei: bigint) => `${formatAmount(wei, 18, 6)} ETH`;
export const formatGwei = (wei: bigint) => `${formatAmount(wei, 9, 3)} gwei`;
const formatGas = (gas: bigint) => formatAmount(gas, 0);

/** The steps, their gas and ETH, the total and the balance, as the terminal shows them. */
export function costReport(cost: DeploymentCost, deployer: string, network: string): string {
  const rows = cost.steps.map((s) => [s.step, formatGas(s.gas), formatAmount(s.wei, 18, 6)]);
  rows.push(["total", formatGas(cost.gas), formatAmount(cost.wei, 18, 6)]);
  return [
    `${cost.steps.length} steps to send on ${network}, at the current base fee ${formatGwei(cost.baseFeePerGas)} + tip ${formatGwei(cost.tipPerGas)}:`,
    table(["step", "gas", "ETH"], rows),
    `deployer ${deployer} has ${formatEth(cost.balance)}: ${cost.balance >= cost.wei ? "enough" : "not enough"}`,
  ].join("\n");
}

/** One line when the balance does not cover the cost, else undefined. */
export function shortfall(cost: DeploymentCost, deployer: string, network: string): string | undefined {
  if (cost.balance >= cost.wei) return undefined;
  return `the deployer ${deployer} has ${formatEth(cost.balance)} on ${network}, ${formatEth(cost.wei - cost.balance)} short of the ${formatEth(cost.wei)} this deployment costs at ${formatGwei(cost.baseFeePerGas + cost.tipPerGas)} per gas: fund it (a faucet), wait for a lower base fee, or deploy fewer tokens now with --tokens`;
}
