import { expect } from "chai";
import {
  costSentence,
  entryFee,
  holdingCost,
  outcomeRange,
  rangeOptions,
  type HoldingInput,
} from "../../src/holder/cost";
import { realizedVolatility, recentCloses, VOLATILITY_WINDOW_DAYS } from "../../src/holder/volatility";
import { loadCandles } from "../../src/backtest/candleFile";
import { flatUnderlyingReturn, runMonteCarlo } from "../../src/model/monteCarlo";
import { expm1, feeUp } from "../../src/model/token/types";
import { usdc, wad, WAD } from "../helpers/units";

/** 1,000 USDC into a 3x long with the local deployment's fees and funding, held 30 days at 60% volatility. */
const INPUT: HoldingInput = {
  amount: usdc(1000),
  route: "nav",
  leverage: wad(3),
  mintFeeBps: 10n,
  managementFeePerYear: wad("0.0365"),
  fundingRatePerYear: wad("0.1"),
  days: 30,
  volatility: 0.6,
};

describe("the cost before a trade (src/holder/cost.ts)", () => {
  it("the entry fee is the token's mint fee (rounded up, as the token takes it) or the pool's 0.3%", () => {
    expect(entryFee("nav", usdc(1000), 10n)).to.equal(usdc(1));
    expect(entryFee("nav", 1001n, 10n))
      .to.equal(feeUp(1001n, 10n))
      .and.to.equal(2n);
    expect(entryFee("pool", usdc(1000), 10n)).to.equal(usdc(3));
  });

  it("fees in stablecoin units: the mint fee, the management fee's dilution over the period, funding at today's rate", () => {
    const cost = holdingCost(INPUT);
    const held = usdc(999);
    expect(cost.entryFee).to.equal(usdc(1));
    // The token's ManagementFee: fee shares = supply x (e^x - 1) with x = rate x 30/365: the holder keeps 1/e^x.
    const supply = wad(1_000_000);
    const feeShares = (supply * expm1((wad("0.0365") * 30n) / 365n)) / WAD;
    const diluted = (held * feeShares) / (supply + feeShares);
    expect(cost.managementFee - diluted).to.be.within(0n, 1n);
    expect(cost.managementFee).to.equal(2_992_509n); // 999 x (1 - e^-0.003)
    // 3 x 999 USDC of notional at 10% a year for 30 days: 24.632876 USDC, paid by a long.
    expect(cost.funding).to.equal(24_632_876n);
    expect(cost.fees).to.equal(cost.entryFee + cost.managementFee + cost.funding);
    // A short receives what a long pays.
    expect(holdingCost({ ...INPUT, leverage: wad(-3) }).funding).to.equal(-24_632_876n);
  });

  it("the drag is the model's flat-market cost at the volatility, on what is held", () => {
    const { drag } = holdingCost(INPUT);
    const model = -flatUnderlyingReturn(3, 0.6, 30);
    expect(drag!.fraction).to.equal(model);
    expect(drag!.usdc).to.equal((usdc(999) * BigInt(Math.round(model * 1e9))) / 1_000_000_000n);
    expect(drag!.usdc).to.equal(84_856_413n); // 1 - e^(-(9 - 3) x 0.36 x 30/365 / 2): about 8.5% of 999 USDC
    expect(holdingCost({ ...INPUT, volatility: undefined }).drag).to.equal(undefined);
  });

  it("the range is the Monte Carlo's 5% and 95% of the token against L x the underlying, fees and funding in", () => {
    const volatility = 0.6;
    const options = rangeOptions({ ...INPUT, volatility });
    expect(options).to.deep.equal({
      leverage: 3,
      volatility,
      days: 30,
      paths: 5000,
      managementFeePerYear: 0.0365,
      fundingRatePerYear: 0.1,
      seed: 1,
    });
    const result = runMonteCarlo(options);
    const range = outcomeRange(result.summary);
    // The token's return minus 3 x the underlying's, path by path: the expected drag lies inside the range (large
    // moves either way compound in the token's favour, so the top of the range is a gain against 3x).
    expect(range.p5).to.be.below(-holdingCost(INPUT).drag!.fraction);
    expect(range.p95).to.be.above(0);
    expect(runMonteCarlo(options).summary.againstUnderlyingP5).to.equal(range.p5); // seeded: the same every time
  });

  it("says it in one sentence, in human units", () => {
    const cost = holdingCost(INPUT);
    const names = { symbol: "BTC3L", market: "BTC" };
    expect(costSentence(INPUT, cost, names, { p5: -0.2104, p95: 0.0312 })).to.equal(
      "Holding 1,000 USDC of BTC3L for 30 days costs about 28.63 USDC in fees (mint fee 1, management fee 2.99, " +
        "funding 24.63 at today's 10%/yr) and an expected 8.5% (84.86 USDC) in volatility drag at BTC's recent 60% " +
        "volatility; 5-95% of outcomes end -21.0% to +3.1% against 3x BTC's move",
    );
    // A short receives the funding a long pays: said so, and the total as a gain when it outweighs the fees.
    const short = { ...INPUT, leverage: wad(-3), volatility: undefined };
    expect(costSentence(short, holdingCost(short), { symbol: "BTC3S", market: "BTC" })).to.match(
      /^Holding 1,000 USDC of BTC3S for 30 days gains about 20\.64 USDC net of fees \(mint fee 1, management fee 2\.99, funding received 24\.63 at today's 10%\/yr\); /,
    );
    expect(costSentence({ ...INPUT, route: "pool", volatility: undefined }, cost, names)).to.match(
      /\(pool fee 1, .*; the volatility drag is not estimated: no recent volatility of BTC is known$/,
    );
  });

  it("realized volatility: the squared log returns over the years they span", () => {
    const day = 86_400;
    // +r, -r, +r, ... every day: sigma = r x sqrt(365).
    const r = 0.02;
    const points = Array.from({ length: 31 }, (_, i) => ({ time: i * day, price: 100 * Math.exp(i % 2 ? r : 0) }));
    expect(realizedVolatility(points)).to.be.closeTo(r * Math.sqrt(365), 1e-12);
    // Too few returns: no estimate.
    expect(realizedVolatility(points.slice(0, 5))).to.equal(undefined);
    // data/'s last 30 days of BTC (to 2024-12-07): one point a day, about 50% a year.
    const closes = recentCloses(loadCandles("data/btc-usd-daily.csv"));
    expect(closes).to.have.length(VOLATILITY_WINDOW_DAYS + 1);
    expect(closes.at(-1)!.time - closes[0].time).to.equal(VOLATILITY_WINDOW_DAYS * day);
    expect(realizedVolatility(closes)).to.be.within(0.3, 0.9);
  });
});
