import { parseUnits } from "ethers";
import { z } from "zod";
import { LOCAL_CHAIN_ID, networkRpcUrl } from "../../chain/networks";

/**
 * What every bot (the keeper, the arbitrageur) reads the same way: command-line flags first, then its own
 * `<PREFIX>_*` environment variables (or `.env`), then defaults, each checked here at start so that a bad value
 * stops the bot with one line. A bot's settings table is `botSettings(prefix)` plus its own entries.
 */

/** A configuration error: main prints its message on one line and exits with `exitCode`. */
export class ConfigError extends Error {
  readonly exitCode = 1;
}

export const positiveInt = (what: string, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `${what} must be between 1 and ${max}`);
export const wholeNumber = (what: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n <= max, `${what} must be at most ${max}`);
export const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a decimal number like 1.5`);
/** A decimal amount in units of `decimals` (gwei: 9, ETH: 18, USDC: 6), as an integer. */
export const units = (what: string, decimals: number) =>
  decimal(what)
    .refine((v) => (v.split(".")[1] ?? "").length <= decimals, `${what} has at most ${decimals} decimals`)
    .transform((v) => parseUnits(v, decimals));
export const switchValue = z
  .string()
  .regex(/^(true|false|1|0|yes|no)$/i, "must be true or false")
  .transform((v) => /^(true|1|yes)$/i.test(v));
export const address = (flag: string) =>
  z.string().regex(/^0x[0-9a-fA-F]{40}$/, `${flag} must be an address (0x and 40 hex digits)`);

/** A setting: its flag (none: environment only), its variable, how it is checked, whether it is a bare switch. */
export const setting = <S extends z.ZodTypeAny>(
  flag: string | undefined,
  env: string,
  schema: S,
  isSwitch = false,
) => ({
  flag,
  env,
  schema,
  isSwitch,
});
type Setting = ReturnType<typeof setting>;

/** The settings every bot has, its variables named `<prefix>_...`. */
export function botSettings(prefix: string) {
  const v = (name: string) => `${prefix}_${name}`;
  return {
    /** Address book name (`deployments/<network>.json`); undefined when the addresses are given directly. */
    network: setting(
      "--network",
      v("NETWORK"),
      z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, "--network must be a network name like localhost")
        .optional(),
    ),
    rpcUrl: setting(
      "--rpc-url",
      v("RPC_URL"),
      z
        .string()
        .url(`${v("RPC_URL")} must be a URL like http://127.0.0.1:8545`)
        .refine((u) => /^(https?|wss?):\/\//.test(u), `${v("RPC_URL")} must be an http(s) or ws(s) URL`)
        .optional(),
    ),
    /** Hex private key of the signer; never a flag (it would show in `ps`). */
    privateKey: setting(
      undefined,
      v("PRIVATE_KEY"),
      z
        .string()
        .regex(/^(0x)?[0-9a-fA-F]{64}$/, `${v("PRIVATE_KEY")} must be 32 bytes of hex (64 hex digits)`)
        .transform((k) => (k.startsWith("0x") ? k : `0x${k}`))
        .optional(),
    ),
    /** Factory address: from `--factory`, or the address book's. */
    factory: setting("--factory", v("FACTORY"), address("--factory").optional()),
    /** Chain id the RPC must report: the address book's, or `<prefix>_CHAIN_ID`. */
    expectedChainId: setting("--chain-id", v("CHAIN_ID"), positiveInt(v("CHAIN_ID")).optional()),
    pollIntervalMs: setting(
      "--poll-interval",
      v("POLL_INTERVAL_MS"),
      positiveInt(`${v("POLL_INTERVAL_MS")} (poll interval, ms)`, 86_400_000).default("12000"),
    ),
    /** Gas limit = estimate x margin. */
    gasLimitMargin: setting(
      "--gas-limit-margin",
      v("GAS_LIMIT_MARGIN"),
      decimal(v("GAS_LIMIT_MARGIN"))
        .transform(Number)
        .refine((n) => n >= 1 && n <= 5, `${v("GAS_LIMIT_MARGIN")} must be between 1 and 5 (e.g. 1.25)`)
        .default("1.25"),
    ),
    /** Cap on maxFeePerGas, in wei (given in gwei). */
    maxFeePerGas: setting(
      "--max-fee-gwei",
      v("MAX_FEE_GWEI"),
      decimal(`${v("MAX_FEE_GWEI")} (max fee, gwei)`)
        .refine((v) => Number(v) > 0, `${v("MAX_FEE_GWEI")} must be greater than 0`)
        .refine((v) => (v.split(".")[1] ?? "").length <= 9, `${v("MAX_FEE_GWEI")} has at most 9 decimals (1 wei)`)
        .default("100")
        .transform((gwei) => parseUnits(gwei, 9)),
    ),
    confirmations: setting("--confirmations", v("CONFIRMATIONS"), positiveInt(v("CONFIRMATIONS"), 64).default("1")),
    /** How long to wait for a receipt before replacing the transaction at the same nonce. */
    txTimeoutMs: setting(
      "--tx-timeout",
      v("TX_TIMEOUT_MS"),
      positiveInt(v("TX_TIMEOUT_MS"), 3_600_000).default("120000"),
    ),
    /** How many times a stuck transaction is replaced before it is left pending. */
    maxReplacements: setting(
      "--max-replacements",
      v("MAX_REPLACEMENTS"),
      wholeNumber(v("MAX_REPLACEMENTS"), 20).default("5"),
    ),
    /** Bounded exponential backoff for RPC errors. */
    rpcRetries: setting("--rpc-retries", v("RPC_RETRIES"), wholeNumber(v("RPC_RETRIES"), 20).default("4")),
    rpcBackoffMs: setting(
      "--rpc-backoff",
      v("RPC_BACKOFF_MS"),
      positiveInt(v("RPC_BACKOFF_MS"), 60_000).default("500"),
    ),
    /** Below this signer balance (wei; given in ETH) each pass warns. */
    minBalance: setting("--min-balance", v("MIN_BALANCE_ETH"), units(v("MIN_BALANCE_ETH"), 18).default("0.05")),
    dryRun: setting("--dry-run", v("DRY_RUN"), switchValue.default("false"), true),
    once: setting("--once", v("ONCE"), switchValue.default("false"), true),
    logLevel: setting(
      "--log-level",
      v("LOG_LEVEL"),
      z
        .enum(["trace", "debug", "info", "warn", "error", "fatal"], {
          errorMap: () => ({ message: `${v("LOG_LEVEL")} must be one of trace, debug, info, warn, error, fatal` }),
        })
        .default("info"),
    ),
    logFormat: setting(
      "--log-format",
      v("LOG_FORMAT"),
      z
        .enum(["json", "pretty"], { errorMap: () => ({ message: `${v("LOG_FORMAT")} must be json or pretty` }) })
        .default("json"),
    ),
    /** Loopback port of /metrics and /healthz; undefined: no server. */
    metricsPort: setting("--metrics-port", v("METRICS_PORT"), wholeNumber(v("METRICS_PORT"), 65_535).optional()),
  };
}

