import { ethers } from "hardhat";
import type { LeveragedToken, LeveragedTokenFactory } from "../../typechain-types";
import { deployExchange, type ExchangeSystem, type MarketSettings } from "./fixtures";
import { usdc, WAD } from "./units";

export interface TokenDefaultsInput {
  mintFeeBps?: number;
  redeemFeeBps?: number;
  managementFeePerYear?: bigint;
  interval?: number;
  band?: bigint;
  initialNav?: bigint;
}

export interface System extends ExchangeSystem {
  factory: LeveragedTokenFactory;
  feeRecipient: string;
}

/** Fees and funding 0 unless given: the setting of PRODUCT.md's reference numbers. */
export async function deploySystem(
  defaults: TokenDefaultsInput = {},
  market: Partial<MarketSettings> = {},
): Promise<System> {
  const [admin, , , , , feeRecipient] = await ethers.getSigners();
  const exchangeSystem = await deployExchange(market);
  const deployer = await ethers.deployContract("LeveragedTokenDeployer");
  const factory = await ethers.deployContract("LeveragedTokenFactory", [
    await exchangeSystem.exchange.getAddress(),
    await deployer.getAddress(),
    admin.address,
    {
      fees: {
        mintFeeBps: defaults.mintFeeBps ?? 0,
        redeemFeeBps: defaults.redeemFeeBps ?? 0,
        managementFeePerYear: defaults.managementFeePerYear ?? 0n,
        recipient: feeRecipient.address,
      },
      rebalanceSettings: { interval: defaults.interval ?? 86_400, band: defaults.band ?? WAD / 3n },
      initialNav: defaults.initialNav ?? usdc(100),
      tokenAdmin: admin.address,
    },
  ]);
  return { ...exchangeSystem, factory, feeRecipient: feeRecipient.address };
}

/** Creates (market 0, leverage) and returns the token contract. */
export async function createToken(factory: LeveragedTokenFactory, leverage: bigint): Promise<LeveragedToken> {
  await factory.createToken(0, leverage);
  return ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, leverage));
}

/** Gives `holder` `amount` stablecoin and approves the token to pull it. */
export async function fund(system: ExchangeSystem, holder: { address: string }, spender: string, amount: bigint) {
  const admin = (await ethers.getSigners())[0];
  await system.usdc.connect(admin).mint(holder.address, amount);
  const signer = await ethers.getSigner(holder.address);
  await system.usdc.connect(signer).approve(spender, amount);
}
