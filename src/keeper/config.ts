import { parseUnits } from "ethers";
import { z } from "zod";
import { LOCAL_CHAIN_ID, networkRpcUrl } from "../networks";

/**
 * The keeper's configuration: command-line flags first, then `KEEPER_*` environment variables (or `.env`), then
 * defaults. Everything is checked here, at start, so that a bad value stops the keeper with one line instead of
 * failing later in a pass.
 */

/** A configuration error: main prints its message on one line and exits with `exitCode`. */
export class ConfigError extends Error {
  readonly exitCode = 1;
}

const positiveInt = (what: string, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `${what} must be between 1 and ${max}`);
const wholeNumber = (what: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n <= max, `${what} must be at most ${max}`);
const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a decimal number like 1.5`);
const switchValue = z
  .string()
  .regex(/^(true|false|1|0|yes|no)$/i, "must be true or false")
  .transform((v) => /^(true|1|yes)$/i.test(v));
const address = (flag: string) =>
  z.string().regex(/^0x[0-9a-fA-F]{40}$/, `${flag} must be an address (0x and 40 hex digits)`);

/** A setting: its flag (none: environment only), its variable, how it is checked, whether it is a bare switch. */
const setting = <S extends z.ZodTypeAny>(flag: string | undefined, env: string, schema: S, isSwitch = false) => ({
  flag,
  env,
  schema,
  isSwitch,
});

/** Every setting, once: the flag, the variable and the rule. The configuration's type is derived from it. */
const SETTINGS = {
  /** Address book name (`deployments/<network>.json`); undefined when the factory is given directly. */
  network: setting(
    "--network",
    "KEEPER_NETWORK",
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "--network must be a network name like localhost")
      .optional(),
  ),
  rpcUrl: setting(
    "--rpc-url",
    "KEEPER_RPC_URL",
    z
      .string()
      .url("KEEPER_RPC_URL must be a URL like http://127.0.0.1:8545")
      .refine((u) => /^(https?|wss?):\/\//.test(u), "KEEPER_RPC_URL must be an http(s) or ws(s) URL")
      .optional(),
  ),
  /** Hex private key of the signer; never a flag (it would show in `ps`). */
  privateKey: setting(
    undefined,
    "KEEPER_PRIVATE_KEY",
    z
      .string()
      .regex(/^(0x)?[0-9a-fA-F]{64}$/, "KEEPER_PRIVATE_KEY must be 32 bytes of hex (64 hex digits)")
      .transform((k) => (k.startsWith("0x") ? k : `0x${k}`))
      .optional(),
  ),
  /** Factory address: from `--factory`, or the address book's. */
  factory: setting("--factory", "KEEPER_FACTORY", address("--factory").optional()),
  /** Chain id the RPC must report: the address book's, or `KEEPER_CHAIN_ID`. */
  expectedChainId: setting("--chain-id", "KEEPER_CHAIN_ID", positiveInt("KEEPER_CHAIN_ID").optional()),
  /** BatchRebalancer address: from `--batcher`, or the address book's; undefined: one transaction per token. */
  batcher: setting("--batcher", "KEEPER_BATCHER", address("--batcher").optional()),
  /** At most this many tokens per batch transaction (the contract takes up to 256). */
  maxBatch: setting(
    "--max-batch",
    "KEEPER_MAX_BATCH",
    positiveInt("KEEPER_MAX_BATCH (tokens per batch transaction)", 256).default("50"),
  ),
  pollIntervalMs: setting(
    "--poll-interval",
    "KEEPER_POLL_INTERVAL_MS",
    positiveInt("KEEPER_POLL_INTERVAL_MS (poll interval, ms)", 86_400_000).default("12000"),
  ),
  /** Gas limit = estimate x margin. */
  gasLimitMargin: setting(
    "--gas-limit-margin",
    "KEEPER_GAS_LIMIT_MARGIN",
    decimal("KEEPER_GAS_LIMIT_MARGIN")
      .transform(Number)
      .refine((n) => n >= 1 && n <= 5, "KEEPER_GAS_LIMIT_MARGIN must be between 1 and 5 (e.g. 1.25)")
      .default("1.25"),
  ),
  /** Cap on maxFeePerGas, in wei (given in gwei). */
  maxFeePerGas: setting(
    "--max-fee-gwei",
    "KEEPER_MAX_FEE_GWEI",
    decimal("KEEPER_MAX_FEE_GWEI (max fee, gwei)")
      .refine((v) => Number(v) > 0, "KEEPER_MAX_FEE_GWEI must be greater than 0")
      .refine((v) => (v.split(".")[1] ?? "").length <= 9, "KEEPER_MAX_FEE_GWEI has at most 9 decimals (1 wei)")
      .default("100")
      .transform((gwei) => parseUnits(gwei, 9)),
  ),
  confirmations: setting(
    "--confirmations",
    "KEEPER_CONFIRMATIONS",
    positiveInt("KEEPER_CONFIRMATIONS", 64).default("1"),
  ),
  /** How long to wait for a receipt before replacing the transaction at the same nonce. */
  txTimeoutMs: setting(
    "--tx-timeout",
    "KEEPER_TX_TIMEOUT_MS",
    positiveInt("KEEPER_TX_TIMEOUT_MS", 3_600_000).default("120000"),
  ),
  /** How many times a stuck transaction is replaced before the keeper leaves it pending. */
  maxReplacements: setting(
    "--max-replacements",
    "KEEPER_MAX_REPLACEMENTS",
    wholeNumber("KEEPER_MAX_REPLACEMENTS", 20).default("5"),
  ),
  /** Bounded exponential backoff for RPC errors. */
  rpcRetries: setting("--rpc-retries", "KEEPER_RPC_RETRIES", wholeNumber("KEEPER_RPC_RETRIES", 20).default("4")),
  rpcBackoffMs: setting(
    "--rpc-backoff",
    "KEEPER_RPC_BACKOFF_MS",
    positiveInt("KEEPER_RPC_BACKOFF_MS", 60_000).default("500"),
  ),
  /** Below this signer balance (wei; given in ETH) the keeper warns each pass. */
  minBalance: setting(
    "--min-balance",
    "KEEPER_MIN_BALANCE_ETH",
    decimal("KEEPER_MIN_BALANCE_ETH")
      .refine((v) => (v.split(".")[1] ?? "").length <= 18, "KEEPER_MIN_BALANCE_ETH has at most 18 decimals")
      .default("0.05")
      .transform((eth) => parseUnits(eth, 18)),
  ),
  dryRun: setting("--dry-run", "KEEPER_DRY_RUN", switchValue.default("false"), true),
  once: setting("--once", "KEEPER_ONCE", switchValue.default("false"), true),
  logLevel: setting(
    "--log-level",
    "KEEPER_LOG_LEVEL",
    z
      .enum(["trace", "debug", "info", "warn", "error", "fatal"], {
        errorMap: () => ({ message: "KEEPER_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal" }),
      })
      .default("info"),
  ),
  logFormat: setting(
    "--log-format",
    "KEEPER_LOG_FORMAT",
    z
      .enum(["json", "pretty"], { errorMap: () => ({ message: "KEEPER_LOG_FORMAT must be json or pretty" }) })
      .default("json"),
  ),
  /** Loopback port of /metrics and /healthz; undefined: no server. */
  metricsPort: setting("--metrics-port", "KEEPER_METRICS_PORT", wholeNumber("KEEPER_METRICS_PORT", 65_535).optional()),
};

type SettingName = keyof typeof SETTINGS;

const settingsSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])) as {
    [K in SettingName]: (typeof SETTINGS)[K]["schema"];
  },
);

/**
 * The checked configuration: every setting, with the factory, the batcher and the chain id completed from the
 * address book, and the RPC URL from the network's rules. No key on the local chain (31337) means the node's dev
 * account (`devAccount`).
 */
export type KeeperConfig = Omit<z.output<typeof settingsSchema>, "rpcUrl" | "factory"> & {
  rpcUrl: string;
  /** Where the RPC URL came from, for the start line ("--rpc-url", "LOCALHOST_RPC_URL", "default"). */
  rpcUrlSource: string;
  factory: string;
  /** No key on the local chain: sign with the node's first unlocked account that is not the deployer. */
  devAccount: boolean;
  /** The address book's deployer, which the dev account must not be. */
  deployer?: string;
};

/** Reads flags (`--name value`, `--name=value`, switches bare) over `KEEPER_*` variables. */
export function collectSettings(argv: string[], env: NodeJS.ProcessEnv): Partial<Record<SettingName, string>> {
  const byFlag = new Map<string, SettingName>();
  for (const [name, s] of Object.entries(SETTINGS)) if (s.flag) byFlag.set(s.flag, name as SettingName);
  const values: Partial<Record<SettingName, string>> = {};
  for (const [name, s] of Object.entries(SETTINGS)) {
    const value = env[s.env];
    if (value !== undefined && value !== "") values[name as SettingName] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`unknown option ${argv[i]} (see docs/KEEPER.md)`);
    if (SETTINGS[name].isSwitch) {
      values[name] = inline ?? "true";
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new ConfigError(`${flag} needs a value`);
    values[name] = value;
  }
  return values;
}

/** What the keeper reads from an address book. */
export interface BookAddresses {
  factory: string;
  chainId: number;
  batcher?: string;
  deployer?: string;
}

/**
 * Validates the settings. `readBook` resolves a network's address book (factory, chain id, batcher); it is
 * injected so that this module stays free of the file system.
 */
export function parseConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readBook: (network: string) => BookAddresses,
): KeeperConfig {
  const parsed = settingsSchema.safeParse(collectSettings(argv, env));
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0].message);
  const settings = parsed.data;

  let { factory, batcher, expectedChainId } = settings;
  let deployer: string | undefined;
  if (settings.network) {
    let book: BookAddresses;
    try {
      book = readBook(settings.network);
    } catch (error) {
      throw new ConfigError(error instanceof Error ? error.message : String(error));
    }
    factory ??= book.factory;
    batcher ??= book.batcher;
    deployer = book.deployer;
    if (expectedChainId !== undefined && expectedChainId !== book.chainId) {
      throw new ConfigError(
        `KEEPER_CHAIN_ID ${expectedChainId} does not match the ${settings.network} address book's ${book.chainId}`,
      );
    }
    expectedChainId = book.chainId;
  }
  if (!factory) throw new ConfigError("no factory: give --network <name> (an address book) or --factory 0x..");

  const fromNetwork = settings.network ? networkRpcUrl(settings.network, env) : { url: undefined };
  const rpcUrl = settings.rpcUrl ?? fromNetwork.url;
  if (!rpcUrl) {
    throw new ConfigError(
      `KEEPER_RPC_URL (or --rpc-url${fromNetwork.variable ? `, or ${fromNetwork.variable}` : ""}) is required`,
    );
  }
  const rpcUrlSource =
    settings.rpcUrl === undefined
      ? fromNetwork.variable && env[fromNetwork.variable]
        ? fromNetwork.variable
        : "default"
      : argv.some((a) => a.startsWith("--rpc-url"))
        ? "--rpc-url"
        : "KEEPER_RPC_URL";
  const devAccount = !settings.privateKey && !settings.dryRun && expectedChainId === LOCAL_CHAIN_ID;
  if (!settings.privateKey && !settings.dryRun && !devAccount) {
    throw new ConfigError("KEEPER_PRIVATE_KEY is required (or run with --dry-run, which never signs)");
  }
  return { ...settings, rpcUrl, rpcUrlSource, factory, batcher, expectedChainId, devAccount, deployer };
}
