import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { deploySystem } from "../../ignition/deploySystem";
import { writeAddressBook } from "../../src/node/addressBookFile";
import { type AddressBook } from "../../src/chain/addressBook";
import { loadSpec } from "../../src/deployment/spec";

export interface TaskResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs an lt:* task in-process and captures what it prints and its exit code (then restores both). */
export async function runTask(name: string, args: Record<string, unknown> = {}): Promise<TaskResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  console.log = (...parts: unknown[]) => void out.push(parts.map(String).join(" "));
  console.error = (...parts: unknown[]) => void err.push(parts.map(String).join(" "));
  try {
    await hre.run(name, args);
  } finally {
    console.log = log;
    console.error = error;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = previousExitCode;
  return { stdout: out.join("\n"), stderr: err.join("\n"), exitCode };
}

/**
 * The full local deployment (deployments/specs/localhost.json: three markets, nine tokens, Uniswap V2 and a seeded
 * BTC3L pool) on the in-process chain, with its address book in a temporary LT_DEPLOYMENTS_DIR.
 */
export async function deployLocalSystem(): Promise<AddressBook> {
  process.env.LT_DEPLOYMENTS_DIR ??= mkdtempSync(path.join(tmpdir(), "lt-deployments-"));
  const book = await deploySystem(hre, loadSpec(hre.config.paths.root, "hardhat"));
  writeAddressBook(hre.config.paths.root, book);
  return book;
}