/** The zod object of a settings table (what its values are checked and transformed by). */
export function settingsSchema<T extends Record<string, Setting>>(table: T) {
  return z.object(
    Object.fromEntries(Object.entries(table).map(([name, s]) => [name, s.schema])) as {
      [K in keyof T]: T[K]["schema"];
    },
  );
}

/** Reads flags (`--name value`, `--name=value`, switches bare) over the table's variables. */
export function collectSettings<T extends Record<string, Setting>>(
  table: T,
  argv: string[],
  env: NodeJS.ProcessEnv,
  docs: string,
): Partial<Record<keyof T, string>> {
  const byFlag = new Map<string, keyof T>();
  for (const [name, s] of Object.entries(table)) if (s.flag) byFlag.set(s.flag, name);
  const values: Partial<Record<keyof T, string>> = {};
  for (const [name, s] of Object.entries(table)) {
    const value = env[s.env];
    if (value !== undefined && value !== "") values[name as keyof T] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const name = byFlag.get(flag);
    if (name === undefined) throw new ConfigError(`unknown option ${argv[i]} (see ${docs})`);
    if (table[name].isSwitch) {
      values[name] = inline ?? "true";
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new ConfigError(`${flag} needs a value`);
    values[name] = value;
  }
  return values;
}

/** Parses the collected values with the table's rules; the first problem is a ConfigError. */
export function parseSettings<T extends Record<string, Setting>>(
  table: T,
  argv: string[],
  env: NodeJS.ProcessEnv,
  docs: string,
): z.output<ReturnType<typeof settingsSchema<T>>> {
  const parsed = settingsSchema(table).safeParse(collectSettings(table, argv, env, docs));
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0].message);
  return parsed.data;
}

