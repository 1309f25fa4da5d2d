import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { checkInvariants, everyoneLeaves } from "./harness/checks";
import { COMMANDS } from "./harness/commands/table";
import type { Step } from "./harness/step";
import { fixture, freshModel, noCounts, type Counts, type Real } from "./harness/world";

/**
 * Stateful, model-based property test of two tokens (BTC3L and BTC3S) and two traders on one market, with every fee
 * and funding on. The commands (a table in harness/commands/table.ts, each listed as many times as its weight):
 * mint, redeem (part, all, or `type(uint256).max`), transfer, permit + transferFrom, a mint and a redeem through
 * PreviewProbe (each preview must equal its action), price moves (small, large, gaps from -60% to +150%), time jumps
 * (refreshed, or leaving the price stale) and long waits (1-6 weeks of funding, then a fresh price), rebalance (direct,
 * rebalanceFor(0) as an upkeep does, batch), fee and equity-cap changes, pause/unpause, settings changes by strangers, a mint + redeem in
 * one call, liquidations by anyone (as it is, or after a price push under the maintenance margin or under water) and
 * gaps that leave an account under water; the attacker's moves: redeeming down to 1-1000 share units, mints of 1-100
 * units, donations of up to 1,000,000 USDC to the token's exchange account, to the token and to the exchange,
 * deposits into a token's account that take its equity just below, just above or far above its cap (the operator sets
 * one first if there is none) followed by another actor's mint at the headroom, retiring a wiped-out token and listing
 * its successor, and a victim that mints at minSharesOut = previewMint (its shares must be worth what it paid less the
 * fees, to one share unit's worth); and the exchange's other users, traders of the same market (harness/commands/
 * traders.ts): deposits, trades that open, increase, reduce, close or flip a position up to 110% of what the initial
 * margin allows or are dust (topping up in the same depositAndTrade when short of value), withdrawals down to the
 * maintenance requirement (the largest the model allows, which may realize unrealized profit) or of the whole settled
 * margin, each after a withdrawal one unit above the largest that must revert as the model says
 * (PerpInsufficientMarginBalance or PerpMarginRequirementNotMet), settling their own funding at any time (also with
 * their margin just taken out, so that the funding is charged to the position: the value must not move but for the
 * fund's rounding, exactly as the settlement's numbers say), and liquidations of their accounts by a stranger.
 *
 * The invariants (harness/checks.ts) are checked after every command with one eth_call (contracts/mocks/
 * InvariantLens.sol): the cash identity (margins of the tokens, traders and retired tokens + fund + stray transfers =
 * the exchange's stablecoin), no view reverts but the valuing ones on a price that is not fresh, the dead shares stay,
 * a dust account's position is due to be closed, whatever is due can be done now, wipe-outs are terminal, fees only
 * grow, no mint is priced against a value <= 0, and a token not in drift holds at most its band's upper bound x
 * min(equity, cap) of notional; after a rebalance, |notional| <= cap x the upper bound and the leverage on the levered
 * equity is the target; at the end every holder redeems everything in a random order and the traders close and
 * withdraw.
 *
 * Each token and each trader also has an exact model (src/model/exactToken.ts, src/model/perp/trader.ts), built from
 * the chain's settings when the fixture is. Every transaction that moves an account's money (mints, redeems, round
 * trips, rebalances, price pushes, fee changes, donations and cap deposits, liquidations, wipe-outs, traders'
 * deposits, trades, withdrawals and settlements) is replayed in the model at the block time of its receipt, only when
 * it succeeded on chain (a refusal must be the model's, where the model has the reason). After every command: the
 * token's NAV, equity, supply, pending fee shares, position, margin, leverage, due action and wipe-out flag equal the
 * model's to the wei; every account (tokens', traders', retired tokens') has the model's margin, size, cost basis and
 * value (accountState); the books: the fund holds what it held at the start plus every account's payments to it, net
 * (the models' ledgers: fees, funding, losses less profits, liquidation penalties less the liquidator's reward); and
 * bad debt: the models' grows by exactly what the chain's events booked, each booking only on a trade that closes a
 * position, exactly minus the account's value at the close net of the close's own taker fee (< 0), and that value
 * before the fee is the model's value before the transaction when the close comes first.
 *
 * `npm test`: FUZZ_RUNS (default 100) sequences of 25-40 commands with the fixed seed FUZZ_SEED (default 20250101).
 * `npm run fuzz`: 2,000 sequences, a random seed unless given: `FUZZ_SEED=123 npm run fuzz`. A failure prints the
 * seed, the path and the shrunk command list with its replayPath; replay it with FUZZ_SEED, FUZZ_PATH and
 * FUZZ_REPLAY_PATH (the command list's replayPath), e.g. `FUZZ_RUNS=500 FUZZ_SEED=4242 FUZZ_PATH=5:2:6
 * FUZZ_REPLAY_PATH=Eaa:F npx hardhat test test/fuzz/invariants.fuzz.ts`. The end-of-run totals count the rarer
 * commands and outcomes; a run of 20 or more sequences must have had liquidations, victims' mints, probed previews,
 * trader trades, withdrawals down to the maintenance margin, funding settlements, long waits and cap deposits.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const FUZZ_MODE = process.env.FUZZ_RUNS !== undefined;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : FUZZ_MODE ? Date.now() : 20250101;
const PATH = process.env.FUZZ_PATH;
const REPLAY_PATH = process.env.FUZZ_REPLAY_PATH;
const MIN_COMMANDS = 25;
const MAX_COMMANDS = 40;
/** A progress line every this many sequences (the default run takes minutes). */
const PROGRESS_EVERY = 10;

