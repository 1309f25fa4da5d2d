/**
 * Where a transaction's gas goes, from its trace: `debug_traceTransaction` on the in-process chain, each step's cost
 * attributed to the contract and the Solidity function its source map points at (the innermost function, modifier
 * or library function whose source holds the instruction, inlined ones included), and to a kind of cost (the
 * transaction's base cost, cold and warm storage reads, storage writes, events, calls, and everything else, which
 * is arithmetic, memory and control flow). Used by `npm run bench -- --profile`; the README's performance section
 * quotes its tables.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { table } from "../src/text/format";

interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

interface FunctionRange {
  start: number;
  end: number;
  name: string;
}

/** A deployed contract's instructions mapped to the functions of its source. */
interface CodeMap {
  name: string;
  /** Function name by program counter ("" where the source map points at no function). */
  functionAt: Map<number, string>;
}

const COMPUTE = "arithmetic, memory, control flow";
const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** The kind of cost of one step: what the README's tables group by. */
function kindOf(op: string, cost: number): string {
  if (op === "SLOAD") return cost >= 2100 ? "storage reads (cold)" : "storage reads (warm)";
  if (op === "SSTORE") return "storage writes";
  if (op.startsWith("LOG")) return "events";
  if (CALLS.has(op)) return cost >= 2600 ? "calls (cold account)" : "calls (warm)";
  if (["EXTCODESIZE", "EXTCODECOPY", "EXTCODEHASH", "BALANCE"].includes(op)) return "account reads";
  if (op === "TLOAD" || op === "TSTORE") return "transient storage (re-entrancy guards)";
  return COMPUTE;
}

/** Program counter -> instruction index, for a deployed bytecode (PUSH1..PUSH32 carry 1..32 data bytes). */
function instructionIndex(bytecode: string): Map<number, number> {
  const code = Buffer.from(bytecode.replace(/^0x/, ""), "hex");
  const index = new Map<number, number>();
  for (let pc = 0, i = 0; pc < code.length; i++) {
    index.set(pc, i);
    const op = code[pc];
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5f + 1 : 1;
  }
  return index;
}

/** Every function, modifier and constructor in a source's AST, with its contract's name. */
function functionRanges(ast: unknown, sourceName: string): FunctionRange[] {
  const ranges: FunctionRange[] = [];
  const visit = (node: unknown, contract: string) => {
    if (node === null || typeof node !== "object") return;
    const n = node as { nodeType?: string; name?: string; src?: string; kind?: string; nodes?: unknown[] };
    let inside = contract;
    if (n.nodeType === "ContractDefinition") inside = n.name ?? contract;
    if ((n.nodeType === "FunctionDefinition" || n.nodeType === "ModifierDefinition") && n.src) {
      const [start, length] = n.src.split(":").map(Number);
      const name = n.kind === "constructor" ? "constructor" : n.name || n.kind || "?";
      ranges.push({ start, end: start + length, name: `${inside}.${name}` });
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach((child) => visit(child, inside));
      else if (value && typeof value === "object") visit(value, inside);
    }
  };
  visit(ast, sourceName);
  return ranges;
}

/** What `contracts` names a token's clone: its own 45 bytes of code, which DELEGATECALL the implementation. */
export const CLONE = "token clone (EIP-1167 proxy: its DELEGATECALL)";

/** The source map of a compiled contract, resolved to function names by program counter. */
async function codeMap(hre: HardhatRuntimeEnvironment, fullyQualifiedName: string): Promise<CodeMap> {
  if (fullyQualifiedName === CLONE) return { name: CLONE, functionAt: new Map() };
  const buildInfo = await hre.artifacts.getBuildInfo(fullyQualifiedName);
  if (!buildInfo) throw new Error(`no build info for ${fullyQualifiedName}`);
  const [sourceName, contractName] = fullyQualifiedName.split(":");
  const output = buildInfo.output.contracts[sourceName][contractName] as unknown as {
    evm: { deployedBytecode: { object: string; sourceMap: string } };
  };
  const rangesById = new Map<number, FunctionRange[]>();
  for (const [name, source] of Object.entries(buildInfo.output.sources)) {
    rangesById.set(source.id, functionRanges(source.ast, name));
  }
  const entries = output.evm.deployedBytecode.sourceMap.split(";");
  const byInstruction: string[] = [];
  let [s, l, f] = [-1, -1, -1];
  for (const entry of entries) {
    const fields = entry.split(":");
    if (fields[0] !== undefined && fields[0] !== "") s = Number(fields[0]);
    if (fields[1] !== undefined && fields[1] !== "") l = Number(fields[1]);
    if (fields[2] !== undefined && fields[2] !== "") f = Number(fields[2]);
    const ranges = rangesById.get(f) ?? [];
    let best: FunctionRange | undefined;
    for (const r of ranges) {
      if (r.start <= s && s + l <= r.end && (!best || r.end - r.start < best.end - best.start)) best = r;
    }
    byInstruction.push(best?.name ?? (process.env.PROFILE_DEBUG ? `@${f}:${s}:${l}` : ""));
  }
  const functionAt = new Map<number, string>();
  for (const [pc, i] of instructionIndex(output.evm.deployedBytecode.object)) {
    functionAt.set(pc, byInstruction[i] ?? "");
  }
  return { name: contractName, functionAt };
}

