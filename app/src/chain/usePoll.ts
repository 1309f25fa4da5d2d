import { useEffect, useRef, useState } from "react";
import { CONTRACT_INTERFACES } from "@lt/chain/contracts";
import { describeError } from "@lt/chain/reverts";

export interface Polled<T> {
  data?: T;
  /** One sentence (src/chain/reverts.ts) when the last read failed; the last good data stays shown. */
  error?: string;
}

/**
 * Runs `read` now, whenever `deps` change, and every `intervalMs` (or twice as long as the last read took, if
 * longer); an answer that arrives after a newer read started is dropped. `read` undefined: nothing to read yet.
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
      const started = performance.now();
      try {
        const data = await read();
        if (generation.current === mine) setState({ data });
      } catch (error) {
        if (generation.current === mine) {
          setState((s) => ({ data: s.data, error: describeError(error, CONTRACT_INTERFACES) }));
        }
      }
      // A slow read (a node busy with hundreds of tokens) is not asked again before twice its own time.
      const wait = Math.max(intervalMs, 2 * (performance.now() - started));
      if (generation.current === mine) timer = window.setTimeout(tick, wait);
    };
    void tick();
    return () => {
      generation.current++;
      window.clearTimeout(timer);
    };
  }, deps);
  return state;
}
