import { expect } from "chai";
import { ethers } from "hardhat";
import { getAmountIn, getAmountOut } from "../../src/dex/constantProduct";
import type { UniswapV2AmountsHarness } from "../../typechain-types";

/** What a harness call mined: its `Amount` event. */
async function amountOf(tx: ReturnType<UniswapV2AmountsHarness["getAmountOut"]>, harness: UniswapV2AmountsHarness) {
  const receipt = await (await tx).wait();
  const log = receipt!.logs.map((l) => harness.interface.parseLog(l)).find((e) => e?.name === "Amount");
  return log!.args.amount as bigint;
}

describe("UniswapV2Amounts: the pair's swap amounts, as its TypeScript twin computes them", () => {
  const cases: [bigint, bigint, bigint][] = [
    [10n ** 6n, 10n ** 12n, 10n ** 24n],
    [12_345_678n, 987_654_321_000n, 3n * 10n ** 21n],
    [1n, 2n, 3n],
  ];

  it("getAmountOut and getAmountIn equal the twin's, to the unit", async () => {
    const harness = await ethers.deployContract("UniswapV2AmountsHarness");
    for (const [amount, reserveIn, reserveOut] of cases) {
      expect(await amountOf(harness.getAmountOut(amount, reserveIn, reserveOut), harness)).to.equal(
        getAmountOut(amount, reserveIn, reserveOut),
      );
      if (amount < reserveOut) {
        expect(await amountOf(harness.getAmountIn(amount, reserveIn, reserveOut), harness)).to.equal(
          getAmountIn(amount, reserveIn, reserveOut),
        );
      }
    }
  });

  it("an empty reserve on either side buys nothing", async () => {
    const harness = await ethers.deployContract("UniswapV2AmountsHarness");
    expect(await amountOf(harness.getAmountOut(1_000n, 0n, 10n ** 18n), harness)).to.equal(0n);
    expect(await amountOf(harness.getAmountOut(1_000n, 10n ** 18n, 0n), harness)).to.equal(0n);
    expect(getAmountOut(1_000n, 0n, 10n ** 18n)).to.equal(0n);
  });
});
