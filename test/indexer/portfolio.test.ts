import { expect } from "chai";
import {
  feesPaidOf,
  parsePortfolio,
  portfolioJson,
  portfolioReport,
  portfolioTotals,
} from "../../src/indexer/portfolio";

/*
 * A holder's fees as `lt:portfolio` and the app show them: the mint and redeem fees of its own transactions and its
 * share of the management fee (the API's `dilution`), from the indexer's /portfolio body.
 */

const position = (symbol: string, token: string, feesPaid: string, dilution: string) => ({
  token,
  symbol,
  shares: "2000000000000000000",
  nav: "100000000",
  navBlock: 41,
  value: "200000000",
  costBasis: "201000000",
  realizedPnl: "0",
  unrealizedPnl: "-1000000",
  usdcPaid: "201000000",
  usdcReceived: "0",
  feesPaid,
  dilution,
  trades: 1,
});

const body = {
  account: "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
  positions: [
    position("BTC3L", "0x8daf17a20c9dba35f005b6324f493785d239719d", "200000", "31250"),
    position("BTC3S", "0x1111111111111111111111111111111111111111", "100000", "0"),
  ],
  activity: [],
};

describe("indexer: a holder's fees paid include its share of the management fee", () => {
  const portfolio = parsePortfolio(body);

  it("a position's fees paid are its mint and redeem fees plus its dilution; the totals say how much of it is the management fee", () => {
    expect(portfolio.positions.map(feesPaidOf)).to.deep.equal([231_250n, 100_000n]);
    const totals = portfolioTotals(portfolio.positions);
    expect(totals.feesPaid).to.equal(331_250n);
    expect(totals.managementFee).to.equal(31_250n);
  });

  it("lt:portfolio's table and JSON show them", () => {
    const report = portfolioReport(portfolio, "http://127.0.0.1:42069");
    expect(report).to.contain("of which management fee");
    expect(report).to.contain("fees 0.33 (of which management fee 0.03)");
    const json = portfolioJson(portfolio);
    expect(json.positions[0]).to.include({ feesPaidUsdc: "0.23125", managementFeeUsdc: "0.03125" });
    expect(json.totals).to.include({ feesPaidUsdc: "0.33125", managementFeeUsdc: "0.03125" });
  });
});
