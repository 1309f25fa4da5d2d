import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { abs, COLLATERAL_SCALE, FEED_TO_WAD, WAD, YEAR } from "../../../../src/model/fixedPoint";
import {
  attempt,
  eventsOf,
  expectLiquidation,
  expectOutcome,
  mined,
  mirror,
  mirrorPrice,
  strangerLiquidates,
} from "../mirror";
import { rewardPaid } from "../../../helpers/mirrored";
import { Step } from "../step";
import type { MarketParams, PerpAccountState } from "../../../../src/model/perp/types";
import { LEVERAGES, MAINTENANCE_LEVERAGE, MAX_PRICE_AGE, TAKER_FEE_BPS, type Model, type Real } from "../world";

/** The market's commands: price moves and gaps, time, rebalances by anyone, liquidations. */

export const price = (bps: number) =>
  new Step(`price(${bps / 100}%)`, async (m, r) => {
    const next = (m.price * BigInt(10_000 + bps)) / 10_000n;
    m.price = next > 0n ? next : 1n;
    await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price)));
    m.stale = false;
  });

export const timePasses = (seconds: number, leaveStale: boolean) =>
  new Step(`time(+${seconds}s${leaveStale ? " past maxPriceAge, stale" : ", feed refreshed"})`, async (m, r) => {
    if (leaveStale) {
      await time.increase(MAX_PRICE_AGE + seconds);
      m.stale = true;
    } else {
      await time.increase(seconds);
      await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price))); // the same price, pushed again
      m.stale = false;
    }
  });

/**
 * A long wait: `weeks` weeks and `seconds` more with funding accruing (settled margins can run out: a token's, a
 * trader's), then the same price pushed again so the market is usable (maxPriceAge is 1 h).
 */
export const longWait = (weeks: number, seconds: number) =>
  new Step(`long wait(${weeks} weeks + ${seconds}s, feed refreshed)`, async (m, r) => {
    await time.increase(weeks * 7 * 86_400 + seconds);
    await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(m.price)));
    m.stale = false;
    m.counts.longWaits++;
  });

export const rebalance = (t: number, via: "rebalance" | "unpaid" | "batch") =>
  new Step(`rebalance(token ${t}, ${via})`, async (m, r) => {
    const token = r.tokens[t];
    // Due or not at the transaction's own time (a view answers at the latest block's, a second earlier: an interval
    // that ends in between made this check flaky). The model's action equals the chain's whenever the price is fresh
    // (checks.ts); a stale price makes nothing due.
    const at = BigInt(await time.latest()) + 1n;
    const due = !m.stale && m.exact[t].clone().at(at).rebalanceAction() !== "none";
    await time.setNextBlockTimestamp(at);
    const before = await token.lastRebalanceTime();
    const sizeBefore = await token.positionSize();
    const caller = r.stranger;
    const send =
      via === "rebalance"
        ? () => token.connect(caller).rebalance()
        : via === "unpaid"
          ? () => token.connect(caller).rebalanceFor(ethers.ZeroAddress) // as a TokenUpkeep rebalances
          : async () => (await ethers.getContractAt("BatchRebalancer", r.batch)).connect(caller).rebalance([token]);
    const outcome = await attempt(r, send);
    const label = `rebalance(token ${t}, ${via})`;
    let reward = 0n;
    if (via === "batch") expect(outcome.ok, "a batch never reverts").to.equal(true);
    else if (due) expect(outcome.ok ? "ok" : outcome.name, label).to.equal("ok");
    else expectOutcome(outcome, [m.stale ? "PerpStalePrice" : "LeveragedTokenRebalanceNotDue"], label);
    if (outcome.ok) {
      // Mirrored only when the chain did rebalance (a batch skips a token with nothing due, or whose rebalance
      // reverts); a rebalance with no equity left wipes the token out (WipedOut, no Rebalanced).
      const events = eventsOf(outcome.receipt, token, await token.getAddress()).map((e) => e.name);
      const did = events.includes("Rebalanced") || events.includes("WipedOut");
      if (via !== "batch") expect(did, `${label} succeeded without rebalancing`).to.equal(true);
      if (did) {
        // The keeper reward goes to the stranger's exchange account (a batch passes it on; rebalanceFor(0) pays none).
        const paid = via !== "unpaid";
        ({ reward } = await mirror(m, r, t, outcome.receipt, label, (model) => model.rebalance(paid)));
        expect(rewardPaid(outcome.receipt, r.s.exchange), `${label}: the keeper's reward, chain vs model`).to.equal(
          reward,
        );
        if (reward > 0n) m.counts.rewards++;
        m.counts.rewardUnits += reward;
      }
    }
    const rebalanced = (await token.lastRebalanceTime()) !== before;
    expect(rebalanced && !due, "rebalanced although not due").to.equal(false);
    const size = await token.positionSize();
    if (rebalanced && !(await token.wipedOut()) && size !== 0n) {
      // |l - L| <= |L| x (8 units + 2 x (the taker fee of the rebalance's trade + its keeper reward)) / equity:
      // equity is whole units, and the fee and the reward, paid after the trade was sized, lower equity under an
      // unchanged notional.
      // Leverage is measured on the levered equity: at most the equity cap (what is beyond it is not levered).
      const [equity, cap] = await Promise.all([token.equity(), token.equityCap()]);
      const levered = equity < cap ? equity : cap;
      const traded = abs(sizeBefore - size);
      const feeUnits = (traded * (m.price * 10n ** 10n) * TAKER_FEE_BPS) / 10n ** 18n / 10_000n / 10n ** 12n + 1n;
      const tolerance = (LEVERAGES[0] * (8n + 2n * (feeUnits + reward))) / (levered > 0n ? levered : 1n);
      const notional = await token.positionNotional();
      const leverage = levered > 0n ? (notional * 10n ** 18n) / (levered * 10n ** 12n) : 0n;
      expect(leverage, "leverage on the levered equity after a rebalance").to.be.closeTo(LEVERAGES[t], tolerance);
      // The cap bounds exposure: |notional| <= cap x the band's upper bound (whatever the equity beyond the cap).
      if (cap !== ethers.MaxUint256) {
        const [, upper] = await token.leverageBand();
        expect(abs(notional) * WAD, "|notional| <= cap x upper band after a rebalance").to.be.at.most(
          cap * COLLATERAL_SCALE * upper,
        );
      }
    }
  });

