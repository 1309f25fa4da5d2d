import type { Logger } from "./logger";

/**
 * How a long-running process of the project (the keeper, the arbitrageur, the app's server) learns that it must stop:
 * SIGINT, SIGTERM, or its parent going away. npm runs a script through a shell; the project's long-running scripts
 * `exec` their program so that npm's SIGTERM reaches it, and should a wrapper still swallow the signal (or be killed
 * outright), the process notices that its parent is gone and stops too, instead of living on unsupervised.
 */

/** Calls `stop` once, with the reason, on the first of SIGINT, SIGTERM or the parent's exit. Returns an unsubscriber. */
export function onStopRequest(stop: (reason: string) => void, { pollMs = 1_000 } = {}): () => void {
  const parent = process.ppid;
  let stopped = false;
  const once = (reason: string) => {
    if (stopped) return;
    stopped = true;
    stop(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => once(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // An orphan is adopted by init or a subreaper: its parent id changes.
  const watch = setInterval(() => {
    if (process.ppid !== parent) once("parent process gone");
  }, pollMs);
  watch.unref();
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    clearInterval(watch);
  };
}

/**
 * SIGINT, SIGTERM or the parent process gone (see `onStopRequest`): no new transaction starts, the one in flight
 * finishes, the loop ends.
 */
export interface StopSignal {
  stopping(): boolean;
  /** Waits `ms`, or less if a signal arrives. */
  sleep(ms: number): Promise<void>;
  /** Where to log the signal once a logger exists (signals may come before). */
  logTo(logger: Logger): void;
}

export function listenForStop(): StopSignal {
  let stopping = false;
  let logger: Logger | undefined;
  let wake: (() => void) | undefined;
  onStopRequest((reason) => {
    stopping = true;
    logger?.info({ reason }, "stopping after the transaction in flight");
    wake?.();
  });
  return {
    stopping: () => stopping,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => (wake = undefined)),
    logTo: (l) => (logger = l),
  };
}
