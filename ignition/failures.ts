/**
 * A deployment that Ignition could not finish, said in one sentence with what to do in that case. A step whose
 * simulation failed sent nothing and is not journaled: once its cause is fixed, running the command again retries it.
 * A step that failed on chain (a reverted transaction, a failed static call) or timed out is journaled as such, and
 * Ignition sends it again only once it is wiped from the journal.
 */
import path from "node:path";
import { DeploymentResultType, type DeploymentResult } from "@nomicfoundation/ignition-core";
import { UserError } from "../src/text/userError";

export interface FailureContext {
  /** The network the command ran on. */
  network: string;
  /** Ignition's journal (undefined for an in-memory deployment, which nothing can resume). */
  deploymentDir?: string;
}

type Failed = Exclude<DeploymentResult, { type: DeploymentResultType.SUCCESSFUL_DEPLOYMENT }>;

/** The first of `ids` and how many more there are ("X (and 2 more steps)"). */
const firstOf = (ids: string[]) => `${ids[0]}${ids.length > 1 ? ` (and ${ids.length - 1} more steps)` : ""}`;

const firstLine = (text: string) => text.split("\n")[0].trim();

export function deploymentFailure(result: Failed, { network, deploymentDir }: FailureContext): UserError {
  const rerun = `npm run deploy -- --network ${network}`;
  const id = deploymentDir === undefined ? undefined : path.basename(deploymentDir);
  const wipe = (future: string) =>
    id === undefined
      ? `deploy again`
      : `wipe the step with "npx hardhat ignition wipe ${id} ${future}", then run ${rerun} again`;
  const specFile = `deployments/specs/${network}.json`;
  switch (result.type) {
    case DeploymentResultType.EXECUTION_ERROR: {
      const simulated = (error: string) => error.startsWith("Simulating the transaction failed");
      if (result.failed.length > 0 && result.failed.every((f) => simulated(f.error))) {
        return new UserError(
          `step ${firstOf(result.failed.map((f) => f.futureId))} would revert (${firstLine(result.failed[0].error)}), so nothing was sent for it: fix the cause (${specFile}, or the deployer's balance), then run ${rerun} again to resume`,
        );
      }
      if (result.failed.length > 0) {
        const sent = result.failed.filter((f) => !simulated(f.error));
        const { futureId, error } = sent[0];
        return new UserError(
          `step ${firstOf(sent.map((f) => f.futureId))} failed (${firstLine(error)}) and will not be sent again as it is: fix the cause (${specFile}, or the deployer's balance), ${wipe(futureId)}`,
        );
      }
      if (result.timedOut.length > 0) {
        const { futureId } = result.timedOut[0];
        return new UserError(
          `step ${firstOf(result.timedOut.map((f) => f.futureId))} was sent but not mined in time (a base-fee spike or a dropped transaction): once the deployer has no pending transaction, ${wipe(futureId)}`,
        );
      }
      if (result.held.length > 0) {
        const { futureId, reason } = result.held[0];
        return new UserError(`step ${futureId} is held (${firstLine(reason)}): resolve that, then run ${rerun} again`);
      }
      return new UserError(
        `the deployment stopped with steps unfinished (${firstOf(result.started)}): run ${rerun} again to resume`,
      );
    }
    case DeploymentResultType.PREVIOUS_RUN_ERROR: {
      const futures = Object.keys(result.errors);
      return new UserError(
        `a previous run's step ${firstOf(futures)} failed or timed out, and Ignition will not send it again until it is wiped: fix the cause (${specFile}, or the deployer's balance), ${wipe(futures[0])}`,
      );
    }
    case DeploymentResultType.RECONCILIATION_ERROR: {
      const [future, messages] = Object.entries(result.errors)[0];
      return new UserError(
        `${specFile} no longer matches what the journal${id ? ` ignition/deployments/${id}` : ""} deployed (${future}: ${firstLine(messages[0] ?? "changed")}): restore the spec's earlier values, or move the journal away to start a new deployment (new addresses)`,
      );
    }
    case DeploymentResultType.VALIDATION_ERROR: {
      const [future, messages] = Object.entries(result.errors)[0];
      return new UserError(
        `the deployment built from ${specFile} is invalid (${future}: ${firstLine(messages[0] ?? "invalid")}): fix the spec and run ${rerun} again`,
      );
    }
  }
}
