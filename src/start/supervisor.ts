import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";

/**
 * The child processes of `npm start`: each writes to its own log file (and, if asked, echoes its lines to the
 * console under its name); one that exits while nobody asked it to is reported once through `onUnexpectedExit`;
 * `stopAll` ends every child and waits for it; and whatever happens to this process, no child outlives it (a last
 * SIGKILL on exit).
 */
export interface ChildSpec {
  name: string;
  /** Arguments to `node` (a script and its flags). */
  args: string[];
  env?: Record<string, string>;
  /** Echo the child's stdout lines to the console as `name  line`. */
  echo?: boolean;
}

export interface RunningChild {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Resolves when the child ends: its exit code (1 when a signal ended it) and how it ended, in words. */
  exited: Promise<{ code: number; how: string }>;
}

export class Supervisor {
  private readonly children: RunningChild[] = [];
  private stopping = false;

  constructor(
    private readonly root: string,
    private readonly logDir: string,
    private readonly onUnexpectedExit: (child: RunningChild, how: string) => void,
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {
    mkdirSync(logDir, { recursive: true });
    process.on("exit", () => {
      for (const child of this.children) if (child.process.exitCode === null) child.process.kill("SIGKILL");
    });
  }

  /** Starts a long-running child (a service): its unexpected end is reported. */
  start(spec: ChildSpec): RunningChild {
    const child = this.spawn(spec);
    void child.exited.then(({ how }) => {
      if (!this.stopping) this.onUnexpectedExit(child, how);
    });
    return child;
  }

  /** Runs a child to its end (a step such as compile or deploy) and resolves with its exit code. */
  run(spec: ChildSpec): Promise<{ code: number; child: RunningChild }> {
    const child = this.spawn(spec);
    return child.exited.then(({ code }) => ({ code, child }));
  }

  private spawn(spec: ChildSpec): RunningChild {
    const logFile = path.join(this.logDir, `${spec.name}.log`);
    const fd = openSync(logFile, "w");
    const proc = spawn(process.execPath, spec.args, {
      cwd: this.root,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", spec.echo ? "pipe" : fd, fd],
      // Its own process group: a Ctrl-C in the terminal reaches only npm start, which then stops the children.
      detached: true,
    });
    if (spec.echo && proc.stdout) {
      createInterface({ input: proc.stdout }).on("line", (line) => {
        writeSync(fd, `${line}\n`);
        if (!this.stopping) this.print(`${spec.name.padEnd(11)} ${line}`);
      });
    }
    const exited = new Promise<{ code: number; how: string }>((resolve) => {
      proc.once("exit", (code, signal) => {
        closeSync(fd);
        resolve(signal ? { code: 1, how: `killed by ${signal}` } : { code: code ?? 1, how: `exit code ${code}` });
      });
      proc.once("error", (error) => resolve({ code: 1, how: error.message }));
    });
    const running = { name: spec.name, process: proc, logFile, exited };
    this.children.push(running);
    return running;
  }

  /** From now on a child's end is expected (a stop was asked for): no more reports. */
  beginStop(): void {
    this.stopping = true;
  }

  /** SIGTERM to every child still running, SIGKILL to any still there after `graceMs`; resolves when all ended. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const running = this.children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
    for (const child of running) child.process.kill("SIGTERM");
    const timer = setTimeout(() => {
      for (const child of running) if (child.process.exitCode === null) child.process.kill("SIGKILL");
    }, graceMs);
    await Promise.all(running.map((c) => c.exited));
    clearTimeout(timer);
  }
}

/** The last non-empty line of a log file that looks like an error (or just the last line), for a one-line report. */
export function lastErrorLine(logFile: string): string {
  let lines: string[] = [];
  try {
    lines = readFileSync(logFile, "utf8")
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  } catch {
    return "";
  }
  const error = [...lines].reverse().find((l) => /^error|error:|Error:/i.test(l));
  return error ?? lines[lines.length - 1] ?? "";
}
