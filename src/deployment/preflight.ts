/**
 * Pre-flight: every external address a deployment spec names is checked on the chain before anything is sent, so
 * that a wrong address costs nothing instead of failing half-way. A Chainlink feed must have code, answer
 * `decimals()` with a USD feed's 8 and `latestRoundData()` with a positive price fresh enough for its market's
 * `maxPriceAge` (else `createMarket` reverts); an existing Uniswap V2 router must have code and name a factory
 * (`factory()`) that has code. Each problem is one sentence saying what is wrong and what to do.
 */
import { Contract, type Provider } from "ethers";
import { duration, formatAmount, utcTime } from "../text/format";
import { FEED_DECIMALS } from "../text/units";
import type { DeploymentSpec } from "./spec";

const FEED_ABI = [
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];
const ROUTER_ABI = ["function factory() view returns (address)"];

export interface PreflightContext {
  /** Where the spec is (for the messages): deployments/specs/<network>.json. */
  specFile: string;
  /** The network's name (for the messages). */
  network: string;
}

/** The problems found, one sentence each; none when every address checks out. */
export async function preflightProblems(
  provider: Provider,
  spec: DeploymentSpec,
  { specFile, network }: PreflightContext,
): Promise<string[]> {
  const problems: string[] = [];
  const latest = await provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const hasCode = async (address: string) => (await provider.getCode(address)) !== "0x";

  for (const [index, market] of spec.markets.entries()) {
    if (market.feed.kind !== "chainlink") continue;
    const { address, source } = market.feed;
    const where = `the ${market.symbol} feed ${address} (${specFile} markets[${index}].feed.address)`;
    const fix = `correct the address from its source (${source}) or make the market's feed "settable"`;
    if (!(await hasCode(address))) {
      problems.push(`${where} has no code on ${network}: ${fix}`);
      continue;
    }
    const feed = new Contract(address, FEED_ABI, provider);
    const decimals = await feed.decimals().then(Number, () => undefined);
    if (decimals === undefined) {
      problems.push(`${where} does not answer decimals(), so it is not a Chainlink feed: ${fix}`);
      continue;
    }
    if (decimals !== FEED_DECIMALS) {
      problems.push(
        `${where} answers with ${decimals} decimals where a USD price feed has ${FEED_DECIMALS}, so it is likely not the ${market.symbol} / USD feed: ${fix}`,
      );
      continue;
    }
    const round = await feed.latestRoundData().then(
      (r: { answer: bigint; updatedAt: bigint }) => r,
      () => undefined,
    );
    if (round === undefined) {
      problems.push(`${where} does not answer latestRoundData(), so it has no price to read: ${fix}`);
      continue;
    }
    if (round.answer <= 0n) {
      problems.push(
        `${where} answers a price of ${formatAmount(round.answer, decimals)} USD, which the exchange refuses: ${fix}`,
      );
      continue;
    }
    const age = now > round.updatedAt ? now - round.updatedAt : 0n;
    if (age > BigInt(market.maxPriceAge)) {
      problems.push(
        `${where} last answered ${formatAmount(round.answer, decimals, 2, true)} USD at ${utcTime(round.updatedAt)}, ${duration(age)} ago, longer than the market's maxPriceAge of ${duration(market.maxPriceAge)}, so creating the market would revert: wait for the feed's next round, or raise maxPriceAge in ${specFile} above the feed's heartbeat`,
      );
    }
  }

  if (spec.dex.kind === "existing") {
    const { router, source } = spec.dex;
    const where = `the Uniswap V2 router ${router} (${specFile} dex.router)`;
    const fix = `correct the address from its source (${source}) or set "dex": { "kind": "deploy" } to deploy Uniswap V2`;
    if (!(await hasCode(router))) {
      problems.push(`${where} has no code on ${network}: ${fix}`);
    } else {
      const factory = await new Contract(router, ROUTER_ABI, provider).factory().then(String, () => undefined);
      if (factory === undefined) {
        problems.push(`${where} does not answer factory(), so it is not a Uniswap V2 router: ${fix}`);
      } else if (!(await hasCode(factory))) {
        problems.push(`${where} names the factory ${factory}, which has no code on ${network}: ${fix}`);
      }
    }
  }
  return problems;
}
