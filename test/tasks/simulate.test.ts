import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { deployLocalSystem, runTask } from "../helpers/tasks";

describe("lt:simulate (real BTC closes replayed on chain against the model)", () => {
  it("replays 60 days of 2022 on BTC3L and BTC3S: the on-chain NAV equals the model's to the wei", async () => {
    await loadFixture(deployLocalSystem);
    for (const token of ["BTC3L", "BTC3S"]) {
      const args = {
        csv: "data/btc-usd-daily.csv",
        market: "BTC",
        token,
        from: "2022-05-01",
        days: "60",
        amount: "1000",
      };
      const result = await runTask("lt:simulate", args);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.stdout).to.contain("the chain and the model agree to the wei");
      expect(result.stdout).to.match(/rebalances\s+(\d+)\s+\1/);
      // Not silent: where it starts, a line every 30 days, and the start and end NAV with the return.
      expect(result.stdout).to.match(
        new RegExp(`^${token}: minted for 1,000 USDC at NAV [\\d.,]+; replaying 59 days from 2022-05-01`, "m"),
      );
      expect(result.stdout).to.match(/^ {2}day 30\/59 \(2022-05-31\): NAV [\d.,]+, \d+ rebalances$/m);
      expect(result.stdout).to.match(
        /^NAV [\d.,]+ -> [\d.,]+ USDC: token -?[\d.]+%, underlying -?[\d.]+% \(compare: npm run backtest/m,
      );
    }
  });

  it("refuses a start date outside the data with one line", async () => {
    await loadFixture(deployLocalSystem);
    const result = await runTask("lt:simulate", {
      csv: "data/btc-usd-daily.csv",
      market: "BTC",
      from: "2030-01-01",
      days: "5",
      amount: "1000",
    });
    expect(result.exitCode).to.equal(1);
    expect(result.stderr).to.equal("error: --from 2030-01-01 is outside the data (2014-09-17 .. 2024-12-07)");
  });
});