describe(`LeveragedToken: stateful invariants (${RUNS} sequences of ${MIN_COMMANDS}-${MAX_COMMANDS} commands)`, () => {
  it(`hold after every command (seed ${SEED})`, async function () {
    this.timeout(0);
    let sequences = 0;
    let shrinking = PATH !== undefined; // a replayed path may be a shrunk (shorter) sequence
    const totals = { commands: 0, mirrored: 0, liquidations: 0, victims: 0, probed: 0, retired: 0 };
    const counts: Counts = noCounts();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          // fc.commands picks among its arbitraries uniformly: each is listed as many times as its weight.
          COMMANDS.flatMap((c) => Array<fc.Arbitrary<Step>>(c.weight).fill(c.arbitrary)),
          {
            maxCommands: MAX_COMMANDS,
            size: "max",
            ...(REPLAY_PATH ? { replayPath: REPLAY_PATH } : {}),
          },
        ),
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        async (cmds, order) => {
          // At least MIN_COMMANDS per generated sequence; once one failed, shorter ones may be tried (shrinking).
          if (!shrinking) fc.pre([...cmds].length >= MIN_COMMANDS);
          const fixed = await loadFixture(fixture);
          // A sequence may replace a retired token in its slot: it works on its own copy of the lists.
          const real: Real = { ...fixed, tokens: [...fixed.tokens], retired: [] };
          // Every sequence starts one second after the fixture, whatever the wall clock and the time jumps of the
          // sequences before did to the chain's clock (a long run otherwise found the fixture's price stale).
          await time.setNextBlockTimestamp((await time.latest()) + 1);
          const model = freshModel(real);
          try {
            await checkInvariants(model, real, "the fixture");
            await fc.asyncModelRun(() => ({ model, real }), cmds);
            await everyoneLeaves(model, real, order);
          } catch (error) {
            shrinking = true;
            throw error;
          }
          sequences++;
          totals.commands += model.commands - 2;
          totals.mirrored += model.mirrored;
          totals.liquidations += model.liquidations;
          totals.victims += model.victims;
          totals.probed += model.probed;
          totals.retired += model.retired;
          for (const key of Object.keys(counts) as (keyof Counts)[]) {
            if (key === "rewardUnits") counts.rewardUnits += model.counts.rewardUnits;
            else counts[key] += model.counts[key];
          }
          if (sequences % PROGRESS_EVERY === 0) {
            const seconds = Math.round((Date.now() - started) / 1000);
            console.log(`      ${sequences}/${RUNS} sequences, ${totals.commands} commands, ${seconds} s`);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), verbose: fc.VerbosityLevel.Verbose },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`      ${sequences} sequences, ${totals.commands} commands, ${seconds} s`);
    console.log(
      `      ${totals.mirrored} transactions replayed in the exact models, ${totals.liquidations} liquidations, ` +
        `${totals.victims} victims' mints at the preview, ${totals.probed} probed previews, ${totals.retired} retired`,
    );
    console.log(
      `      traders: ${counts.traderTrades} trades (${counts.traderRefusals} refused as the model said), ` +
        `${counts.maxWithdrawals} withdrawals to the maintenance margin or of the margin ` +
        `(${counts.realizingWithdrawals} realizing profit), ${counts.settlements} funding settlements ` +
        `(${counts.settledOnProfit} charged to the position, ${counts.settleRoundings} lost a unit to rounding), ` +
        `${counts.traderLiquidations} liquidations; ${counts.longWaits} long waits; ${counts.capDeposits} cap deposits ` +
        `(then ${counts.capMints} mints, ${counts.capRefusals} refused for the cap); ${counts.badDebts} closes ` +
        `booked bad debt (${counts.feeDebts} of a value >= 0 before the close's fee); ${counts.rewards} keeper ` +
        `rewards paid, ${counts.rewardUnits} units in all`,
    );
    if (PATH) return; // a replay runs the one (shrunk) sequence of the path
    expect(sequences).to.equal(RUNS);
    expect(totals.commands).to.be.at.least(RUNS * MIN_COMMANDS);
    // The rarer commands are exercised (the default run has dozens of each).
    if (RUNS >= 20) {
      expect(totals.liquidations, "liquidations that went through").to.be.greaterThan(0);
      expect(totals.victims, "victims' mints").to.be.greaterThan(0);
      expect(totals.probed, "probed previews").to.be.greaterThan(0);
      expect(counts.traderTrades, "traders' trades").to.be.greaterThan(0);
      expect(counts.maxWithdrawals, "traders' withdrawals down to the maintenance margin").to.be.greaterThan(0);
      expect(counts.settlements, "traders' funding settlements").to.be.greaterThan(0);
      expect(counts.longWaits, "long waits").to.be.greaterThan(0);
      expect(counts.capDeposits, "deposits around a cap").to.be.greaterThan(0);
      expect(counts.rewards, "keeper rewards paid").to.be.greaterThan(0);
    }
  });
});
