/**
 * What the rehearsal's command-line entry points (`chain.ts`, `endpoint.ts`, `rehearse.ts`) share: the `--network`
 * check, stopping a service on Ctrl-C with its counters printed, and running `main` with an error as one line.
 */
import { onStopRequest } from "../../src/node/lifecycle";
import { isTestnet, TESTNETS, type TestnetName } from "../../src/chain/networks";

/** The options `chain.ts` and `rehearse.ts` share, for `parseArgs`: the testnet to shape after and the seed. */
export const NETWORK_OPTIONS = {
  network: { type: "string", default: "sepolia" },
  seed: { type: "string", default: "1" },
} as const;

/** `--network`'s value, if it names a public testnet; else an error that lists them. */
export function testnetOption(network: string): TestnetName {
  if (!isTestnet(network)) throw new Error(`--network must be one of ${Object.keys(TESTNETS).join(", ")}`);
  return network;
}

/** On a stop request (Ctrl-C, a stop file): `stop`s the service, prints its `counters()` as JSON and exits 0. */
export function stopOnRequest(stop: () => Promise<void>, counters: () => object): void {
  onStopRequest(
    () =>
      void stop().then(() => {
        console.log(JSON.stringify(counters()));
        process.exit(0);
      }),
  );
}

/** Runs `main` when `module` is the program node started; an error is printed as one line and exits 1. */
export function runMain(module: NodeModule, main: () => Promise<void>): void {
  if (require.main !== module) return;
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
