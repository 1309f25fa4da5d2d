import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PANIC_CODES } from "@nomicfoundation/hardhat-chai-matchers/panic";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { WAD } from "../helpers/units";
import { divCeil, divFloor, mulDivDown, mulDivTowardZero, mulDivUp } from "../../src/model/fixedPoint";

const INT256_MAX = 2n ** 255n - 1n;
const INT256_MIN = -(2n ** 255n);
const UINT256_MAX = 2n ** 256n - 1n;

async function deployHarness() {
  return ethers.deployContract("SignedWadHarness");
}

describe("SignedWad", () => {
  describe("rounding direction, by sign (exact quotient, positive remainder, negative remainder)", () => {
    // [a, b, d, down, up, towardZero]
    const cases: [bigint, bigint, bigint, bigint, bigint, bigint][] = [
      [6n, 1n, 3n, 2n, 2n, 2n],
      [-6n, 1n, 3n, -2n, -2n, -2n],
      [7n, 1n, 3n, 2n, 3n, 2n],
      [-7n, 1n, 3n, -3n, -2n, -2n],
      [1n, 1n, 2n, 0n, 1n, 0n],
      [-1n, 1n, 2n, -1n, 0n, 0n],
      [0n, 5n, 7n, 0n, 0n, 0n],
      [5n, 0n, 7n, 0n, 0n, 0n],
      [-5n, 0n, 7n, 0n, 0n, 0n],
      // WAD products: 0.06 BTC x 50,000.12345678 USD
      [
        60_000_000_000_000_000n,
        50_000_123_456_780_000_000_000n,
        WAD,
        3_000_007_407_406_800_000_000n,
        3_000_007_407_406_800_000_000n,
        3_000_007_407_406_800_000_000n,
      ],
      [3n, 50_000_123_456_780_000_000_000n, WAD, 150_000n, 150_001n, 150_000n],
      [-3n, 50_000_123_456_780_000_000_000n, WAD, -150_001n, -150_000n, -150_000n],
    ];
    for (const [a, b, d, down, up, towardZero] of cases) {
      it(`${a} x ${b} / ${d}: down ${down}, up ${up}, toward zero ${towardZero}`, async () => {
        const harness = await loadFixture(deployHarness);
        expect(await harness.mulDivDown(a, b, d)).to.equal(down);
        expect(await harness.mulDivUp(a, b, d)).to.equal(up);
        expect(await harness.mulDivTowardZero(a, b, d)).to.equal(towardZero);
        // The reference implementation agrees with the table, so the property test below checks the same thing.
        expect([mulDivDown(a, b, d), mulDivUp(a, b, d), mulDivTowardZero(a, b, d)]).to.deep.equal([
          down,
          up,
          towardZero,
        ]);
      });
    }
  });

  describe("divFloor and divCeil", () => {
    // [a, d, floor, ceil]
    const cases: [bigint, bigint, bigint, bigint][] = [
      [7n, 2n, 3n, 4n],
      [-7n, 2n, -4n, -3n],
      [8n, 2n, 4n, 4n],
      [-8n, 2n, -4n, -4n],
      [-1n, 10n ** 12n, -1n, 0n],
      [1n, 10n ** 12n, 0n, 1n],
      [-(10n ** 12n), 10n ** 12n, -1n, -1n],
      [-(10n ** 12n) - 1n, 10n ** 12n, -2n, -1n],
      [10n ** 12n - 1n, 10n ** 12n, 0n, 1n],
      [0n, 3n, 0n, 0n],
      [INT256_MAX, 1n, INT256_MAX, INT256_MAX],
      [INT256_MIN, 2n, -(2n ** 254n), -(2n ** 254n)],
      // divisors beyond int256 (the quotient is in [-1, 1])
      [INT256_MIN, 2n ** 255n, -1n, -1n],
      [INT256_MIN, UINT256_MAX, -1n, 0n],
      [INT256_MIN + 1n, 2n ** 255n, -1n, 0n],
      [INT256_MAX, 2n ** 255n, 0n, 1n],
      [-1n, UINT256_MAX, -1n, 0n],
      [0n, UINT256_MAX, 0n, 0n],
    ];
    for (const [a, d, floor, ceil] of cases) {
      it(`floor(${a} / ${d}) = ${floor}, ceil = ${ceil}`, async () => {
        const harness = await loadFixture(deployHarness);
        expect(await harness.divFloor(a, d)).to.equal(floor);
        expect(await harness.divCeil(a, d)).to.equal(ceil);
        // The reference implementation agrees with the table, so the property test below checks the same thing.
        expect([divFloor(a, d), divCeil(a, d)]).to.deep.equal([floor, ceil]);
      });
    }
  });

  describe("limits", () => {
    it("a result of exactly type(int256).min is returned, not rejected", async () => {
      const harness = await loadFixture(deployHarness);
      expect(await harness.divFloor(INT256_MIN, 1n)).to.equal(INT256_MIN);
      expect(await harness.mulDivDown(INT256_MIN, 1n, 1n)).to.equal(INT256_MIN);
      expect(await harness.mulDivUp(INT256_MIN, 1n, 1n)).to.equal(INT256_MIN);
      expect(await harness.mulDivTowardZero(INT256_MIN, 1n, 1n)).to.equal(INT256_MIN);
      expect(await harness.mulDivDown(-(2n ** 254n), 2n, 1n)).to.equal(INT256_MIN);
      expect(await harness.mulDivDown(INT256_MIN, 3n, 3n)).to.equal(INT256_MIN);
      // (2^255 - 1)(2^255 + 1) / 2^255 = 2^255 - 2^-255: the magnitude rounds up to exactly 2^255
      expect(await harness.mulDivDown(-(2n ** 255n) + 1n, 2n ** 255n + 1n, 2n ** 255n)).to.equal(INT256_MIN);
    });

    it("a result of type(int256).max is returned", async () => {
      const harness = await loadFixture(deployHarness);
      expect(await harness.mulDivDown(INT256_MAX, 1n, 1n)).to.equal(INT256_MAX);
      expect(await harness.mulDivUp(INT256_MAX, 2n, 2n)).to.equal(INT256_MAX);
      expect(await harness.mulDivTowardZero(INT256_MAX, 1n, 1n)).to.equal(INT256_MAX);
    });

    it("products beyond 256 bits are computed at full precision", async () => {
      const harness = await loadFixture(deployHarness);
      const a = INT256_MAX;
      const b = UINT256_MAX;
      expect(await harness.mulDivDown(a, b, UINT256_MAX)).to.equal(a);
      expect(await harness.mulDivDown(-a, b, UINT256_MAX)).to.equal(-a);
      expect(await harness.mulDivUp(-a, b - 1n, UINT256_MAX)).to.equal(mulDivUp(-a, b - 1n, UINT256_MAX));
      expect(await harness.mulDivDown(-a, b - 1n, UINT256_MAX)).to.equal(mulDivDown(-a, b - 1n, UINT256_MAX));
    });

    it("a positive result above type(int256).max reverts with SafeCast's overflow error", async () => {
      const harness = await loadFixture(deployHarness);
      await expect(harness.mulDivDown(INT256_MAX, 2n, 1n))
        .to.be.revertedWithCustomError(harness, "SafeCastOverflowedUintToInt")
        .withArgs(2n * INT256_MAX);
      await expect(harness.mulDivUp(INT256_MAX, 3n, 2n))
        .to.be.revertedWithCustomError(harness, "SafeCastOverflowedUintToInt")
        .withArgs(mulDivUp(INT256_MAX, 3n, 2n));
    });

    it("a negative result below type(int256).min reverts", async () => {
      const harness = await loadFixture(deployHarness);
      await expect(harness.mulDivDown(INT256_MIN, 3n, 2n))
        .to.be.revertedWithCustomError(harness, "SafeCastOverflowedUintToInt")
        .withArgs(3n * 2n ** 254n);
      await expect(harness.divFloor(INT256_MIN + 1n, 1n)).not.to.be.reverted;
      await expect(harness.mulDivDown(INT256_MIN, 1n, 1n)).not.to.be.reverted;
      await expect(harness.mulDivTowardZero(-(2n ** 254n) - 1n, 2n, 1n))
        .to.be.revertedWithCustomError(harness, "SafeCastOverflowedUintToInt")
        .withArgs(2n ** 255n + 2n);
    });

    it("a quotient beyond 256 bits panics (arithmetic overflow)", async () => {
      const harness = await loadFixture(deployHarness);
      await expect(harness.mulDivDown(INT256_MAX, UINT256_MAX, 1n)).to.be.revertedWithPanic(
        PANIC_CODES.ARITHMETIC_OVERFLOW,
      );
    });

    it("a zero divisor panics (division by zero) in every function", async () => {
      const harness = await loadFixture(deployHarness);
      for (const a of [5n, -5n]) {
        await expect(harness.mulDivDown(a, 1n, 0n)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
        await expect(harness.mulDivUp(a, 1n, 0n)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
        await expect(harness.mulDivTowardZero(a, 1n, 0n)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
        await expect(harness.divFloor(a, 0n)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
        await expect(harness.divCeil(a, 0n)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
      }
    });
  });

  it("property: agrees with exact bigint arithmetic for random WAD-sized operands", async () => {
    const harness = await loadFixture(deployHarness);
    const int = fc.bigInt(-(2n ** 127n), 2n ** 127n);
    const uint = fc.bigInt(0n, 2n ** 120n);
    const divisor = fc.oneof(
      fc.constantFrom(1n, 3n, 10n ** 12n, WAD, WAD * WAD * 31_536_000n),
      fc.bigInt(1n, 2n ** 128n),
    );
    await fc.assert(
      fc.asyncProperty(int, uint, divisor, async (a, b, d) => {
        expect(await harness.mulDivDown(a, b, d)).to.equal(mulDivDown(a, b, d));
        expect(await harness.mulDivUp(a, b, d)).to.equal(mulDivUp(a, b, d));
        expect(await harness.mulDivTowardZero(a, b, d)).to.equal(mulDivTowardZero(a, b, d));
        expect(await harness.divFloor(a, d)).to.equal(divFloor(a, d));
        expect(await harness.divCeil(a, d)).to.equal(divCeil(a, d));
      }),
      { numRuns: 60 },
    );
  });
});
