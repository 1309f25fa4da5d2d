import path from "node:path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { LeveragedToken } from "../../typechain-types";
import { loadCandles } from "../../src/backtest/candleFile";
import { selectRange } from "../../src/backtest/candles";
import { feedPriceWad, FEED_TO_WAD } from "../../src/model/fixedPoint";
import { Random } from "../../src/model/random";
import { MirroredMarket } from "../helpers/mirrored";
import { deploySystem, fund } from "../helpers/system";
import { DAY, usdc, wad } from "../helpers/units";

/**
 * The patient holder's test: a year (or more) of real daily closes, a 3x long and a 3x short rebalanced every day,
 * funding paid every day, holders minting, redeeming, transferring and round-tripping at random, and a trader who
 * holds a 5x long all along and settles its funding every month whatever its value. Everything is replayed on the
 * exact models (src/model) and compared to the wei: every mint's shares, every redeem's payout and fee, every
 * account's margin, position, cost basis and value, and the fund's stablecoin against the models' ledgers.
 *
 * `npm test` runs BTC through the 2020-2021 rally at 10% funding and ETH through the 2022 fall at 50%, one year each
 * with three holders. `npm run fuzz:year` runs longer histories (LONG_RUN=1: October 2020 to the end of 2022, both
 * assets, both rates, five holders); YEAR_SEED replays another draw of the holders' moves.
 */

const ROOT = path.join(__dirname, "..", "..");
const LONG = process.env.LONG_RUN !== undefined;
const SEED = Number(process.env.YEAR_SEED ?? 20201001);

interface Scenario {
  asset: "BTC" | "ETH";
  from: string;
  to: string;
  fundingRatePerYear: bigint;
  holders: number;
  /** Patient holders: a move every ten days or so, small mints: the long token's settled margin can run dry. */
  quiet?: boolean;
}

const SCENARIOS: Scenario[] = LONG
  ? (["BTC", "ETH"] as const).flatMap((asset) =>
      [wad("0.1"), wad("0.5")].map((fundingRatePerYear) => ({
        asset,
        from: "2020-10-01",
        to: "2022-12-31",
        fundingRatePerYear,
        holders: 5,
      })),
    )
  : [
      { asset: "BTC", from: "2020-10-01", to: "2021-09-30", fundingRatePerYear: wad("0.1"), holders: 3 },
      { asset: "ETH", from: "2021-11-01", to: "2022-10-31", fundingRatePerYear: wad("0.5"), holders: 3 },
      { asset: "BTC", from: "2020-10-01", to: "2021-04-13", fundingRatePerYear: wad("0.5"), holders: 3, quiet: true },
    ];

/** What a run measured, for the closing line. */
interface Figures {
  days: number;
  redeems: number;
  /** The largest shortfall of a redeem (payout + fee) from the redeemer's shares at NAV beyond its own trade's taker fee. */
  worstShortfall: bigint;
  roundTrips: number;
  fundingCharged: bigint; // USD WAD paid by the tokens' and the trader's accounts (net of funding received)
  badDebt: bigint; // collateral units, booked for the tokens' accounts
  traderBadDebt: bigint; // booked when the trader (never liquidated) closed, if it was under water
  marginlessDays: number; // days a token's settled margin was 0 while it held a position
  realizations: number; // withdrawals (redeems) that realized unrealized profit beyond a token's settled margin
}

