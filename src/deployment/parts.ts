/**
 * A deployment in parts (`npm run deploy -- --tokens BTC3L,BTC3S`): the core and the chosen tokens now, others in a
 * later run. Which tokens a run's module holds: those deployed before (they stay in the module, so that the address
 * book lists them and their steps are not redone) and the chosen ones.
 */
import { UserError } from "../text/userError";
import { tokenSymbol } from "./listing";
import type { DeploymentSpec } from "./spec";

/** The symbols of a spec's tokens, in the spec's order. */
export const specTokenSymbols = (spec: DeploymentSpec) => spec.tokens.map((t) => tokenSymbol(t.market, t.leverage));

/** Parses `--tokens BTC3L,BTC3S` against the spec; an unknown symbol is a UserError naming the ones to choose from. */
export function parseTokenChoice(input: string, spec: DeploymentSpec, specFile: string): string[] {
  const known = specTokenSymbols(spec);
  const chosen = input
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (chosen.length === 0) throw new UserError(`--tokens names no token: choose among ${known.join(", ")}`);
  const unknown = chosen.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw new UserError(
      `--tokens names ${unknown.join(", ")}, which ${specFile} does not list: choose among ${known.join(", ")}`,
    );
  }
  return chosen;
}

/**
 * The spec this run deploys. Without a choice and with nothing deployed in parts before, the whole spec as it is.
 * Otherwise the tokens deployed before (`deployed`, in the spec's order) come first, then the chosen ones (the spec's
 * order), and the pools of the tokens left out are left out; `inParts` tells the module to lay itself out so that a
 * later run can add tokens (see buildSystemModule).
 */
export function specForRun(
  spec: DeploymentSpec,
  chosen: string[] | undefined,
  deployed: ReadonlySet<string>,
  coreDeployed: boolean,
): { spec: DeploymentSpec; inParts: boolean } {
  if (chosen === undefined && !coreDeployed) return { spec, inParts: false };
  const wanted = new Set(chosen ?? specTokenSymbols(spec));
  const symbolOf = (t: DeploymentSpec["tokens"][number]) => tokenSymbol(t.market, t.leverage);
  const before = spec.tokens.filter((t) => deployed.has(symbolOf(t)));
  const added = spec.tokens.filter((t) => !deployed.has(symbolOf(t)) && wanted.has(symbolOf(t)));
  const tokens = [...before, ...added];
  const included = new Set(tokens.map(symbolOf));
  const pools = [
    ...spec.pools.filter((p) => deployed.has(p.token)),
    ...spec.pools.filter((p) => !deployed.has(p.token) && included.has(p.token)),
  ];
  return { spec: { ...spec, tokens, pools }, inParts: true };
}