/** One transaction's gas by kind and by function. */
export interface GasProfile {
  gasUsed: number;
  byKind: Map<string, number>;
  byFunction: Map<string, number>;
  /** The "arithmetic, memory, control flow" kind alone, by function. */
  computeByFunction: Map<string, number>;
}

/**
 * Profiles the mined transaction `hash`. `contracts` names the fully qualified contract at each address the
 * transaction may enter, or `CLONE` for a token's clone (an address not listed is shown by its address).
 */
export async function profileTransaction(
  hre: HardhatRuntimeEnvironment,
  hash: string,
  contracts: Record<string, string>,
): Promise<GasProfile> {
  const maps = new Map<string, CodeMap>();
  for (const [address, name] of Object.entries(contracts)) maps.set(address.toLowerCase(), await codeMap(hre, name));
  const tx = await hre.ethers.provider.getTransaction(hash);
  const receipt = await hre.ethers.provider.getTransactionReceipt(hash);
  if (!tx || !receipt) throw new Error(`no transaction ${hash}`);
  const trace = (await hre.network.provider.send("debug_traceTransaction", [
    hash,
    { disableMemory: true, disableStorage: true },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;

  const byKind = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const computeByFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, gas: number) => map.set(key, (map.get(key) ?? 0) + gas);

  // Each step's own cost: the drop in gas to the next step at the same depth. A step that enters a call spans the
  // whole call, so its own cost is that span less what the steps inside used (they are counted where they run).
  const own = new Array<number>(logs.length).fill(0);
  const open: { index: number; span: number; inside: number }[] = [];
  const close = (depth: number) => {
    while (open.length > 0 && logs[open[open.length - 1].index].depth >= depth) {
      const call = open.pop()!;
      own[call.index] = call.span - call.inside;
      if (open.length > 0) open[open.length - 1].inside += call.span;
    }
  };
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i];
    const next = logs[i + 1];
    close(step.depth);
    if (next && next.depth > step.depth) {
      let j = i + 1;
      while (j < logs.length && logs[j].depth > step.depth) j++;
      open.push({ index: i, span: j < logs.length ? step.gas - logs[j].gas : step.gasCost, inside: 0 });
      continue;
    }
    own[i] = next && next.depth === step.depth ? step.gas - next.gas : step.gasCost;
    if (open.length > 0) open[open.length - 1].inside += own[i];
  }
  close(0);

  // The address whose code runs at each depth: the transaction's target, then each call's target (a
  // DELEGATECALL runs the callee's code, which is what the source map needs).
  const running: string[] = [];
  running[1] = (tx.to ?? "").toLowerCase();
  let total = 0;
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i];
    const next = logs[i + 1];
    if (CALLS.has(step.op) && step.stack && next && next.depth > step.depth) {
      const target = BigInt(`0x${step.stack[step.stack.length - 2]}`);
      running[step.depth + 1] = `0x${target.toString(16).padStart(40, "0")}`;
    }
    const map = maps.get(running[step.depth]);
    const where = map ? map.functionAt.get(step.pc) || `${map.name} (outside functions)` : running[step.depth];
    const kind = kindOf(step.op, own[i]);
    add(byKind, kind, own[i]);
    add(byFunction, where, own[i]);
    if (kind === COMPUTE) add(computeByFunction, where, own[i]);
    total += own[i];
  }

  const gasUsed = Number(receipt.gasUsed);
  const intrinsic = Number(tx.gasLimit) - logs[0].gas;
  byKind.set("transaction base cost (21,000 + calldata)", intrinsic);
  const refund = intrinsic + total - gasUsed;
  if (refund !== 0) byKind.set("storage refunds", -refund);
  return { gasUsed, byKind, byFunction, computeByFunction };
}

/**
 * The profile as three tables: by kind of cost; by function, all kinds; and by function, the arithmetic, memory and
 * control flow alone (where no storage, event or call is), each listing the functions of at least `minimum` gas.
 */
export function formatProfile(title: string, profile: GasProfile, minimum = 300): string {
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  const kinds = sorted(profile.byKind).map(([kind, gas]) => [kind, gas.toLocaleString("en-US")]);
  const rows = (map: Map<string, number>) => {
    const listed = sorted(map).filter(([, gas]) => gas >= minimum);
    const rest = sorted(map)
      .filter(([, gas]) => gas < minimum)
      .reduce((sum, [, gas]) => sum + gas, 0);
    const out = listed.map(([name, gas]) => [name, gas.toLocaleString("en-US")]);
    if (rest !== 0) out.push([`(functions under ${minimum} gas each)`, rest.toLocaleString("en-US")]);
    return out;
  };
  return [
    `${title}: ${profile.gasUsed.toLocaleString("en-US")} gas`,
    "",
    table(["kind of cost", "gas"], kinds),
    "",
    table(["where: every kind (execution only)", "gas"], rows(profile.byFunction)),
    "",
    table([`where: ${COMPUTE} alone`, "gas"], rows(profile.computeByFunction)),
  ].join("\n");
}
