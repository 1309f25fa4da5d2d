import { expect } from "chai";
import { CONTRACT_INTERFACES } from "../../src/chain/contracts";
import { describeError } from "../../src/chain/reverts";
import { duration, relativeTime } from "../../src/text/format";

/** A revert of `name` with `args`, as ethers reports a refused call. */
function revert(name: string, args: unknown[]) {
  for (const iface of CONTRACT_INTERFACES) {
    const fragment = iface.getError(name);
    if (fragment) return { code: "CALL_EXCEPTION", data: iface.encodeErrorResult(fragment, args) };
  }
  throw new Error(`no error ${name}`);
}

const NOW = 1_767_225_600n; // 2026-01-01 00:00:00 UTC
const describe_ = (name: string, args: unknown[], erc20Decimals?: number) =>
  describeError(revert(name, args), CONTRACT_INTERFACES, { now: NOW, erc20Decimals });

describe("errors decoded from the contracts, in human units", () => {
  it("leverage as 4.85x, times as UTC dates and in how long", () => {
    expect(
      describe_("LeveragedTokenRebalanceNotDue", [4_850_000_000_000_000_000n, NOW - 7_200n, NOW + 11_520n]),
    ).to.equal(
      "the transaction would revert with LeveragedTokenRebalanceNotDue(currentLeverage=4.85x, " +
        "lastRebalance=2025-12-31 22:00:00 UTC (2 h ago), nextTimeRebalance=2026-01-01 03:12:00 UTC (in 3 h 12 min)): " +
        "nothing to rebalance: leverage is inside the band and the interval has not passed",
    );
  });

  it("shares and USDC as decimals", () => {
    expect(describe_("LeveragedTokenMintSlippage", [9_950_331_000_000_000_000n, 10n ** 19n])).to.contain(
      "LeveragedTokenMintSlippage(shares=9.950331 tokens, minSharesOut=10 tokens)",
    );
    expect(describe_("LeveragedTokenRedeemSlippage", [99_500_000n, 100_000_000n])).to.contain(
      "LeveragedTokenRedeemSlippage(collateralOut=99.5 USDC, minCollateralOut=100 USDC)",
    );
    expect(
      describe_("FaucetLimitExceeded", ["0x" + "11".repeat(20), 10_000_000_000n, 95_000_000_000n, 10n ** 11n]),
    ).to.contain("requested=10,000 USDC, alreadyDrawn=95,000 USDC, limit=100,000 USDC");
  });

  it("a stale price: its age and the market's maximum age as durations, prices in USD", () => {
    expect(describe_("PerpStalePrice", [0n, NOW - 90_000n, 86_400n, NOW])).to.contain(
      "PerpStalePrice(marketId=0, updatedAt=2025-12-30 23:00:00 UTC (1 d 1 h ago), maxPriceAge=1 d, currentTime=2026-01-01 00:00:00 UTC (now))",
    );
    expect(describe_("PerpInvalidPrice", [0n, -5_000_000_000n])).to.contain("answer=-50.00 USD");
  });

  it("fees in percent, by which fee it is", () => {
    expect(describe_("LeveragedTokenFeeTooHigh", ["mintFeeBps", 150n, 100n])).to.contain(
      "LeveragedTokenFeeTooHigh(fee=mintFeeBps, value=1.50%, cap=1.00%)",
    );
    expect(describe_("LeveragedTokenFeeTooHigh", ["managementFeePerYear", 2n * 10n ** 17n, 10n ** 17n])).to.contain(
      "value=20%, cap=10%",
    );
  });

  it("an ERC-20's balance in the units of the token the task moved, raw units when unknown", () => {
    const args = ["0x" + "22".repeat(20), 5_000_000n, 7_500_000n];
    expect(describe_("ERC20InsufficientBalance", args, 6)).to.contain("balance=5, needed=7.5");
    expect(describe_("ERC20InsufficientBalance", args)).to.contain("balance=5000000 units, needed=7500000 units");
  });

  it("durations keep their two largest units, relative times say which way", () => {
    expect([45, 725, 11_520, 86_400, 90_000, 3_605].map(duration)).to.deep.equal([
      "45 s",
      "12 min 5 s",
      "3 h 12 min",
      "1 d",
      "1 d 1 h",
      "1 h",
    ]);
    expect(relativeTime(100n, 40n)).to.equal("in 1 min");
    expect(relativeTime(40n, 100n)).to.equal("1 min ago");
    expect(relativeTime(7n, 7n)).to.equal("now");
  });
});
