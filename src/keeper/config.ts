import { parseUnits } from "ethers";
import { z } from "zod";

/**
 * The keeper's configuration: command-line flags first, then `KEEPER_*` environment variables, then defaults.
 * Everything is checked here, at start, so that a bad value stops the keeper with one line instead of failing
 * later in a tick.
 */
export interface KeeperConfig {
  /** Address book name (`deployments/<network>.json`); undefined when the factory is given directly. */
  network?: string;
  rpcUrl: string;
  /** Hex private key of the signer; undefined only in dry run. */
  privateKey?: string;
  /** Factory address: from `--factory`, or the address book's. */
  factory?: string;
  /** Chain id the RPC must report: the address book's, or `KEEPER_CHAIN_ID`. */
  expectedChainId?: number;
  /** BatchRebalancer address: from `--batcher`, or the address book's; undefined: one transaction per token. */
  batcher?: string;
  /** At most this many tokens per batch transaction (the contract takes up to 256). */
  maxBatch: number;
  pollIntervalMs: number;
  /** Gas limit = estimate x margin. */
  gasLimitMargin: number;
  /** Cap on maxFeePerGas, in wei. */
  maxFeePerGas: bigint;
  confirmations: number;
  /** How long to wait for a receipt before replacing the transaction at the same nonce. */
  txTimeoutMs: number;
  /** How many times a stuck transaction is replaced before the keeper leaves it pending. */
  maxReplacements: number;
  /** Bounded exponential backoff for RPC errors. */
  rpcRetries: number;
  rpcBackoffMs: number;
  /** Below this signer balance (wei) the keeper warns each tick. */
  minBalance: bigint;
  dryRun: boolean;
  once: boolean;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  logFormat: "json" | "pretty";
  /** Loopback port of /metrics and /healthz; undefined: no server. */
  metricsPort?: number;
}

/** A configuration error: main prints its message on one line and exits with code 2. */
export class ConfigError extends Error {}

/** Each setting: its flag, its environment variable, and whether it is a boolean switch. */
const SETTINGS = {
  network: { flag: "--network", env: "KEEPER_NETWORK" },
  rpcUrl: { flag: "--rpc-url", env: "KEEPER_RPC_URL" },
  privateKey: { flag: undefined, env: "KEEPER_PRIVATE_KEY" },
  factory: { flag: "--factory", env: "KEEPER_FACTORY" },
  chainId: { flag: "--chain-id", env: "KEEPER_CHAIN_ID" },
  batcher: { flag: "--batcher", env: "KEEPER_BATCHER" },
  maxBatch: { flag: "--max-batch", env: "KEEPER_MAX_BATCH" },
  pollInterval: { flag: "--poll-interval", env: "KEEPER_POLL_INTERVAL_MS" },
  gasLimitMargin: { flag: "--gas-limit-margin", env: "KEEPER_GAS_LIMIT_MARGIN" },
  maxFeeGwei: { flag: "--max-fee-gwei", env: "KEEPER_MAX_FEE_GWEI" },
  confirmations: { flag: "--confirmations", env: "KEEPER_CONFIRMATIONS" },
  txTimeout: { flag: "--tx-timeout", env: "KEEPER_TX_TIMEOUT_MS" },
  maxReplacements: { flag: "--max-replacements", env: "KEEPER_MAX_REPLACEMENTS" },
  rpcRetries: { flag: "--rpc-retries", env: "KEEPER_RPC_RETRIES" },
  rpcBackoff: { flag: "--rpc-backoff", env: "KEEPER_RPC_BACKOFF_MS" },
  minBalance: { flag: "--min-balance", env: "KEEPER_MIN_BALANCE_ETH" },
  dryRun: { flag: "--dry-run", env: "KEEPER_DRY_RUN", switch: true },
  once: { flag: "--once", env: "KEEPER_ONCE", switch: true },
  logLevel: { flag: "--log-level", env: "KEEPER_LOG_LEVEL" },
  logFormat: { flag: "--log-format", env: "KEEPER_LOG_FORMAT" },
  metricsPort: { flag: "--metrics-port", env: "KEEPER_METRICS_PORT" },
} as const;

type SettingName = keyof typeof SETTINGS;

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