/** Reads a network's address book for a bot; its failure (a missing file, say) is a ConfigError. */
export function readBookOrFail<B>(readBook: (network: string) => B, network: string): B {
  try {
    return readBook(network);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

/** Where a bot connects and who it signs as, resolved by the rules every bot shares. */
export interface Endpoint {
  rpcUrl: string;
  /** Where the RPC URL came from, for the start line ("--rpc-url", "<PREFIX>_RPC_URL", "LOCALHOST_RPC_URL", ...). */
  rpcUrlSource: string;
  expectedChainId?: number;
  /** No key on the local chain: sign with one of the node's unlocked dev accounts (see `devSigner`). */
  devAccount: boolean;
}

/**
 * The RPC URL (the flag or `<prefix>_RPC_URL`, else the network's rule: `LOCALHOST_RPC_URL` or the testnet's
 * variable), the chain id the RPC must report (the address book's, which `<prefix>_CHAIN_ID` must match), and
 * whether a key is needed: a dry run never signs, the local chain (31337) falls back to a dev account.
 */
export function resolveEndpoint(
  prefix: string,
  settings: { network?: string; rpcUrl?: string; privateKey?: string; expectedChainId?: number; dryRun: boolean },
  bookChainId: number | undefined,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Endpoint {
  let expectedChainId = settings.expectedChainId;
  if (bookChainId !== undefined) {
    if (expectedChainId !== undefined && expectedChainId !== bookChainId) {
      throw new ConfigError(
        `${prefix}_CHAIN_ID ${expectedChainId} does not match the ${settings.network} address book's ${bookChainId}`,
      );
    }
    expectedChainId = bookChainId;
  }
  const fromNetwork = settings.network ? networkRpcUrl(settings.network, env) : { url: undefined };
  const rpcUrl = settings.rpcUrl ?? fromNetwork.url;
  if (!rpcUrl) {
    throw new ConfigError(
      `${prefix}_RPC_URL (or --rpc-url${fromNetwork.variable ? `, or ${fromNetwork.variable}` : ""}) is required`,
    );
  }
  const rpcUrlSource =
    settings.rpcUrl === undefined
      ? fromNetwork.variable && env[fromNetwork.variable]
        ? fromNetwork.variable
        : "default"
      : argv.some((a) => a.startsWith("--rpc-url"))
        ? "--rpc-url"
        : `${prefix}_RPC_URL`;
  const devAccount = !settings.privateKey && !settings.dryRun && expectedChainId === LOCAL_CHAIN_ID;
  if (!settings.privateKey && !settings.dryRun && !devAccount) {
    throw new ConfigError(`${prefix}_PRIVATE_KEY is required (or run with --dry-run, which never signs)`);
  }
  return { rpcUrl, rpcUrlSource, expectedChainId, devAccount };
}
