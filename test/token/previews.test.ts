import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { ContractTransactionReceipt } from "ethers";
import type { LeveragedToken, PreviewProbe } from "../../typechain-types";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem, type AttackSystem } from "../attacks/setup";

const RUNS = Number(process.env.PREVIEW_RUNS ?? 30);

/**
 * Previews never overstate (the ERC-4626 promise), and here they are exact: `previewMint` and `previewRedeem`, asked
 * in the same call as the action (contracts/mocks/PreviewProbe.sol), equal what the action gives in every branch:
 * the first mint (dead shares), above the band (the action rebalances first), a dust account (no position; a dust
 * account's open position closed first), a redeem that leaves dust (closes the whole position), the settled-margin
 * cap of a redeem, a value <= 0 (mint refused, redeem wipes out), after a wipe-out. No keeper runs here, so the
 * sequences reach every corner; fees, the taker fee, funding and the management fee are all on.
 */
describe("LeveragedToken: previews are exact in every branch (property)", () => {
  async function system() {
    const s = await attackSystem(
      { mintFeeBps: 10, redeemFeeBps: 20, managementFeePerYear: wad("0.0365") },
      { takerFeeBps: 5, fundingRatePerYear: wad("0.2") },
    );
    const probe = await ethers.deployContract("PreviewProbe");
    for (const who of [s.alice, s.bob]) {
      for (const spender of [probe, s.exchange]) await s.usdc.connect(who).approve(spender, ethers.MaxUint256);
      for (const token of [s.long, s.short]) await token.connect(who).approve(probe, ethers.MaxUint256);
    }
    return { ...s, probe };
  }

  type Branch = "first" | "rebalanceFirst" | "dust" | "closeAll" | "wipeOut" | "wipedOut" | "underWater" | "plain";
  const seen = new Map<Branch, number>();
  const count = (branch: Branch) => seen.set(branch, (seen.get(branch) ?? 0) + 1);

  /** The probe's preview and result, and what the receipt says about the branch taken. */
  async function probed(s: AttackSystem & { probe: PreviewProbe }, receipt: ContractTransactionReceipt | null) {
    const event = receipt!.logs.map((log) => s.probe.interface.parseLog(log)).find((e) => e?.name === "Probed");
    const names = receipt!.logs.map((log) => s.long.interface.parseLog(log)?.name);
    return { preview: event!.args.preview as bigint, actual: event!.args.actual as bigint, names };
  }

  async function mint(s: AttackSystem & { probe: PreviewProbe }, token: LeveragedToken, who: number, amount: bigint) {
    const signer = [s.alice, s.bob][who];
    const supply = await token.totalSupply();
    const value = await token.equity();
    const preview = await token.previewMint(amount);
    const receipt = await s.probe
      .connect(signer)
      .mint(token, s.usdc, amount, signer.address, false)
      .then((tx) => tx.wait())
      .catch(() => null);
    if (receipt === null) {
      // A refused mint: the preview says 0 where the reason is the token's state (value <= 0, too small, 0 shares).
      if (!(await token.wipedOut()) && value > 0n && supply > 0n) return;
      expect(preview, "previewMint of a mint the state refuses").to.equal(0n);
      if (supply > 0n && value === 0n) count("underWater");
      return;
    }
    const { preview: p, actual, names } = await probed(s, receipt);
    expect(actual, "previewMint = mint").to.equal(p);
    if (supply === 0n) count("first");
    else if (names.includes("Rebalanced")) count("rebalanceFirst");
    else if ((await token.positionSize()) === 0n) count("dust");
    else count("plain");
  }

  async function redeem(s: AttackSystem & { probe: PreviewProbe }, token: LeveragedToken, who: number, pct: bigint) {
    const signer = [s.alice, s.bob][who];
    const shares = ((await token.balanceOf(signer.address)) * pct) / 100n;
    if (shares === 0n) return;
    const wasWipedOut = await token.wipedOut();
    const receipt = await (await s.probe.connect(signer).redeem(token, shares, signer.address)).wait();
    const { preview, actual, names } = await probed(s, receipt);
    expect(actual, "previewRedeem = redeem").to.equal(preview);
    if (wasWipedOut) count("wipedOut");
    else if (names.includes("WipedOut")) count("wipeOut");
    else if (names.includes("Rebalanced")) count("rebalanceFirst");
    else if ((await token.positionSize()) === 0n) count("closeAll");
    else count("plain");
  }

  const command = fc.oneof(
    fc.record({
      kind: fc.constant("mint" as const),
      t: fc.nat(1),
      who: fc.nat(1),
      amount: fc.oneof(fc.bigInt(1n, 20_000n), fc.bigInt(usdc(1), usdc(20_000)), fc.bigInt(101n, 9_000n)),
    }),
    fc.record({ kind: fc.constant("redeem" as const), t: fc.nat(1), who: fc.nat(1), pct: fc.bigInt(1n, 100n) }),
    fc.record({ kind: fc.constant("price" as const), bps: fc.integer({ min: -4_500, max: 4_500 }) }),
    fc.record({ kind: fc.constant("price" as const), bps: fc.constantFrom(-4_000, 4_000) }), // a gap beyond 1/L
    fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 86_400 }) }),
    fc.record({ kind: fc.constant("donate" as const), t: fc.nat(1), amount: fc.bigInt(1n, usdc(100)) }),
  );

  it(`previewMint and previewRedeem equal mint and redeem, whatever came before (${RUNS} runs)`, async function () {
    this.timeout(0);
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), async (commands) => {
        const s = await loadFixture(system);
        const tokens = [s.long, s.short];
        let price = feedPrice(50_000);
        for (const c of commands) {
          if (c.kind === "mint") await mint(s, tokens[c.t], c.who, c.amount);
          else if (c.kind === "redeem") await redeem(s, tokens[c.t], c.who, c.pct);
          else if (c.kind === "donate") await s.exchange.connect(s.bob).deposit(0, tokens[c.t], c.amount);
          else {
            if (c.kind === "time") await time.increase(c.seconds);
            else price = (price * BigInt(10_000 + c.bps)) / 10_000n || 1n;
            await s.btcFeed.updateAnswer(price);
          }
        }
      }),
      { numRuns: RUNS, seed: 4242 },
    );
    console.log(`      branches: ${[...seen].map(([branch, n]) => `${branch} ${n}`).join(", ")}`);
    // Every branch was met (the seed is fixed, so this is deterministic).
    for (const branch of ["first", "rebalanceFirst", "dust", "closeAll", "wipeOut", "plain"] as Branch[]) {
      expect(seen.get(branch) ?? 0, `branch ${branch} exercised`).to.be.greaterThan(0);
    }
  });
});
