import { expect } from "chai";
import hre from "hardhat";
import { parseUnits } from "ethers";
import { feeAboveCeiling, feeCeiling, waitOutSpike } from "../../ignition/deployCommand";

const gwei = (n: string) => parseUnits(n, "gwei");

describe("deploy: a base-fee spike is waited out, not paid (feeCeiling, waitOutSpike)", () => {
  it("offers at most Ignition's fee at twice the estimate's base fee, and knows Ignition's refusal above it", () => {
    // Ignition offers twice the base fee plus the tip: at 1 gwei + 0.1 that is 2.1 gwei; the ceiling is twice that
    // (4.2 gwei), and a tenfold spike (20.1 gwei) is refused before anything is sent. Where the tip is most of the
    // fee (Base Sepolia: 0.001 gwei + 1), a tenfold base fee moves the offer by 2%: no wait.
    expect(feeCeiling({ baseFeePerGas: gwei("1"), tipPerGas: gwei("0.1") })).to.equal(gwei("4.2"));
    expect(feeCeiling({ baseFeePerGas: gwei("0.001"), tipPerGas: gwei("1") })).to.be.greaterThan(gwei("1.02"));
    expect(feeAboveCeiling("IGN407: The calculated max fee per gas exceeds the configured limit.")).to.equal(true);
    expect(feeAboveCeiling("IGN401: all the transactions of its network interaction 1 were dropped")).to.equal(false);
  });

  it("waits while the base fee is above the ceiling and returns once it fell, saying so", async function () {
    this.timeout(60_000);
    const provider = hre.network.provider;
    const mineAt = async (baseFee: bigint) => {
      await provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: [`0x${baseFee.toString(16)}`] });
      await provider.request({ method: "evm_mine", params: [] });
    };
    await mineAt(gwei("10"));
    const lines: string[] = [];
    let done = false;
    const waiting = waitOutSpike(hre, gwei("4.2"), (line) => lines.push(line)).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done, "still waiting in the spike").to.equal(false);
    await mineAt(gwei("1"));
    await waiting;
    expect(lines[0]).to.match(
      /^the base fee jumped to 10\.0 gwei: the fee offered would be more than 2x the estimate's; waiting/,
    );
    expect(lines[1]).to.equal("the base fee is back at 1.0 gwei: resuming");
  });
});
