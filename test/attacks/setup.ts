import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { LeveragedToken } from "../../typechain-types";
import { createToken, deploySystem, fund, type System, type TokenDefaultsInput } from "../helpers/system";
import type { MarketSettings } from "../helpers/fixtures";
import { usdc, wad } from "../helpers/units";

export interface AttackSystem extends System {
  admin: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  attacker: HardhatEthersSigner;
  long: LeveragedToken;
  short: LeveragedToken;
  /** Every address that may hold margin on the exchange here (for the books identity). */
  accounts: string[];
}

/** Stablecoin each of alice, bob and the attacker holds, approved to both tokens. */
export const WALLET = usdc(1_000_000);

/** `deploySystem` with a 3x long and a 3x short on BTC; alice, bob and the attacker funded and approved. */
export async function attackSystem(
  defaults: TokenDefaultsInput = {},
  market: Partial<MarketSettings> = {},
): Promise<AttackSystem> {
  const system = await deploySystem(defaults, market);
  const [admin, alice, bob, attacker] = await ethers.getSigners();
  const long = await createToken(system.factory, wad(3));
  const short = await createToken(system.factory, wad(-3));
  for (const who of [alice, bob, attacker]) {
    await fund(system, who, await long.getAddress(), WALLET);
    await system.usdc.connect(who).approve(await short.getAddress(), WALLET);
    await system.usdc.connect(who).approve(await system.exchange.getAddress(), WALLET);
  }
  const accounts = [admin, alice, bob, attacker].map((s) => s.address);
  accounts.push(system.feeRecipient, await long.getAddress(), await short.getAddress());
  return { ...system, admin, alice, bob, attacker, long, short, accounts };
}

/** What `who` holds of `token` in stablecoin: its wallet plus its shares at previewRedeem (the exit it can take). */
export async function worth(system: System, token: LeveragedToken, who: string): Promise<bigint> {
  const shares = await token.balanceOf(who);
  const exit = shares === 0n ? 0n : await token.previewRedeem(shares);
  return (await system.usdc.balanceOf(who)) + exit;
}
