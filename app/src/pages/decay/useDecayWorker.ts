import { useEffect, useRef, useState } from "react";
import type { DecayRequest, DecayResponse } from "./decay.worker";

/**
 * Runs requests in the decay worker (the Monte Carlo and the back-test of src/, off the page's thread), one answer
 * per slot: the answer to an older request than the slot's latest is dropped. The Decay page and the Trade form's
 * cost line use it.
 */
export function useDecayWorker() {
  const worker = useRef<Worker>(undefined);
  const latest = useRef<Record<string, number>>({});
  const [answers, setAnswers] = useState<Record<string, DecayResponse>>({});
  useEffect(() => {
    const w = new Worker(new URL("./decay.worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (event: MessageEvent<DecayResponse>) => {
      const kind = Object.keys(latest.current).find((k) => latest.current[k] === event.data.id);
      if (kind) setAnswers((a) => ({ ...a, [kind]: event.data }));
    };
    worker.current = w;
    return () => w.terminate();
  }, []);
  const ask = (
    slot: string,
    request: DecayRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never,
  ) => {
    const id = (latest.current[slot] ?? 0) + 1 + Math.floor(Math.random() * 1e6);
    latest.current[slot] = id;
    worker.current?.postMessage({ ...request, id });
  };
  return { answers, ask };
}
