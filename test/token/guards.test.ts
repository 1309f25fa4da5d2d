import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { BaseContract, Interface } from "ethers";
import type { TxCaller } from "../../typechain-types";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "../attacks/setup";

const MAX = 2n ** 255n;
type Call = [target: BaseContract, fn: string, args: unknown[], expected: "ok" | string];

/**
 * Every guard and corner of the token and the factory, each called from inside a mined transaction (TxCaller), with
 * its outcome asserted: the error's name, or success. Calls from a mined transaction are also what
 * solidity-coverage counts (it does not see eth_call or a revert during gas estimation).
 */
async function runAll(caller: TxCaller, calls: Call[], interfaces: Interface[]): Promise<void> {
  const targets: string[] = [];
  const data: string[] = [];
  for (const [target, fn, args] of calls) {
    targets.push(await target.getAddress());
    data.push(target.interface.encodeFunctionData(fn, args));
  }
  const receipt = await (await caller.callAll(targets, data)).wait();
  const callerAddress = await caller.getAddress();
  const events = receipt!.logs
    .filter((log) => log.address === callerAddress)
    .map((log) => caller.interface.parseLog(log)!);
  const outcomes = events.map((event) => {
    if (event.args.ok) return "ok";
    if (event.args.result === "0x") return "empty revert";
    for (const i of interfaces) {
      const parsed = i.parseError(event.args.result);
      if (parsed) return parsed.name;
    }
    return `unknown ${event.args.result}`;
  });
  expect(outcomes).to.deep.equal(calls.map((c) => c[3]));
}

async function system() {
  const s = await attackSystem();
  const caller: TxCaller = await ethers.deployContract("TxCaller");
  const callerAddress = await caller.getAddress();
  await s.usdc.mint(callerAddress, usdc(100_000));
  for (const role of [await s.long.FEE_MANAGER_ROLE(), ethers.ZeroHash]) await s.long.grantRole(role, callerAddress);
  for (const role of [await s.factory.TOKEN_CREATOR_ROLE(), ethers.ZeroHash]) {
    await s.factory.grantRole(role, callerAddress);
  }
  const implementation = await ethers.deployContract("LeveragedToken");
  const interfaces = [s.long.interface, s.exchange.interface, s.factory.interface, s.usdc.interface];
  return { ...s, caller, callerAddress, implementation, interfaces };
}

