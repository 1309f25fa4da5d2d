import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType } from "@nomicfoundation/ignition-core";
import { MaxUint256, parseUnits } from "ethers";
import localSpec from "../../deployments/specs/localhost.json";
import { feedAnswer, FEED_DECIMALS, parseUsdc as usdc } from "../../src/text/units";
import { leverageWad, tokenSymbol } from "../../src/deployment/listing";
import { validateSpec, type DeploymentSpec } from "../../src/deployment/spec";
import { uniswapV2 } from "../../src/dex/uniswapV2";

/**
 * The whole system from a deployment spec: the stablecoin, one price feed per market (deployed, or an existing
 * Chainlink feed), the exchange with its markets and a funded insurance fund, the token factory with its token set,
 * the BatchRebalancer that keepers use, the token lens, the factory's Chainlink Automation upkeep, and optionally
 * Uniswap V2 with seeded pools. Every step has a stable id, so
 * a failed deployment resumes.
 *
 * `inParts` lays the module out for a deployment in parts (`npm run deploy -- --tokens ...`): the core (batcher,
 * lens, periphery, upkeep) does not wait for the tokens and pools, so that a later run may add tokens without
 * changing what the steps already done depended on (Ignition refuses a done step with a new dependency on a step not
 * yet done). The spec's tokens are then in the order they are deployed in: those deployed before first.
 */
