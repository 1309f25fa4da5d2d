/**
 * The rehearsal's child processes: each in a process group of its own (npm, the shell and Hardhat or ts-node under
 * it), its output collected line by line, stopped by its group id so that nothing is left behind.
 */
import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../../src/node/projectRoot";

export interface Child {
  pid: number;
  /** Every line of stdout and stderr, in order of arrival. */
  lines: string[];
  stdout: string[];
  stderr: string[];
  /** The exit code (-1 when ended by a signal). */
  exited: Promise<number>;
  /** Signals the whole group and waits for it (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

/** Runs `command args` in the project, in a process group of its own, with `env` over this process's variables. */
export function spawnChild(command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, detached: true });
  const lines: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let partial = "";
    return (data: Buffer) => {
      const parts = (partial + data.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        into.push(line);
        lines.push(line);
      }
    };
  };
  child.stdout.on("data", collect(stdout));
  child.stderr.on("data", collect(stderr));
  let done = false;
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code) => {
      done = true;
      resolve(code ?? -1);
    }),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // the group is gone
    }
  };
  return {
    pid: child.pid as number,
    lines,
    stdout,
    stderr,
    exited,
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (!done) signalGroup(signal);
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // Whatever the leader left in its group (a grandchild that ignored the signal).
      signalGroup("SIGKILL");
      return code;
    },
  };
}

/** `npm run --silent <script> -- <args>`, as a user types it. */
export const npmRun = (script: string, args: string[], env: Record<string, string>): Child =>
  spawnChild("npm", ["run", "--silent", script, "--", ...args], env);

/** `npx hardhat <args>`, as a user types it. */
export const hardhat = (args: string[], env: Record<string, string>): Child =>
  spawnChild("npx", ["hardhat", ...args], env);

/** Waits for a child's exit, stopping it after `timeoutMs`. */
export async function finish(child: Child, timeoutMs: number): Promise<{ code: number; timedOut: boolean }> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop("SIGKILL");
  }, timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, timedOut };
}
