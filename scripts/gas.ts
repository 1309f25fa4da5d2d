/**
 * Gas of the everyday actions, read from transaction receipts on the in-process Hardhat network:
 * `npm run gas`. Fees and funding are on (a taker fee, mint/redeem fees, the management fee), so every code path
 * that a real user pays for is measured.
 */
import { ethers, network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

const usdc = (n: number | string) => ethers.parseUnits(String(n), 6);
const wad = (n: number | string) => ethers.parseUnits(String(n), 18);
const price = (n: number) => ethers.parseUnits(String(n), 8);

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

async function main() {
  if (network.name !== "hardhat") throw new Error(`run on the in-process network, not ${network.name}`);
  const [admin, alice, bob, recipient] = await ethers.getSigners();
  const stable = await ethers.deployContract("MockStablecoin", [
    "Mock USD Coin",
    "USDC",
    admin,
    usdc(10_000),
    usdc(100_000),
  ]);
  const feed = await ethers.deployContract("SettablePriceFeed", [8, "BTC / USD", admin, price(50_000)]);
  const exchange = await ethers.deployContract("PerpExchange", [stable, admin]);
  await exchange.createMarket("BTC", {
    feed,
    maxPriceAge: 3600,
    takerFeeBps: 5,
    initialMarginBps: 500,
    maintenanceMarginBps: 250,
    liquidationPenaltyBps: 100,
    fundingRatePerYear: wad("0.1"),
  });
  await stable.mint(admin, usdc(10_000_000));
  await stable.approve(exchange, usdc(10_000_000));
  await exchange.depositToFund(usdc(1_000_000));
  const deployer = await ethers.deployContract("LeveragedTokenDeployer");
  const factory = await ethers.deployContract("LeveragedTokenFactory", [
    exchange,
    deployer,
    admin,
    {
      fees: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365"), recipient },
      rebalanceSettings: { interval: 86_400, band: wad(1) / 3n },
      initialNav: usdc(100),
      tokenAdmin: admin,
    },
  ]);

  const rows: [string, bigint][] = [];
  rows.push(["factory: create token", await gasOf(factory.createToken(0, wad(3)))]);
  await factory.createToken(0, wad(-3));
  const long = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
  const short = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(-3)));
  for (const holder of [alice, bob]) {
    await stable.mint(holder, usdc(100_000));
    await stable.connect(holder).approve(long, usdc(100_000));
    await stable.connect(holder).approve(short, usdc(100_000));
  }
  rows.push(["mint (first ever)", await gasOf(long.connect(alice).mint(usdc(1_000), 0, alice))]);
  rows.push(["mint (first for a holder)", await gasOf(long.connect(bob).mint(usdc(1_000), 0, bob))]);
  rows.push(["mint (again)", await gasOf(long.connect(bob).mint(usdc(1_000), 0, bob))]);
  await short.connect(alice).mint(usdc(1_000), 0, alice);
  rows.push(["transfer", await gasOf(long.connect(alice).transfer(bob, wad(1)))]);
  rows.push(["approve", await gasOf(long.connect(alice).approve(bob, wad(1)))]);
  rows.push(["redeem (part)", await gasOf(long.connect(bob).redeem(wad(5), 0, bob))]);

  await network.provider.send("evm_increaseTime", [86_400]);
  await feed.updateAnswer(price(51_000));
  rows.push(["rebalance long (time)", await gasOf(long.rebalance())]);
  rows.push(["rebalance short (time)", await gasOf(short.rebalance())]);
  await feed.updateAnswer(price(44_000));
  rows.push(["rebalance long (drift)", await gasOf(long.rebalance())]);
  await feed.updateAnswer(price(57_000));
  rows.push(["rebalance short (drift)", await gasOf(short.rebalance())]);
  rows.push(["redeem (all)", await gasOf(long.connect(bob).redeem(await long.balanceOf(bob), 0, bob))]);

  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`${"action".padEnd(width)}  gas`);
  for (const [name, gas] of rows) console.log(`${name.padEnd(width)}  ${gas.toString().padStart(9)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
