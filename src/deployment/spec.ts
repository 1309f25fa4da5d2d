import path from "node:path";
import { z } from "zod";
import { readJsonFile, shownPath } from "../node/jsonFile";
import { LEVERAGE_RULE } from "../chain/enums";
import { isListableLeverage, tokenSymbol } from "./listing";

/**
 * What a deployment consists of, per network: the deployment spec `deployments/specs/<network>.json`. The deploy
 * script and the Ignition module are built from it, so one file says everything that differs between networks. (It
 * is the project's own format, not an Ignition parameters file: `npm run deploy` reads it, Ignition's `--parameters`
 * does not.)
 */

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
/** A decimal number in human units, as a string so that no precision is lost ("50000", "0.0365"). */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number as a string");

const feedSpec = z.discriminatedUnion("kind", [
  /** Deploy a SettablePriceFeed (8 decimals) that ORACLE_ROLE holders push prices to. */
  z.object({ kind: z.literal("settable"), initialPrice: decimal }),
  /** Read an existing Chainlink feed; `source` says where the address comes from. */
  z.object({ kind: z.literal("chainlink"), address, source: z.string().min(1) }),
]);

const marketSpec = z.object({
  symbol: z.string().regex(/^[A-Z0-9]{2,10}$/, "an upper-case asset symbol such as BTC"),
  feed: feedSpec,
  maxPriceAge: z.number().int().positive(), // seconds
  takerFeeBps: z.number().int().min(0).max(100),
  initialMarginBps: z.number().int().min(1).max(10_000),
  maintenanceMarginBps: z.number().int().min(1).max(10_000),
  liquidationPenaltyBps: z.number().int().min(0).max(1_000),
  fundingRatePerYear: z.string().regex(/^-?\d+(\.\d+)?$/), // fraction of notional a year, "0.1" = 10%
});

const tokenSpec = z.object({
  market: z.string(),
  leverage: z.number().refine(isListableLeverage, `a leverage must be ${LEVERAGE_RULE}`),
});

const dexSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  /** Deploy Uniswap V2 (factory, WETH9, router) from the npm artifacts. */
  z.object({ kind: z.literal("deploy") }),
  /** Use an existing Uniswap V2 router; `source` says where the address comes from. */
  z.object({ kind: z.literal("existing"), router: address, source: z.string().min(1) }),
]);

export const deploymentSpecSchema = z.object({
  stablecoin: z.object({
    name: z.string().min(1),
    symbol: z.string().min(1),
    faucetPerCall: decimal,
    faucetPerAddress: decimal,
  }),
  insuranceFund: decimal, // stablecoin minted into the exchange's fund at deployment
  markets: z.array(marketSpec).min(1),
  tokenDefaults: z.object({
    mintFeeBps: z.number().int().min(0).max(100),
    redeemFeeBps: z.number().int().min(0).max(100),
    managementFeePerYear: decimal,
    rebalanceInterval: z.number().int().positive(),
    band: decimal,
    initialNav: decimal,
    /** Stablecoin: the most equity a mint may take each new token to; no cap when omitted. */
    equityCap: decimal.optional(),
    feeRecipient: address.optional(), // receives the tokens' fees; the deployer when omitted
  }),
  tokens: z.array(tokenSpec),
  dex: dexSpec,
  /** A pool seeded at NAV on deployment: `usdc` stablecoin of the token and as much stablecoin. */
  pools: z.array(z.object({ token: z.string(), usdc: decimal })),
});

export type DeploymentSpec = z.infer<typeof deploymentSpecSchema>;
export type MarketSpec = z.infer<typeof marketSpec>;

/** Checks a spec's cross-references (tokens name known markets, pools name deployed tokens). */
export function validateSpec(spec: unknown, origin: string): DeploymentSpec {
  const parsed = deploymentSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${origin}: ${issue.path.join(".") || "(root)"} ${issue.message}`);
  }
  const value = parsed.data;
  const markets = new Set(value.markets.map((m) => m.symbol));
  for (const t of value.tokens) {
    if (!markets.has(t.market)) throw new Error(`${origin}: token ${t.market} x${t.leverage} names an unknown market`);
  }
  const tokens = new Set(value.tokens.map((t) => tokenSymbol(t.market, t.leverage)));
  for (const p of value.pools) {
    if (!tokens.has(p.token)) throw new Error(`${origin}: pool ${p.token} names a token that is not deployed`);
    if (value.dex.kind === "none") throw new Error(`${origin}: pool ${p.token} needs a dex`);
  }
  return value;
}

/** The deployment spec of `network` under `root`; the in-process `hardhat` network uses the `localhost` one (both
 * are local chains with settable feeds). */
export function specPath(root: string, network: string): string {
  return path.join(root, "deployments", "specs", `${network === "hardhat" ? "localhost" : network}.json`);
}

/** Reads and validates the deployment spec of `network` (see `specPath`). */
export function loadSpec(root: string, network: string): DeploymentSpec {
  const file = specPath(root, network);
  const json = readJsonFile(
    root,
    file,
    z.unknown(),
    `no deployment spec for network "${network}": create ${shownPath(root, file)}`,
  );
  return validateSpec(json, shownPath(root, file));
}