export function buildSystemModule(spec: DeploymentSpec, moduleId = "LeveragedTokens", inParts = false) {
  return buildModule(moduleId, (m) => {
    const deployer = m.getAccount(0);

    const stablecoin = m.contract("MockStablecoin", [
      spec.stablecoin.name,
      spec.stablecoin.symbol,
      deployer,
      usdc(spec.stablecoin.faucetPerCall),
      usdc(spec.stablecoin.faucetPerAddress),
    ]);
    const exchange = m.contract("PerpExchange", [stablecoin, deployer]);

    type ContractFuture = Parameters<typeof m.call>[0];
    const feeds: Record<string, ContractFuture> = {};
    const marketIds: Record<string, ReturnType<typeof m.readEventArgument>> = {};
    let previousMarket: ReturnType<typeof m.call> | undefined;
    for (const market of spec.markets) {
      const feed =
        market.feed.kind === "settable"
          ? m.contract(
              "SettablePriceFeed",
              [FEED_DECIMALS, `${market.symbol} / USD`, deployer, feedAnswer(market.feed.initialPrice)],
              { id: `${market.symbol}Feed` },
            )
          : m.contractAt("AggregatorV3Interface", market.feed.address, { id: `${market.symbol}Feed` });
      feeds[market.symbol] = feed;
      // Markets are created one after the other so that their ids follow the spec's order.
      const created = m.call(
        exchange,
        "createMarket",
        [
          market.symbol,
          {
            feed,
            maxPriceAge: market.maxPriceAge,
            takerFeeBps: market.takerFeeBps,
            initialMarginBps: market.initialMarginBps,
            maintenanceMarginBps: market.maintenanceMarginBps,
            liquidationPenaltyBps: market.liquidationPenaltyBps,
            fundingRatePerYear: parseUnits(market.fundingRatePerYear, 18),
          },
        ],
        { id: `createMarket${market.symbol}`, after: previousMarket ? [previousMarket] : [] },
      );
      marketIds[market.symbol] = m.readEventArgument(created, "MarketCreated", "marketId", {
        id: `${market.symbol}MarketId`,
      });
      previousMarket = created;
    }

    const fund = usdc(spec.insuranceFund);
    const mintFund = m.call(stablecoin, "mint", [deployer, fund], { id: "mintInsuranceFund" });
    const approveFund = m.call(stablecoin, "approve", [exchange, fund], {
      id: "approveInsuranceFund",
      after: [mintFund],
    });
    m.call(exchange, "depositToFund", [fund], { id: "depositInsuranceFund", after: [approveFund] });

    const tokenImplementation = m.contract("LeveragedToken", [], { id: "LeveragedTokenImplementation" });
    const d = spec.tokenDefaults;
    const factory = m.contract("LeveragedTokenFactory", [
      exchange,
      tokenImplementation,
      deployer,
      {
        fees: {
          mintFeeBps: d.mintFeeBps,
          redeemFeeBps: d.redeemFeeBps,
          managementFeePerYear: parseUnits(d.managementFeePerYear, 18),
          recipient: d.feeRecipient ?? deployer,
        },
        rebalanceSettings: { interval: d.rebalanceInterval, band: parseUnits(d.band, 18) },
        initialNav: usdc(d.initialNav),
        equityCap: d.equityCap === undefined ? MaxUint256 : usdc(d.equityCap),
        tokenAdmin: deployer,
      },
    ]);

    const tokens: Record<string, ContractFuture> = {};
    let previousToken: ReturnType<typeof m.call> | undefined;
    for (const t of spec.tokens) {
      const symbol = tokenSymbol(t.market, t.leverage);
      const created = m.call(factory, "createToken", [marketIds[t.market], leverageWad(t.leverage)], {
        id: `create${symbol}`,
        after: previousToken ? [previousToken] : [],
      });
      const address = m.readEventArgument(created, "TokenCreated", "token", { id: `${symbol}Address` });
      tokens[symbol] = m.contractAt("LeveragedToken", address, { id: symbol });
      previousToken = created;
    }

    // Keepers rebalance many due tokens in one transaction through it. It needs nothing; deployed after the tokens,
    // it leaves the addresses of the contracts deployed before it as they were.
    const batcher = m.contract("BatchRebalancer", [], {
      after: previousToken && !inParts ? [previousToken] : [factory],
    });
    // Wallets and the app read every token in one call per page through it; read-only, deployed last for the same
    // reason as the batcher.
    const lens = m.contract("LeveragedTokenLens", [], { after: [batcher] });

    const system = {
      stablecoin,
      exchange,
      factory,
      tokenImplementation,
      batcher,
      lens,
      ...prefixed("feed", feeds),
      ...prefixed("token", tokens),
    };
    // One Chainlink Automation upkeep for every token of the factory (the tokens keep their own upkeep too).
    // Deployed last, so that the addresses of everything before it stay as they were. Its keeper rewards go to the
    // deployer (who registers and pays for the upkeep), not to the Automation forwarder that calls it.
    const upkeep = (after: ContractFuture[]) => m.contract("FactoryUpkeep", [factory, batcher, deployer], { after });
    if (spec.dex.kind === "none") return { ...system, upkeep: upkeep([lens]) };

    const { router, dexFactory }: { router: ContractFuture; dexFactory: ArgumentType } =
      spec.dex.kind === "deploy"
        ? (() => {
            const weth = m.contract("WETH9", uniswapV2.weth);
            const uniFactory = m.contract("UniswapV2Factory", uniswapV2.factory, [deployer]);
            return {
              router: m.contract("UniswapV2Router02", uniswapV2.router, [uniFactory, weth]),
              dexFactory: uniFactory,
            };
          })()
        : (() => {
            const existing = m.contractAt("UniswapV2Router02", uniswapV2.router, spec.dex.router);
            return { router: existing, dexFactory: m.staticCall(existing, "factory", [], 0, { id: "DexFactory" }) };
          })();

    const seeded: ReturnType<typeof m.call>[] = [];
    for (const pool of spec.pools) {
      const token = tokens[pool.token];
      const amount = usdc(pool.usdc);
      // Buy the pool's token side at NAV, then add both sides at that price. One pool after the other: an approval
      // to the router replaces the one before it.
      const minted = m.call(stablecoin, "mint", [deployer, amount * 2n], {
        id: `${pool.token}PoolMintUsdc`,
        after: seeded.slice(-1),
      });
      const approveToken = m.call(stablecoin, "approve", [token, amount], {
        id: `${pool.token}PoolApproveToken`,
        after: [minted],
      });
      const bought = m.call(token, "mint", [amount, 1n, deployer], {
        id: `${pool.token}PoolBuy`,
        after: [approveToken],
      });
      const shares = m.readEventArgument(bought, "Minted", "shares", { id: `${pool.token}PoolShares` });
      const approveShares = m.call(token, "approve", [router, shares], { id: `${pool.token}PoolApproveShares` });
      const approveUsdc = m.call(stablecoin, "approve", [router, amount], {
        id: `${pool.token}PoolApproveUsdc`,
        after: [bought],
      });
      seeded.push(
        m.call(router, "addLiquidity", [token, stablecoin, shares, amount, 0n, 0n, deployer, MaxUint256], {
          id: `${pool.token}PoolAddLiquidity`,
          after: [approveShares, approveUsdc],
        }),
      );
    }
    // The periphery: wallets' best-price trades and the arbitrage that holds every pool at NAV. Deployed last, so
    // that the addresses of everything before them stay as they were.
    const after = seeded.length > 0 && !inParts ? seeded : [batcher];
    const tradeRouter = m.contract("TradeRouter", [factory, dexFactory], { after });
    const arbitrage = m.contract("FlashArbitrage", [factory, dexFactory], { after: [tradeRouter] });
    return { ...system, router, tradeRouter, arbitrage, upkeep: upkeep([arbitrage]) };
  });
}

function prefixed<T>(prefix: string, record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [`${prefix}_${key}`, value]));
}

/** The local deployment (`npx hardhat ignition deploy ignition/modules/LeveragedTokens.ts`). */
export default buildSystemModule(validateSpec(localSpec, "deployments/specs/localhost.json"));
