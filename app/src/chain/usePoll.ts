import { useEffect, useRef, useState } from "react";
import { CONTRACT_INTERFACES } from "../../../src/contracts";
import { describeError } from "../../../src/errors";

export interface Polled<T> {
  data?: T;
  /** One sentence (src/errors.ts) when the last read failed; the last good data stays shown. */
  error?: string;
}

/**
 * Runs `read` now, whenever `deps` change, and every `intervalMs`; an answer that arrives after a newer read started
 * is dropped. `read` undefined: nothing to read yet.
 */
export function usePoll<T>(read: (() => Promise<T>) | undefined, deps: unknown[], intervalMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({});
  const generation = useRef(0);
  useEffect(() => {
    if (!read) {
      setState({});
      return;
    }
    const mine = ++generation.current;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const data = await read();
        if (generation.current === mine) setState({ data });
      } catch (error) {
        if (generation.current === mine) {
          setState((s) => ({ data: s.data, error: describeError(error, CONTRACT_INTERFACES) }));
        }
      }
      if (generation.current === mine) timer = window.setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      generation.current++;
      window.clearTimeout(timer);
    };
  }, deps);
  return state;
}
