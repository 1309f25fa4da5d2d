import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { rebalanceActionName } from "../../src/chain/enums";
import { ExactTokenModel } from "../../src/model/exactToken";
import { type TokenParams } from "../../src/model/token/types";
import { Random } from "../../src/model/random";
import type { LeveragedToken } from "../../typechain-types";
import { restoreChainAfterEach } from "../helpers/snapshots";
import { deploySystem, fund, type MarketSettings, type TokenDefaultsInput } from "../helpers/system";
import { feedPrice, usdc, wad, WAD } from "../helpers/units";

/**
 * The exact model against the contracts: one random price path (pushes, time jumps of an hour to two days, gaps that
 * cross the band, mints and redeems, and at the end a crash that wipes out the long) replayed on chain block by
 * block and in the model at the same block times. Every state the chain shows must equal the model's to the wei.
 */
const STEPS = 200;

interface Variant {
  name: string;
  defaults: TokenDefaultsInput;
  market: Partial<MarketSettings>;
}

const VARIANTS: Variant[] = [
  { name: "no fees, no funding", defaults: {}, market: {} },
  {
    name: "mint/redeem/management fees, taker fee and funding",
    defaults: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
    market: { takerFeeBps: 5, fundingRatePerYear: wad("0.1") },
  },
];

interface Tracked {
  token: LeveragedToken;
  model: ExactTokenModel;
}