const rawSchema = z.object({
  network: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "--network must be a network name like localhost")
    .optional(),
  rpcUrl: z
    .string()
    .url("KEEPER_RPC_URL must be a URL like http://127.0.0.1:8545")
    .refine((u) => /^(https?|wss?):\/\//.test(u), "KEEPER_RPC_URL must be an http(s) or ws(s) URL")
    .optional(),
  privateKey: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, "KEEPER_PRIVATE_KEY must be 32 bytes of hex (64 hex digits)")
    .transform((k) => (k.startsWith("0x") ? k : `0x${k}`))
    .optional(),
  factory: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "--factory must be an address (0x and 40 hex digits)")
    .optional(),
  chainId: positiveInt("KEEPER_CHAIN_ID").optional(),
  batcher: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "--batcher must be an address (0x and 40 hex digits)")
    .optional(),
  maxBatch: positiveInt("KEEPER_MAX_BATCH (tokens per batch transaction)", 256).default("50"),
  pollInterval: positiveInt("KEEPER_POLL_INTERVAL_MS (poll interval, ms)", 86_400_000).default("12000"),
  gasLimitMargin: decimal("KEEPER_GAS_LIMIT_MARGIN")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 5, "KEEPER_GAS_LIMIT_MARGIN must be between 1 and 5 (e.g. 1.25)")
    .default("1.25"),
  maxFeeGwei: decimal("KEEPER_MAX_FEE_GWEI (max fee, gwei)")
    .refine((v) => Number(v) > 0, "KEEPER_MAX_FEE_GWEI must be greater than 0")
    .default("100"),
  confirmations: positiveInt("KEEPER_CONFIRMATIONS", 64).default("1"),
  txTimeout: positiveInt("KEEPER_TX_TIMEOUT_MS", 3_600_000).default("120000"),
  maxReplacements: wholeNumber("KEEPER_MAX_REPLACEMENTS", 20).default("5"),
  rpcRetries: wholeNumber("KEEPER_RPC_RETRIES", 20).default("4"),
  rpcBackoff: positiveInt("KEEPER_RPC_BACKOFF_MS", 60_000).default("500"),
  minBalance: decimal("KEEPER_MIN_BALANCE_ETH").default("0.05"),
  dryRun: switchValue.default("false"),
  once: switchValue.default("false"),
  logLevel: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal"], {
      errorMap: () => ({ message: "KEEPER_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal" }),
    })
    .default("info"),
  logFormat: z
    .enum(["json", "pretty"], { errorMap: () => ({ message: "KEEPER_LOG_FORMAT must be json or pretty" }) })
    .default("json"),
  metricsPort: wholeNumber("KEEPER_METRICS_PORT", 65_535).optional(),
});

/** Reads flags (`--name value`, `--name=value`, switches bare) over `KEEPER_*` variables. */
export function collectSettings(argv: string[], env: NodeJS.ProcessEnv): Partial<Record<SettingName, string>> {
  const byFlag = new Map<string, SettingName>();
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (setting.flag) byFlag.set(setting.flag, name as SettingName);
  }
  const values: Partial<Record<SettingName, string>> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const value = env[setting.env];
    if (value !== undefined && value !== "") values[name as SettingName] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`unknown option ${argv[i]} (see docs/KEEPER.md)`);
    if ("switch" in SETTINGS[name]) {
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
  const parsed = rawSchema.safeParse(collectSettings(argv, env));
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0].message);
  const raw = parsed.data;

  let factory = raw.factory;
  let batcher = raw.batcher;
  let expectedChainId = raw.chainId;
  if (raw.network) {
    let book: BookAddresses;
    try {
      book = readBook(raw.network);
    } catch (error) {
      throw new ConfigError(error instanceof Error ? error.message : String(error));
    }
    factory ??= book.factory;
    batcher ??= book.batcher;
    if (expectedChainId !== undefined && expectedChainId !== book.chainId) {
      throw new ConfigError(
        `KEEPER_CHAIN_ID ${expectedChainId} does not match the ${raw.network} address book's ${book.chainId}`,
      );
    }
    expectedChainId = book.chainId;
  }
  if (!factory) throw new ConfigError("no factory: give --network <name> (an address book) or --factory 0x..");

  const rpcUrl = raw.rpcUrl ?? (raw.network === "localhost" ? "http://127.0.0.1:8545" : undefined);
  if (!rpcUrl) throw new ConfigError("KEEPER_RPC_URL (or --rpc-url) is required");
  if (!raw.privateKey && !raw.dryRun) {
    throw new ConfigError("KEEPER_PRIVATE_KEY is required (or run with --dry-run, which never signs)");
  }
  const maxFeePerGas = parseUnits(raw.maxFeeGwei, 9);
  if (maxFeePerGas === 0n) throw new ConfigError("KEEPER_MAX_FEE_GWEI must be at least 1 wei");

  return {
    network: raw.network,
    rpcUrl,
    privateKey: raw.privateKey,
    factory,
    expectedChainId,
    batcher,
    maxBatch: raw.maxBatch,
    pollIntervalMs: raw.pollInterval,
    gasLimitMargin: raw.gasLimitMargin,
    maxFeePerGas,
    confirmations: raw.confirmations,
    txTimeoutMs: raw.txTimeout,
    maxReplacements: raw.maxReplacements,
    rpcRetries: raw.rpcRetries,
    rpcBackoffMs: raw.rpcBackoff,
    minBalance: parseUnits(raw.minBalance, 18),
    dryRun: raw.dryRun,
    once: raw.once,
    logLevel: raw.logLevel,
    logFormat: raw.logFormat,
    metricsPort: raw.metricsPort,
  };
}
