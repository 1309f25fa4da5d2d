/**
 * The benchmark's DEX figures: the gas of each FlashArbitrage direction and of the TradeRouter's buys and sells,
 * against Uniswap V2 from the npm artifacts with a pool of the benchmark's 3x long. Loaded by the bench task after
 * compiling.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ContractFactory, MaxUint256, type ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { parseUsdc } from "../src/text/units";
import { planArbitrage, type Plan } from "../src/bots/arbitrage/plan";
import { findPool } from "../src/dex/pool";
import { uniswapV2 } from "../src/dex/uniswapV2";
import { signPermit } from "../src/chain/permit";
import type { LeveragedToken, LeveragedTokenFactory, MockStablecoin, SettablePriceFeed } from "../typechain-types";

export interface DexBenchSystem {
  factory: LeveragedTokenFactory;
  stable: MockStablecoin;
  /** The feed of `token`'s market. */
  feed: SettablePriceFeed;
  token: LeveragedToken;
  admin: HardhatEthersSigner;
  trader: HardhatEthersSigner;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

/**
 * Deploys Uniswap V2, a 10,000 USDC pool of `token`, a FlashArbitrage and a TradeRouter; then moves the price so
 * that the pool is 10% off NAV each way and measures each arbitrage (at the bot's size), and each route of a
 * 100 USDC buy and a half-token sell through the router (with an approval in place, and once with a permit).
 */
export async function measureDex(hre: HardhatRuntimeEnvironment, s: DexBenchSystem): Promise<Record<string, number>> {
  const { ethers } = hre;
  const gas: Record<string, number> = {};
  const { admin, trader, stable, token, feed } = s;
  const deploy = (artifact: typeof uniswapV2.weth, ...args: unknown[]) =>
    new ContractFactory(artifact.abi as never, artifact.bytecode, admin).deploy(...args);
  const weth = await deploy(uniswapV2.weth);
  const dexFactory = await deploy(uniswapV2.factory, admin.address);
  const router = await deploy(uniswapV2.router, dexFactory, weth);
  await (await stable.mint(admin, parseUsdc(20_000))).wait();
  await (await stable.approve(token, parseUsdc(10_000))).wait();
  await (await token.mint(parseUsdc(10_000), 0, admin)).wait();
  const shares = await token.balanceOf(admin);
  await (await token.approve(router, shares)).wait();
  await (await stable.approve(router, parseUsdc(10_000))).wait();
  const addLiquidity = router.getFunction("addLiquidity");
  await (await addLiquidity(token, stable, shares, parseUsdc(10_000), 0, 0, admin, MaxUint256)).wait();
  const flash = await ethers.deployContract("FlashArbitrage", [s.factory, dexFactory]);
  const trade = await ethers.deployContract("TradeRouter", [s.factory, dexFactory]);
  const [dexAddress, tokenAddress, stableAddress] = await Promise.all([
    dexFactory.getAddress(),
    token.getAddress(),
    stable.getAddress(),
  ]);
  const pool = async () => (await findPool(ethers.provider, dexAddress, tokenAddress, stableAddress))!;
  const price = (await feed.latestRoundData())[1];
  const move = async (factor: bigint) => (await feed.updateAnswer((price * factor) / 100n)).wait();
  const arbitrage = async (direction: Plan["direction"]) => {
    const plan = await planArbitrage(token, await pool(), { mintOpen: true });
    if (plan?.direction !== direction)
      throw new Error(`bench: expected a ${direction} arbitrage, planned ${plan?.direction}`);
    return gasOf(flash[direction](token, plan.amount, 0, admin));
  };

  await (await stable.mint(trader, parseUsdc(100_000))).wait();
  await (await stable.connect(trader).approve(trade, MaxUint256)).wait();
  await (await token.connect(trader).approve(trade, MaxUint256)).wait();
  await (await stable.connect(trader).approve(token, parseUsdc(2_000))).wait();
  await (await token.connect(trader).mint(parseUsdc(2_000), 0, trader)).wait();
  const deadline = MaxUint256;
  /** The gas of a router trade, which must have taken `route` (0 pool, 1 NAV). */
  const routed = async (route: number, tx: Promise<ContractTransactionResponse>) => {
    const receipt = (await (await tx).wait())!;
    const event = receipt.logs
      .map((log) => trade.interface.parseLog(log))
      .find((e) => e?.name === "Bought" || e?.name === "Sold");
    if (Number(event?.args.route) !== route) {
      const p = await pool();
      throw new Error(
        `bench: the router took route ${event?.args.route}, not ${route} (pool ${p.tokenReserve}/${p.stableReserve}, NAV ${await token.navPerShare()}, leverage ${await token.currentLeverage()})`,
      );
    }
    return Number(receipt.gasUsed);
  };
  const buy = (route: number) => routed(route, trade.connect(trader).buy(token, parseUsdc(100), 0, trader, deadline));
  const sell = (route: number) =>
    routed(route, trade.connect(trader).sell(token, hre.ethers.parseUnits("0.5", 18), 0, trader, deadline));

  // BTC +3% (NAV about +9%): the pool is below NAV.
  await move(103n);
  gas["trade router: buy (pool)"] = await buy(0);
  gas["trade router: sell (redeem)"] = await sell(1);
  gas["arbitrage: buy from the pool and redeem"] = await arbitrage("buyAndRedeem");
  // BTC -4% from the start: the pool is above NAV.
  await move(96n);
  gas["trade router: buy (mint)"] = await buy(1);
  gas["trade router: sell (pool)"] = await sell(0);
  gas["arbitrage: mint and sell to the pool"] = await arbitrage("mintAndSell");

  // The pool is back at NAV within the fees: a buy mints. With a permit instead of the approval.
  await (await stable.connect(trader).approve(trade, 0)).wait();
  const amount = parseUsdc(100);
  const { v, r, s: sig } = await signPermit(trader, stable, await trade.getAddress(), amount, deadline);
  gas["trade router: buy with permit (mint)"] = await routed(
    1,
    trade.connect(trader).buyWithPermit(token, amount, 0, trader, { deadline, v, r, s: sig }),
  );
  return gas;
}