describe("ExactTokenModel: differential replay on chain", () => {
  // Each replay starts from the chain as it was, not from the far future the previous one left behind.
  restoreChainAfterEach();

  for (const variant of VARIANTS) {
    it(`matches a 3x long and a 3x short to the wei over ${STEPS} steps (${variant.name})`, async () => {
      const system = await deploySystem(variant.defaults, variant.market);
      const [, alice, bob] = await ethers.getSigners();
      const marketParams = {
        takerFeeBps: BigInt(variant.market.takerFeeBps ?? 0),
        fundingRatePerYear: variant.market.fundingRatePerYear ?? 0n,
        initialMarginBps: 500n,
      };
      let now = BigInt(await time.latest());
      let price = feedPrice(50_000) * 10n ** 10n;

      /** Sends one transaction in a block of its own at `now + 1`, and moves the clock there. */
      async function send(action: () => Promise<ContractTransactionResponse>): Promise<void> {
        now += 1n;
        await time.setNextBlockTimestamp(now);
        await (await action()).wait();
      }

      const tracked: Tracked[] = [];
      for (const leverage of [wad(3), wad(-3)]) {
        await send(() => system.factory.createToken(0, leverage));
        const token = await ethers.getContractAt("LeveragedToken", await system.factory.tokenFor(0, leverage));
        const fees = await token.fees();
        const settings = await token.rebalanceSettings();
        const params: TokenParams = {
          targetLeverage: leverage,
          band: settings.band,
          interval: settings.interval,
          mintFeeBps: fees.mintFeeBps,
          redeemFeeBps: fees.redeemFeeBps,
          managementFeePerYear: fees.managementFeePerYear,
          initialNav: await token.initialNav(),
        };
        tracked.push({ token, model: new ExactTokenModel(marketParams, params, now, price) });
        for (const holder of [alice, bob]) await fund(system, holder, await token.getAddress(), usdc(1_000_000));
        now = BigInt(await time.latest());
      }

      async function mint(t: Tracked, holder: typeof alice, amount: bigint) {
        const before = await t.token.balanceOf(holder.address);
        await send(() => t.token.connect(holder).mint(amount, 0, holder.address));
        const { shares } = t.model.at(now).mint(amount);
        expect((await t.token.balanceOf(holder.address)) - before).to.equal(shares, "shares minted");
      }

      async function redeem(t: Tracked, holder: typeof alice, shares: bigint) {
        const before = await system.usdc.balanceOf(holder.address);
        await send(() => t.token.connect(holder).redeem(shares, 0, holder.address));
        const { collateralOut } = t.model.at(now).redeem(shares);
        expect((await system.usdc.balanceOf(holder.address)) - before).to.equal(collateralOut, "collateral out");
      }

      async function expectSameState(t: Tracked, step: number) {
        const m = t.model.at(now);
        const where = `step ${step}, ${await t.token.symbol()}`;
        expect(await t.token.navPerShare()).to.equal(m.navPerShare(), `NAV at ${where}`);
        expect(await t.token.equity()).to.equal(m.equity(), `equity at ${where}`);
        expect(await t.token.totalSupply()).to.equal(m.supply, `supply at ${where}`);
        const account = await t.token.getAddress();
        const position = await system.exchange.position(account, 0);
        expect(position.size).to.equal(m.size, `size at ${where}`);
        expect(position.openNotional).to.equal(m.state.openNotional, `open notional at ${where}`);
        expect((await system.exchange.accountState(account, 0)).margin).to.equal(m.state.margin, `margin at ${where}`);
        expect(await t.token.currentLeverage()).to.equal(m.currentLeverage(), `leverage at ${where}`);
        expect(rebalanceActionName(await t.token.rebalanceAction())).to.equal(m.rebalanceAction(), where);
        expect(await t.token.wipedOut()).to.equal(m.wipedOut, `wipe-out at ${where}`);
      }

      for (const t of tracked) await mint(t, alice, usdc(10_000));

      const random = new Random(variant.name.length);
      const steps = { rebalances: 0, drift: 0, mints: 0, redeems: 0 };
      for (let step = 0; step < STEPS; step += 1) {
        const dt = [3_000, 6 * 3_600, 86_400, 86_400, 2 * 86_400][random.int(0, 4)];
        let move = random.normal() * 0.04 * Math.sqrt(dt / 86_400);
        if (step % 17 === 16) move = random.next() < 0.5 ? -0.14 : 0.09; // crosses the band of one side
        if (step === STEPS - 3) move = -0.4; // wipes out the 3x long
        const answer = (price * BigInt(Math.round((1 + move) * 1e8))) / 10n ** 8n / 10n ** 10n;
        price = answer * 10n ** 10n;
        now += BigInt(dt - 1);
        await send(() => system.btcFeed.updateAnswer(answer));
        for (const t of tracked) t.model.setPrice(price, now);

        for (const t of tracked) {
          if (
            t.model
              .clone()
              .at(now + 1n)
              .rebalanceAction() === "none"
          )
            continue;
          await send(() => t.token.rebalance());
          const event = t.model.at(now).rebalance();
          steps.rebalances += 1;
          if (event.action === "drift") steps.drift += 1;
        }
        const t = tracked[step % 2];
        if (step % 7 === 3 && !t.model.wipedOut) {
          await mint(t, bob, usdc(random.int(100, 5_000)));
          steps.mints += 1;
        }
        if (step % 11 === 5) {
          const balance = await t.token.balanceOf(bob.address);
          if (balance > 0n) {
            await redeem(t, bob, (balance * BigInt(random.int(1, 100))) / 100n);
            steps.redeems += 1;
          }
        }
        for (const each of tracked) await expectSameState(each, step);
      }

      // Every path the model has must have been taken: time and drift rebalances, mints, redeems, a wipe-out.
      expect(steps.rebalances).to.be.greaterThan(100);
      expect(steps.drift).to.be.greaterThan(5);
      expect(steps.mints).to.be.greaterThan(20);
      expect(steps.redeems).to.be.greaterThan(10);
      const [long, short] = tracked;
      expect(long.model.wipedOut).to.equal(true);
      expect(short.model.wipedOut).to.equal(false);
      // The holders leave: what the chain pays out equals the model's to the wei, wiped out or not.
      for (const t of tracked) await redeem(t, alice, await t.token.balanceOf(alice.address));
      expect(await short.token.navPerShare()).to.be.greaterThan(0n);
      expect(short.model.currentLeverage()).to.be.closeTo(wad(-3), WAD); // still a 3x short
    });
  }
});
