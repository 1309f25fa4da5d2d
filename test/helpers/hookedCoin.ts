import { ethers } from "hardhat";
import type { LeveragedToken, LeveragedTokenFactory, PerpExchange, SettablePriceFeed } from "../../typechain-types";
import { marketConfig, type MarketSettings } from "./system";
import { feedPrice, usdc, wad } from "./units";

/** A test collateral coin with a transfer hook (contracts/mocks/ReentrantStablecoin.sol). */
interface HookedCoin {
  getAddress(): Promise<string>;
  mint(to: string, amount: bigint): Promise<unknown>;
  approve(spender: string, amount: bigint): Promise<unknown>;
}

/**
 * The exchange, its BTC market (at 50,000, `market` settings over the defaults) with an insurance fund of 1,000,000
 * coin, and a factory with a BTC 3x long, all deployed directly on `coin` (a coin with a transfer hook, which the
 * Ignition path does not take). The factory has the local fees (0.1% mint and redeem, to `feeRecipient`), no
 * management fee and no equity cap; the first signer is admin of everything.
 */
export async function systemOnHookedCoin(
  coin: HookedCoin,
  feeRecipient: string,
  market: Partial<MarketSettings> = {},
): Promise<{ exchange: PerpExchange; feed: SettablePriceFeed; factory: LeveragedTokenFactory; token: LeveragedToken }> {
  const [admin] = await ethers.getSigners();
  const exchange = await ethers.deployContract("PerpExchange", [await coin.getAddress(), admin.address]);
  const exchangeAddress = await exchange.getAddress();
  const feed = await ethers.deployContract("SettablePriceFeed", [8, "BTC / USD", admin.address, feedPrice(50_000)]);
  await exchange.createMarket("BTC", marketConfig(await feed.getAddress(), market));
  await coin.mint(admin.address, usdc(1_000_000));
  await coin.approve(exchangeAddress, usdc(1_000_000));
  await exchange.depositToFund(usdc(1_000_000));
  const implementation = await ethers.deployContract("LeveragedToken");
  const factory = await ethers.deployContract("LeveragedTokenFactory", [
    exchangeAddress,
    await implementation.getAddress(),
    admin.address,
    {
      fees: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: 0n, recipient: feeRecipient },
      rebalanceSettings: { interval: 86_400, band: wad(1) / 3n },
      initialNav: usdc(100),
      equityCap: ethers.MaxUint256,
      tokenAdmin: admin.address,
    },
  ]);
  await factory.createToken(0, wad(3));
  const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
  return { exchange, feed, factory, token };
}
