/**
 * What a command loads around Hardhat: the plugins it needs, and a JSON-RPC provider that survives dropped
 * connections. Which Hardhat plugins a command loads: The toolbox (ethers, chai matchers, Ignition, TypeChain, verify, the gas
 * reporter, coverage) costs about a second to load; the lt:* tasks need only hardhat-ethers, so they start faster.
 * Anything else (test, compile, run, bench, ignition, verify, coverage, ...) gets the whole toolbox.
 */
import { extendProvider } from "hardhat/config";
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";
import { ProviderWrapper } from "hardhat/plugins";
import type { RequestArguments } from "hardhat/types";
import { requestResiliently } from "../src/rpc/resilient";

/**
 * The task and the network of this command line, read with Hardhat's own parser (the config is loaded before
 * Hardhat tells it). Undefined where this process is not the Hardhat command line (a test runner, a script).
 */
export function commandLine(argv = process.argv.slice(2)): { task?: string; network?: string } {
  try {
    const env = getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, process.env);
    const parsed = new ArgumentsParser().parseHardhatArguments(HARDHAT_PARAM_DEFINITIONS, env, argv);
    return { task: parsed.scopeOrTaskName, network: parsed.hardhatArguments.network };
  } catch {
    return { network: process.env.HARDHAT_NETWORK };
  }
}

/** The lt:* tasks run on hardhat-ethers alone. */
export const needsOnlyEthers = (task: string | undefined) => task !== undefined && task.startsWith("lt:");

export function loadPlugins(task: string | undefined): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (needsOnlyEthers(task)) require("@nomicfoundation/hardhat-ethers");
  else require("@nomicfoundation/hardhat-toolbox");
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * Hardhat's JSON-RPC provider made immune to a dropped connection (src/rpc/resilient.ts), for every network but
 * the in-process one. It sits right above the HTTP transport: under the accounts layer, so it sees the signed
 * transactions of a testnet key (eth_sendRawTransaction) and the node-signed ones of a local node (eth_sendTransaction).
 */
class ResilientHardhatProvider extends ProviderWrapper {
  override async request(args: RequestArguments): Promise<unknown> {
    return requestResiliently(
      (method, params) => this._wrappedProvider.request({ method, params }),
      args.method,
      this._getParams(args),
    );
  }
}

export function makeProviderResilient(network: string | undefined): void {
  if (network !== undefined && network !== "hardhat") {
    extendProvider(async (provider) => new ResilientHardhatProvider(provider));
  }
}
