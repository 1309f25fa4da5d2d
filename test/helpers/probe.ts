import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { LeveragedToken, MockStablecoin, PerpExchange, PreviewProbe } from "../../typechain-types";
import { ethers } from "hardhat";

/** What a mint through the PreviewProbe showed: the preview, the shares, and the taker fee of the mint's own trade. */
export interface ProbedMint {
  preview: bigint;
  shares: bigint;
  /** Collateral units, rounded up: the fee of the last trade of the token's account in the transaction (0 if none). */
  takerFee: bigint;
}

/**
 * `who` mints `amount` of `token` through `probe` (which must be approved for the stablecoin): the preview and the
 * mint in one call. With `atPreview`, minSharesOut is the preview (a careful wallet). Rejects if the mint reverts.
 */
export async function probeMint(
  probe: PreviewProbe,
  token: LeveragedToken,
  stablecoin: MockStablecoin,
  who: HardhatEthersSigner,
  amount: bigint,
  atPreview: boolean,
): Promise<ProbedMint> {
  const receipt = await (await probe.connect(who).mint(token, stablecoin, amount, who.address, atPreview)).wait();
  const probed = receipt!.logs.map((log) => probe.interface.parseLog(log)).find((e) => e?.name === "Probed");
  const exchange: PerpExchange = await ethers.getContractAt("PerpExchange", await token.exchange());
  const account = (await token.getAddress()).toLowerCase();
  const trades = receipt!.logs
    .map((log) => exchange.interface.parseLog(log))
    .filter((e) => e?.name === "Traded" && String(e.args.account).toLowerCase() === account);
  const fee = trades.length === 0 ? 0n : (trades[trades.length - 1]!.args.settlement.fee as bigint);
  return { preview: probed!.args.preview, shares: probed!.args.actual, takerFee: (fee + 10n ** 12n - 1n) / 10n ** 12n };
}

/** What `who`'s shares of `token` are worth at NAV now: balance x equity / supply (pending fee shares counted). */
export async function victimWorth(token: LeveragedToken, who: string): Promise<bigint> {
  const supply = (await token.totalSupply()) + (await token.pendingManagementFeeShares());
  return ((await token.balanceOf(who)) * (await token.equity())) / supply;
}