describe("coverage: guards and corners of the token and the factory, from mined transactions", () => {
  it("mint and redeem: zero amounts, zero receivers, slippage, dust that nets 0, a redeem too small to trade", async () => {
    const s = await loadFixture(system);
    const { long, caller, callerAddress: me } = s;
    const zero = ethers.ZeroAddress;
    const fees = (mintFeeBps: number) => ({
      mintFeeBps,
      redeemFeeBps: 0,
      managementFeePerYear: 0n,
      recipient: s.feeRecipient,
    });
    await runAll(
      caller,
      [
        [s.usdc, "approve", [await long.getAddress(), ethers.MaxUint256], "ok"],
        [long, "mint", [0, 0, me], "LeveragedTokenZeroAmount"],
        [long, "mint", [usdc(1), 0, zero], "LeveragedTokenZeroAddress"],
        [long, "mint", [usdc(1), MAX, me], "LeveragedTokenMintSlippage"],
        [long, "mint", [usdc(1_000), 0, me], "ok"],
        [long, "redeem", [0, 0, me], "LeveragedTokenZeroAmount"],
        [long, "redeem", [1, 0, zero], "LeveragedTokenZeroAddress"],
        [long, "redeem", [1, 0, me], "ok"], // 1e-18 of a share: the position is too small to shrink
        [long, "redeem", [wad(1), MAX, me], "LeveragedTokenRedeemSlippage"],
        [long, "previewMint", [0], "ok"],
        [long, "previewRedeem", [0], "ok"],
        [long, "previewRedeem", [MAX], "ok"],
        [long, "setFees", [fees(100)], "ok"],
        [long, "mint", [1, 0, me], "LeveragedTokenMintSlippage"], // the 1% fee takes the one unit: nothing to add
        [long, "previewMint", [1], "ok"],
        [long, "setFees", [fees(0)], "ok"],
      ],
      s.interfaces,
    );
    expect(await long.previewMint(0)).to.equal(0n);
    expect(await long.previewRedeem(MAX)).to.equal(0n);
  });

  it("settings: every fee cap, a zero recipient, a zero interval, a band of 0 and of 1", async () => {
    const s = await loadFixture(system);
    const { long, caller } = s;
    const fees = { mintFeeBps: 0, redeemFeeBps: 0, managementFeePerYear: 0n, recipient: s.feeRecipient };
    await runAll(
      caller,
      [
        [long, "setFees", [{ ...fees, recipient: ethers.ZeroAddress }], "LeveragedTokenZeroAddress"],
        [long, "setFees", [{ ...fees, mintFeeBps: 101 }], "LeveragedTokenFeeTooHigh"],
        [long, "setFees", [{ ...fees, redeemFeeBps: 101 }], "LeveragedTokenFeeTooHigh"],
        [long, "setFees", [{ ...fees, managementFeePerYear: wad("0.1") + 1n }], "LeveragedTokenFeeTooHigh"],
        [long, "setFees", [{ ...fees, mintFeeBps: 100, redeemFeeBps: 100, managementFeePerYear: wad("0.1") }], "ok"],
        [long, "setRebalanceSettings", [{ interval: 0, band: wad("0.1") }], "LeveragedTokenInvalidSetting"],
        [long, "setRebalanceSettings", [{ interval: 60, band: 0 }], "LeveragedTokenInvalidSetting"],
        [long, "setRebalanceSettings", [{ interval: 60, band: wad(1) }], "LeveragedTokenInvalidSetting"],
        [long, "setRebalanceSettings", [{ interval: 60, band: wad(1) - 1n }], "ok"],
      ],
      s.interfaces,
    );
  });

  it("initialize: a clone's zero exchange, zero admin, leverage 0 and 11, initial NAV 0, unknown market; once only", async () => {
    const s = await loadFixture(system);
    const cloner = await ethers.deployContract("TokenCloner");
    const implementation = await s.implementation.getAddress();
    const args = {
      exchange: await s.exchange.getAddress(),
      marketId: 0,
      collateral: await s.usdc.getAddress(),
      scale: 10n ** 12n,
      targetLeverage: wad(3),
      initialNav: usdc(100),
    };
    const params = {
      name: "BTC 3x Long",
      symbol: "X",
      admin: s.admin.address,
      fees: { mintFeeBps: 0, redeemFeeBps: 0, managementFeePerYear: 0n, recipient: s.feeRecipient },
      rebalanceSettings: { interval: 60, band: wad("0.1") },
      equityCap: ethers.MaxUint256,
    };
    const clone = (a: Partial<typeof args>, p: Partial<typeof params> = {}) => {
      const x = { ...args, ...a };
      const init = { ...params, ...p };
      return [implementation, x.exchange, x.marketId, x.collateral, x.scale, x.targetLeverage, x.initialNav, init];
    };
    await runAll(
      s.caller,
      [
        [cloner, "cloneAndInitialize", clone({ exchange: ethers.ZeroAddress }), "LeveragedTokenZeroAddress"],
        [cloner, "cloneAndInitialize", clone({}, { admin: ethers.ZeroAddress }), "LeveragedTokenZeroAddress"],
        [cloner, "cloneAndInitialize", clone({ targetLeverage: 0n }), "LeveragedTokenInvalidLeverage"],
        [cloner, "cloneAndInitialize", clone({ targetLeverage: wad(11) }), "LeveragedTokenInvalidLeverage"],
        [cloner, "cloneAndInitialize", clone({ targetLeverage: -wad(11) }), "LeveragedTokenInvalidLeverage"],
        [cloner, "cloneAndInitialize", clone({ initialNav: 0n }), "LeveragedTokenInvalidSetting"],
        [cloner, "cloneAndInitialize", clone({ marketId: 99 }), "PerpUnknownMarket"],
        [cloner, "cloneAndInitialize", clone({}), "ok"],
        [s.implementation, "initialize", [params], "LeveragedTokenAlreadyInitialized"],
        [s.long, "initialize", [params], "LeveragedTokenAlreadyInitialized"],
      ],
      s.interfaces,
    );
  });

  it("under water, not yet wiped out: mint refused, previews 0, leverage at the int256 bounds (long and short)", async () => {
    const s = await loadFixture(system);
    const { long, short, alice, caller } = s;
    await long.connect(alice).mint(usdc(1_000), 0, alice.address);
    await short.connect(alice).mint(usdc(1_000), 0, alice.address);
    await s.btcFeed.updateAnswer(feedPrice(30_000)); // the long is under water
    await runAll(
      caller,
      [
        [s.usdc, "approve", [await long.getAddress(), ethers.MaxUint256], "ok"],
        [long, "mint", [usdc(10), 0, s.callerAddress], "LeveragedTokenWipedOut"],
        [long, "previewMint", [usdc(10)], "ok"],
        [long, "previewRedeem", [wad(1)], "ok"],
        [long, "currentLeverage", [], "ok"],
      ],
      s.interfaces,
    );
    expect(await long.previewMint(usdc(10))).to.equal(0n);
    expect(await long.previewRedeem(wad(1))).to.equal(0n);
    expect(await long.currentLeverage()).to.equal(MAX - 1n);
    await s.btcFeed.updateAnswer(feedPrice(70_000)); // now the short is
    await runAll(caller, [[short, "currentLeverage", [], "ok"]], s.interfaces);
    expect(await short.currentLeverage()).to.equal(-MAX);
  });

  it("the factory: invalid, duplicate and unknown tokens, an empty page, zero defaults, zero constructor addresses, an implementation without code", async () => {
    const s = await loadFixture(system);
    const { factory, caller } = s;
    const d = await factory.tokenDefaults();
    const defaults = {
      fees: { mintFeeBps: 0, redeemFeeBps: 0, managementFeePerYear: 0n, recipient: d.fees.recipient },
      rebalanceSettings: { interval: d.rebalanceSettings.interval, band: d.rebalanceSettings.band },
      initialNav: d.initialNav,
      equityCap: d.equityCap,
      tokenAdmin: d.tokenAdmin,
    };
    await runAll(
      caller,
      [
        [factory, "createToken", [0, 0], "FactoryInvalidLeverage"],
        [factory, "createToken", [0, wad("1.5")], "FactoryInvalidLeverage"],
        [factory, "createToken", [0, wad(11)], "FactoryInvalidLeverage"],
        [factory, "createToken", [0, wad(3)], "FactoryDuplicateToken"],
        [factory, "createToken", [0, wad(-2)], "ok"],
        [factory, "tokenFor", [0, wad(7)], "FactoryUnknownToken"],
        [factory, "tokenBySymbol", ["BTC7L"], "FactoryUnknownSymbol"],
        [factory, "tokenBySymbol", ["BTC2S"], "ok"],
        [factory, "keeperStatuses", [5, 10], "ok"],
        [factory, "keeperStatuses", [0, 2], "ok"],
        [factory, "setTokenDefaults", [{ ...defaults, tokenAdmin: ethers.ZeroAddress }], "FactoryZeroAddress"],
        [
          factory,
          "setTokenDefaults",
          [{ ...defaults, fees: { ...defaults.fees, recipient: ethers.ZeroAddress } }],
          "FactoryZeroAddress",
        ],
        [factory, "setTokenDefaults", [defaults], "ok"],
      ],
      s.interfaces,
    );
    expect(await factory.keeperStatuses(5, 10)).to.deep.equal([]);

    const Factory = await ethers.getContractFactory("LeveragedTokenFactory");
    const [exchange, implementation, admin] = [
      await s.exchange.getAddress(),
      await s.implementation.getAddress(),
      s.admin.address,
    ];
    for (const args of [
      [ethers.ZeroAddress, implementation, admin],
      [exchange, ethers.ZeroAddress, admin],
      [exchange, admin, admin], // an implementation without code
      [exchange, implementation, ethers.ZeroAddress],
    ]) {
      await expect(
        Factory.deploy(args[0], args[1], args[2], defaults, { gasLimit: 10_000_000 }),
      ).to.be.revertedWithCustomError(Factory, "FactoryZeroAddress");
    }
  });

  it("the exchange refuses a collateral with more than 18 decimals", async () => {
    const nineteen = await ethers.deployContract("MockV3Aggregator", [19, 1]); // anything with decimals() will do
    const Exchange = await ethers.getContractFactory("PerpExchange");
    const [admin] = await ethers.getSigners();
    await expect(Exchange.deploy(await nineteen.getAddress(), admin.address, { gasLimit: 10_000_000 }))
      .to.be.revertedWithCustomError(Exchange, "PerpInvalidConfig")
      .withArgs("collateralDecimals", 19);
  });
});