async function run(scenario: Scenario): Promise<Figures> {
  const candles = selectRange(
    loadCandles(path.join(ROOT, `data/${scenario.asset.toLowerCase()}-usd-daily.csv`)),
    scenario.from,
    scenario.to,
  );
  const s = await deploySystem(
    { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365") },
    { takerFeeBps: 5, fundingRatePerYear: scenario.fundingRatePerYear, maxPriceAge: 90_000 },
  );
  // A deep fund: the counterparty of two years of a 3x token's profits.
  const [admin, keeper, trader, ...rest] = await ethers.getSigners();
  await s.usdc.mint(admin.address, usdc(1_000_000_000));
  await s.usdc.connect(admin).approve(await s.exchange.getAddress(), usdc(1_000_000_000));
  await s.exchange.connect(admin).depositToFund(usdc(1_000_000_000));
  const holders = rest.slice(0, scenario.holders);
  const m = await MirroredMarket.of(s);
  await m.push(feedPriceWad(candles[0].close) / FEED_TO_WAD);
  const tokens = [await m.addToken(wad(3)), await m.addToken(wad(-3))];
  for (const who of holders) {
    for (const token of tokens) await fund(s, who, await token.getAddress(), usdc(10_000_000));
  }
  for (const [i, token] of tokens.entries()) await m.mint(token, holders[i % holders.length], usdc(20_000));
  await s.usdc.mint(trader.address, usdc(20_000));
  await s.usdc.connect(trader).approve(await s.exchange.getAddress(), usdc(20_000));
  await m.traderDeposit(trader, usdc(20_000));
  await m.traderTrade(trader, (usdc(100_000) * 10n ** 12n * 10n ** 18n) / m.price()); // 5x long

  const random = new Random(SEED + scenario.holders + Number(scenario.fundingRatePerYear / 10n ** 16n));
  const figures: Figures = {
    days: candles.length - 1,
    redeems: 0,
    worstShortfall: 0n,
    roundTrips: 0,
    fundingCharged: 0n,
    badDebt: 0n,
    traderBadDebt: 0n,
    marginlessDays: 0,
    realizations: 0,
  };
  for (const [day, candle] of candles.slice(1).entries()) {
    await time.increase(DAY - 5n);
    await m.push(feedPriceWad(candle.close) / FEED_TO_WAD);
    for (const token of tokens) {
      await m.rebalanceIfDue(token, keeper);
      const state = await s.exchange.accountState(await token.getAddress(), 0);
      if (state.margin === 0n && state.size !== 0n) figures.marginlessDays++;
    }
    for (let moves = scenario.quiet ? Number(random.int(0, 9) === 0) : random.int(0, 2); moves > 0; moves--) {
      await holderMoves(m, tokens[random.int(0, 1)], holders, random, figures, scenario.quiet ? 500 : 5_000);
    }
    if ((day + 1) % 30 === 0) {
      await m.settleFunding(trader);
      await m.expectBooks(`${scenario.asset} day ${day + 1} (${candle.date})`);
    }
  }
  // Everyone leaves: each redeem its share, to the wei; the trader closes.
  for (const token of tokens) {
    for (const who of [...holders, await ethers.getSigner(s.feeRecipient)]) {
      const shares = await token.balanceOf(who.address);
      if (shares > 0n) await checkedRedeem(m, token, who, shares, figures);
    }
  }
  // The trader was never liquidated: if the fall took it under water, closing books exactly what it is missing.
  const { size } = await s.exchange.accountState(trader.address, 0);
  const at = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
  const value = m.trader(trader).clone().at(at).accountValue(); // at the close's second (the chain's, see expectBooks)
  const fee = (m.price() * (size < 0n ? -size : size) * 5n) / 10n ** 34n; // the close's taker fee, 5 bps
  await time.setNextBlockTimestamp(at);
  if (size !== 0n) await m.traderTrade(trader, -size);
  await m.expectBooks(`${scenario.asset} at the end`);
  const traderDebt = m.trader(trader).ledger.badDebt;
  if (value - fee > 1n) expect(traderDebt, "bad debt for a trader with value left").to.equal(0n);
  else expect(traderDebt, "the trader's bad debt: exactly what it was missing").to.be.closeTo(fee - value, 2n);
  figures.fundingCharged = await fundingCharged(m, [...tokens.map((t) => String(t.target)), trader.address]);
  for (const token of tokens) {
    const settled = await s.exchange.queryFilter(s.exchange.filters.AccountSettled(String(token.target)));
    figures.realizations += settled.filter((e) => e.args.realizedPnl > 0n).length;
  }
  figures.badDebt = m.tokens.reduce((sum, t) => sum + t.model.ledger.badDebt, 0n);
  figures.traderBadDebt = traderDebt;
  return figures;
}

/** One holder's move on `token`: a mint, a redeem (part or all), a transfer or a round trip. */
async function holderMoves(
  m: MirroredMarket,
  token: LeveragedToken,
  holders: HardhatEthersSigner[],
  random: Random,
  figures: Figures,
  largest: number,
): Promise<void> {
  const who = holders[random.int(0, holders.length - 1)];
  const shares = await token.balanceOf(who.address);
  const move = random.int(0, 9);
  if (move < 4 || shares === 0n) {
    await m.mint(token, who, usdc(random.int(10, largest)));
  } else if (move < 7) {
    const part = random.int(1, 100);
    await checkedRedeem(m, token, who, part === 100 ? shares : (shares * BigInt(part)) / 100n, figures);
  } else if (move < 9) {
    const to = holders[random.int(0, holders.length - 1)];
    await token.connect(who).transfer(to.address, (shares * BigInt(random.int(1, 100))) / 100n);
  } else {
    await m.roundTrip(token, who, usdc(random.int(10, largest)));
    figures.roundTrips++;
  }
}

/**
 * A redeem checked twice: its payout and fee equal the model's (MirroredMarket.redeem), and together they are the
 * redeemer's shares at NAV less its own trade's taker fee (5 bps of its notional, or of the whole position when what
 * stays is dust and the redeem closes it), to 2 units.
 */
async function checkedRedeem(
  m: MirroredMarket,
  token: LeveragedToken,
  who: HardhatEthersSigner,
  shares: bigint,
  figures: Figures,
): Promise<void> {
  if (shares === 0n) return;
  const { paid, fee, worth, takerFee } = await m.redeem(token, who, shares);
  const shortfall = worth - takerFee - (paid + fee);
  expect(shortfall, `a redeem of ${shares} worth ${worth} at NAV was paid ${paid} + fee ${fee}`).to.be.at.most(2n);
  if (shortfall > figures.worstShortfall) figures.worstShortfall = shortfall;
  figures.redeems++;
}

/** Funding the accounts paid (USD WAD, net of what they received), from the exchange's events. */
async function fundingCharged(m: MirroredMarket, accounts: string[]): Promise<bigint> {
  let sum = 0n;
  for (const account of accounts) {
    for (const event of await m.s.exchange.queryFilter(m.s.exchange.filters.Traded(account))) {
      sum += event.args.settlement.fundingPaid;
    }
    for (const event of await m.s.exchange.queryFilter(m.s.exchange.filters.AccountSettled(account))) {
      sum += event.args.fundingPaid;
    }
  }
  return sum;
}

describe(`A year of real prices, funding every day (${LONG ? "long run" : "npm test's size"})`, () => {
  for (const scenario of SCENARIOS) {
    const rate = `${Number(scenario.fundingRatePerYear / 10n ** 16n)}%`;
    it(`${scenario.asset} ${scenario.from} .. ${scenario.to}, funding ${rate} a year: every redeem paid its share, to the wei; the books balance`, async function () {
      this.timeout(0);
      const f = await run(scenario);
      console.log(
        `      ${f.days} days, ${f.redeems} redeems checked against the model (largest shortfall from the share ` +
          `beyond the redeemer's own taker fee: ${f.worstShortfall} units), ${f.roundTrips} round trips, funding ` +
          `charged ${Number(f.fundingCharged / 10n ** 12n) / 1e6} USDC, bad debt ${f.badDebt} units for the tokens ` +
          `(${Number(f.traderBadDebt) / 1e6} USDC for the trader, exactly what it was missing), ` +
          `${f.marginlessDays} token-days with no settled margin, ${f.realizations} redeems that realized profit`,
      );
      expect(f.redeems).to.be.greaterThan(10);
      expect(f.badDebt, "no bad debt for the tokens: never under water when closed").to.equal(0n);
    });
  }
});
