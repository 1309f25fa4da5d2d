/**
 * The Node versions the project supports are package.json's `engines.node` (`^20.19.0 || >=22.12.0`: what every
 * dependency accepts). npm only warns about engines; the entry points check it themselves and stop with one line.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./projectRoot";

type Version = [number, number, number];

const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, "").split(".").map(Number);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** True when `version` satisfies `range`: alternatives (`||`) of `^x.y.z` (same major, at least) or `>=x.y.z`. */
export function satisfiesRange(version: string, range: string): boolean {
  const v = parse(version);
  return range.split("||").some((alternative) => {
    const [, operator, bound] = /^\s*(\^|>=)\s*(\d+(?:\.\d+){0,2})\s*$/.exec(alternative) ?? [];
    if (!operator) throw new Error(`unsupported version range "${alternative.trim()}"`);
    const b = parse(bound);
    return compare(v, b) >= 0 && (operator === ">=" || v[0] === b[0]);
  });
}

/** package.json's `engines.node`. */
export function supportedNodeRange(): string {
  const file = path.join(PROJECT_ROOT, "package.json");
  if (!existsSync(file)) throw new Error("package.json not found");
  return (JSON.parse(readFileSync(file, "utf8")) as { engines: { node: string } }).engines.node;
}

/** Stops the process with one line when this Node is not supported. */
export function requireSupportedNode(version = process.versions.node): void {
  const range = supportedNodeRange();
  if (satisfiesRange(version, range)) return;
  process.stderr.write(
    `error: Node ${version} is not supported; this project needs Node ${range.replace(" || ", " or ")} (see README, Requirements)\n`,
  );
  process.exit(1);
}