/**
 * Anyone liquidates a token's account on the exchange, as it is or after a price push to `push`x leverage (under
 * the maintenance margin at 40x) or, when negative, under water by notional / |push|; with `liquidate` false the
 * push alone: a gap that leaves the account under water (or deep in drift) for the next command.
 */
export const liquidate = (t: number, push: number | null, doLiquidate: boolean) =>
  new Step(
    `${doLiquidate ? "liquidate" : "gap"}(token ${t}${push === null ? "" : push > 0 ? `, price pushed to ${push}x` : `, under water by notional/${-push}`})`,
    async (m, r) => {
      const account = await r.tokens[t].getAddress();
      const x = m.exact[t];
      let answer = push === null || x.wipedOut ? 0n : pushedAnswer(x, push, BigInt(await time.latest()));
      // Within the gaps the price commands make (-60% .. +150%), which the other side's fund can pay.
      if (answer < (m.price * 4n) / 10n || answer > (m.price * 25n) / 10n) answer = 0n;
      if (answer > 0n) {
        m.price = answer;
        await mirrorPrice(m, await mined(r.s.btcFeed.updateAnswer(answer)));
        m.stale = false;
      }
      if (!doLiquidate) return;
      const model = m.exact[t].at(BigInt(await time.latest()));
      const liquidatable = await r.s.exchange.isLiquidatable(account, r.s.btcMarket);
      // Not liquidatable while the price is stale (liquidate would revert); the model has no staleness.
      expect(liquidatable, "isLiquidatable, chain vs model").to.equal(model.isLiquidatable() && !m.stale);
      if (answer > 0n && push! > MAINTENANCE_LEVERAGE) expect(liquidatable, "pushed").to.equal(true);
      const { outcome, usdcBefore } = await strangerLiquidates(r, account);
      // Anyone may try; the exchange refuses a stale price first, then an account above its maintenance margin.
      expectOutcome(outcome, [m.stale ? "PerpStalePrice" : "PerpNotLiquidatable"], "liquidate");
      if (!outcome.ok) return;
      const paid = await mirror(m, r, t, outcome.receipt, "liquidate", (x) => x.liquidate());
      await expectLiquidation(r, outcome.receipt, usdcBefore, paid);
      await holdersCanRedeem(m, r, t);
      m.liquidations++;
    },
  );

/** After a liquidation every holder can still redeem all its shares, for what the model pays (an eth_call each). */
async function holdersCanRedeem(m: Model, r: Real, t: number): Promise<void> {
  const token = r.tokens[t];
  const now = BigInt(await time.latest());
  for (const who of [...r.actors, await ethers.getSigner(r.s.feeRecipient)]) {
    const shares = await token.balanceOf(who.address);
    if (shares === 0n) continue;
    const out = await token.connect(who).redeem.staticCall(shares, 0, who.address);
    const expected = m.exact[t].clone().at(now).redeem(shares).collateralOut;
    expect(out, `${who.address} redeems all after the liquidation, chain vs model`).to.equal(expected);
  }
}

/**
 * The feed answer at which `push` holds one second after `now`, from a model's account (a token's or a trader's) (rounding aside), or 0 if
 * there is none. Funding pending since the last settlement is size x p x d / (WAD^2 x YEAR), d the funding index
 * accrued since, so the account's value is margin - openNotional + p x size x (WAD x YEAR - d) / (WAD^2 x YEAR);
 * setting it to |size| x p / (WAD x k) gives p.
 */
export function pushedAnswer(x: { state: PerpAccountState; market: MarketParams }, push: number, now: bigint): bigint {
  const { size, openNotional, margin, cumulativeFunding, lastFundingUpdate, fundingIndex } = x.state;
  if (size === 0n) return 0n;
  const accrued = cumulativeFunding + x.market.fundingRatePerYear * (now + 1n - lastFundingUpdate) - fundingIndex;
  const k = BigInt(push);
  const numerator = (openNotional - margin * COLLATERAL_SCALE) * WAD * WAD * YEAR * k;
  const denominator = size * (WAD * YEAR - accrued) * k - abs(size) * WAD * YEAR;
  if (denominator === 0n) return 0n;
  const price = numerator / denominator;
  return price > 0n ? price / FEED_TO_WAD : 0n;
}
