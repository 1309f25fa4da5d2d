import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { runDemo } from "../../scripts/demo";

describe("npm run demo", () => {
  it("plays every story on the in-process chain and writes its charts", async () => {
    const snapshot = await takeSnapshot();
    const outDir = mkdtempSync(path.join(tmpdir(), "demo-"));
    const lines: string[] = [];
    try {
      const { outcomes, charts } = await runDemo(hre, { outDir, log: (line) => lines.push(line) });
      const byName = (prefix: string) => {
        const found = outcomes.find((s) => s.name.startsWith(prefix));
        if (!found) throw new Error(`no story ${prefix}`);
        return found;
      };
      // 1,000 USDC -> about 1,600 (fees of the local deployment take a few USDC)
      expect(byName("1,000 USDC").token).to.be.within(0.59, 0.6);
      expect(byName("BTC2L, +5%").token).to.be.within(0.099, 0.1);
      expect(byName("BTC2L, -5%").token).to.be.within(-0.101, -0.1);
      const choppy = byName("choppy week");
      expect(choppy.underlying).to.be.closeTo(-0.0075, 1e-4);
      expect(choppy.token).to.be.lessThan(-0.066); // worse than 1.15^3 x 0.85^3 - 1 (fees)
      // One number for the week: the table's last NAV is the summary's (after the last rebalance).
      expect(lines.join("\n")).to.match(new RegExp(`day 6 .* -0\\.75% +${(choppy.token * 100).toFixed(2)}% `));
      const crash = byName("crash");
      expect(crash.token).to.be.greaterThan(crash.ruleOfThumb); // the drift trigger cut the loss
      expect(lines.join("\n")).to.contain("rebalance (drift)");
      expect(byName("gap").token).to.equal(-1);
      expect(byName("DEX").token).to.be.within(0.1, 0.3);
      // The DEX story: after one arbitrage pass the pool is within the round-trip fees of NAV, whatever the move;
      // carol's sell at the pool's discount went to a redeem at NAV.
      const dex = lines.join("\n").split("== BTC3L on the DEX")[1];
      for (const move of ["+10%", "-10%", "-30%"]) {
        const row = dex.split("\n").find((line) => line.startsWith(move));
        const after = Number(row?.trim().split(/\s+/).pop()?.replace("%", ""));
        expect(Math.abs(after), `premium after ${move}`).to.be.lessThan(0.6);
      }
      expect(dex).to.match(/sells [\d.]+ BTC3L .* redeem /);
      expect(charts).to.have.length(4);
      for (const file of charts) expect(existsSync(file), file).to.equal(true);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
      await snapshot.restore();
    }
  });
});
