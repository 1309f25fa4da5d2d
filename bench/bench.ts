/**
 * The benchmark, `npm run bench` (the Hardhat task in tasks/bench.ts parses its flags and calls runBench): the gas of
 * every action from receipts against gas-snapshot.json, then the informational figures of the other bench*.ts files.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";
import { feedAnswer, parseUsdc } from "../src/text/units";
import { table } from "../src/text/format";
import { signPermit } from "../src/chain/permit";
import { CLONE } from "./benchProfile";

/** Gas figures are deterministic: a figure more than this far above the snapshot fails `--check`. */
const TOLERANCE = 0.01;
const SNAPSHOT = "gas-snapshot.json";

/** Targets from the performance goals (gas); undefined where there is none. */
const TARGETS: Record<string, number> = {
  "factory: create token": 1_000_000,
  "mint (again)": 140_000,
  "redeem (part)": 135_000,
  "redeem (all)": 135_000,
  "rebalance long (time)": 75_000,
  "rebalance short (time)": 75_000,
  "rebalance long (drift)": 75_000,
  "rebalance short (drift)": 75_000,
  "batch rebalance: per extra token (50)": 40_000,
  "keeper reward: on top of a rebalance": 10_000,
};

/** The actions `--profile` traces. */
const PROFILED = [
  "rebalance long (time)",
  "rebalance long (drift)",
  "rebalance short (time)",
  "batch rebalance: 10 tokens",
  "mint (again)",
  "redeem (part)",
  "redeem (all)",
  "transfer",
];

/** What `measure` found: gas by action, the transaction behind each, and the contracts they may enter. */
interface Measured {
  gas: Record<string, number>;
  hashes: Record<string, string>;
  /** Fully qualified contract name by address, for `--profile`. */
  contracts: Record<string, string>;
}

/** Deploys a system with three markets on the in-process chain and measures every action in receipts. */
async function measure(hre: HardhatRuntimeEnvironment): Promise<Measured> {
  const { ethers, network } = hre;
  const usdc = parseUsdc;
  const wad = (n: number | string) => ethers.parseUnits(String(n), 18);
  const price = feedAnswer;
  const [admin, alice, bob, recipient, keeper] = await ethers.getSigners();
  const gas: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  /** Sends `tx` as the action `name`: its gas from the receipt, and its hash for `--profile`. */
  const measured = async (name: string, tx: Promise<ContractTransactionResponse>): Promise<number> => {
    const sent = await tx;
    const receipt = await sent.wait();
    if (!receipt) throw new Error("no receipt");
    gas[name] = Number(receipt.gasUsed);
    hashes[name] = sent.hash;
    return gas[name];
  };

  /** The gas of a transaction that reverts (mined all the same), from the latest block's receipt. */
  const revertedGas = async (tx: Promise<ContractTransactionResponse>): Promise<number> => {
    try {
      await (await tx).wait();
    } catch {
      // reverted, as intended: the receipt below says so
    }
    const block = await ethers.provider.getBlock("latest");
    const receipt = block && (await ethers.provider.getTransactionReceipt(block.transactions[0]));
    if (!receipt || receipt.status !== 0) throw new Error("bench: the transaction was expected to revert");
    return Number(receipt.gasUsed);
  };

  const stable = await ethers.deployContract("MockStablecoin", [
    "Mock USD Coin",
    "USDC",
    admin,
    usdc(10_000),
    usdc(100_000),
  ]);
  const exchange = await ethers.deployContract("PerpExchange", [stable, admin]);
  const feeds = [];
  for (const [i, symbol] of ["BTC", "ETH", "SOL"].entries()) {
    const feed = await ethers.deployContract("SettablePriceFeed", [
      8,
      `${symbol} / USD`,
      admin,
      price([50_000, 3_000, 150][i]),
    ]);
    await exchange.createMarket(symbol, {
      feed,
      maxPriceAge: 3600,
      takerFeeBps: 5,
      initialMarginBps: 500,
      maintenanceMarginBps: 250,
      liquidationPenaltyBps: 100,
      fundingRatePerYear: wad("0.1"),
    });
    feeds.push(feed);
  }
  await stable.mint(admin, usdc(100_000_000));
  await stable.approve(exchange, usdc(100_000_000));
  await exchange.depositToFund(usdc(10_000_000));
  const implementation = await ethers.deployContract("LeveragedToken");
  const factory = await ethers.deployContract("LeveragedTokenFactory", [
    exchange,
    implementation,
    admin,
    {
      fees: { mintFeeBps: 10, redeemFeeBps: 10, managementFeePerYear: wad("0.0365"), recipient },
      rebalanceSettings: { interval: 86_400, band: wad(1) / 3n },
      initialNav: usdc(100),
      equityCap: usdc(10_000_000),
      tokenAdmin: admin,
    },
  ]);
  const batcher = await ethers.deployContract("BatchRebalancer");
  // The keepers (the admin here, and the keeper's batches over three markets) have been paid a reward before: their
  // margin slot exists, as for any keeper after its first rebalance (the first reward costs 17,100 gas more).
  for (let market = 0; market < 3; market++) {
    await exchange.deposit(market, admin, 1);
    await exchange.deposit(market, keeper, 1);
  }

  await measured("factory: create token", factory.createToken(0, wad(3)));
  await factory.createToken(0, wad(-3));
  const long = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(3)));
  const short = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad(-3)));
  for (const holder of [alice, bob]) {
    await stable.mint(holder, usdc(1_000_000));
    await stable.connect(holder).approve(long, ethers.MaxUint256);
    await stable.connect(holder).approve(short, ethers.MaxUint256);
  }
  await measured("mint (first ever)", long.connect(alice).mint(usdc(1_000), 0, alice));
  await measured("mint (first for a holder)", long.connect(bob).mint(usdc(1_000), 0, bob));
  await measured("mint (again)", long.connect(bob).mint(usdc(1_000), 0, bob));
  // A wallet's one transaction: the stablecoin's permit and the mint together.
  const permitDeadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);
  const usdcPermit = await signPermit(bob, stable, await long.getAddress(), usdc(1_000), permitDeadline);
  await measured(
    "mint with permit (again)",
    long.connect(bob).mintWithPermit(usdc(1_000), 0, bob, {
      deadline: permitDeadline,
      v: usdcPermit.v,
      r: usdcPermit.r,
      s: usdcPermit.s,
    }),
  );
  await short.connect(alice).mint(usdc(1_000), 0, alice);
  await short.connect(bob).mint(usdc(1_000), 0, bob);

  const plain = await ethers.deployContract("PlainERC20", [alice, wad(1_000)]);
  await plain.connect(alice).transfer(bob, wad(1)); // both balances non-zero, like the token's case below
  await measured("transfer (plain OpenZeppelin ERC-20)", plain.connect(alice).transfer(bob, wad(1)));
  await measured("transfer", long.connect(alice).transfer(bob, wad(1)));
  await measured("approve", long.connect(alice).approve(keeper, wad(1)));
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);
  const signature = await signPermit(alice, long, bob.address, wad(1), deadline);
  await measured(
    "permit",
    long.connect(bob).permit(alice, bob, wad(1), deadline, signature.v, signature.r, signature.s),
  );
  await measured("redeem (part)", long.connect(bob).redeem(wad(5), 0, bob));

  await network.provider.send("evm_increaseTime", [86_400]);
  await feeds[0].updateAnswer(price(51_000));
  // A token's own Automation upkeep (a TokenUpkeep beside it), as a node simulates its check: an eth_call from the
  // zero address; its gas less the 21,000 base.
  const longUpkeep = await ethers.deployContract("TokenUpkeep", [long]);
  const shortUpkeep = await ethers.deployContract("TokenUpkeep", [short]);
  const estimate = await ethers.provider.estimateGas({
    from: ethers.ZeroAddress,
    to: await longUpkeep.getAddress(),
    data: longUpkeep.interface.encodeFunctionData("checkUpkeep", ["0x"]),
  });
  gas["token upkeep: checkUpkeep (eth_call)"] = Number(estimate) - 21_000;
  // The keeper reward's own cost: the same rebalance without it (rebalanceFor the zero address), then with it.
  const beforeReward = await network.provider.send("evm_snapshot", []);
  const unpaid = await measured("rebalance long (time), no reward", long.rebalanceFor(ethers.ZeroAddress));
  await network.provider.send("evm_revert", [beforeReward]);
  const paid = await measured("rebalance long (time)", long.rebalance());
  gas["keeper reward: on top of a rebalance"] = paid - unpaid;
  await measured("token upkeep: performUpkeep short (time)", shortUpkeep.performUpkeep("0x"));
  await feeds[0].updateAnswer(price(44_000));
  await measured("rebalance long (drift)", long.rebalance());
  await feeds[0].updateAnswer(price(57_000));
  await measured("rebalance short (drift)", short.rebalance());
  await network.provider.send("evm_increaseTime", [86_400]);
  await feeds[0].updateAnswer(price(57_000));
  await measured("rebalance short (time)", short.rebalance());
  // A keeper that lost the race for the token just rebalanced: its rebalance reverts, not due. What that costs it,
  // beside what asking first costs (rebalanceAction as an eth_call); both without the 21,000 base.
  const asking = await ethers.provider.estimateGas({
    from: keeper,
    to: await short.getAddress(),
    data: short.interface.encodeFunctionData("rebalanceAction"),
  });
  gas["rebalanceAction (eth_call)"] = Number(asking) - 21_000;
  gas["rebalance not due (a lost race)"] =
    (await revertedGas(short.connect(keeper).rebalance({ gasLimit: 300_000 }))) - 21_000;
  await measured("redeem (all)", long.connect(bob).redeem(await long.balanceOf(bob), 0, bob));

  // Batches: 50 more tokens over the three markets, each with holders, all due by time a day later.
  const batch = [];
  for (const feed of feeds) await feed.updateAnswer(await feed.latestRoundData().then((r) => r[1]));
  for (let market = 0; market < 3 && batch.length < 50; market++) {
    for (let l = 1; l <= 10 && batch.length < 50; l++) {
      for (const sign of [1, -1]) {
        if (batch.length >= 50 || (market === 0 && l === 3)) continue;
        await factory.createToken(market, wad(sign * l));
        const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(market, wad(sign * l)));
        await stable.connect(alice).approve(token, ethers.MaxUint256);
        await token.connect(alice).mint(usdc(1_000), 0, alice);
        batch.push(await token.getAddress());
      }
    }
  }
  for (const [size, count] of [
    [1, "1"],
    [10, "10"],
    [50, "50"],
  ] as const) {
    await network.provider.send("evm_increaseTime", [86_400]);
    for (const feed of feeds) await feed.updateAnswer(await feed.latestRoundData().then((r) => r[1]));
    const name = `batch rebalance: ${count} token${size > 1 ? "s" : ""}`;
    const total = await measured(name, batcher.connect(keeper).rebalance(batch.slice(0, size)));
    if (size > 1)
      gas[`batch rebalance: per extra token (${count})`] = Math.round(
        (total - gas["batch rebalance: 1 token"]) / (size - 1),
      );
  }
  // The DEX: the arbitrage contract and the TradeRouter against Uniswap V2 and a pool of the 3x long. Loaded now:
  // it needs the compiled types.
  const { measureDex } = await import("./benchDex");
  Object.assign(gas, await measureDex(hre, { factory, stable, feed: feeds[0], token: long, admin, trader: alice }));
  const contracts: Record<string, string> = {
    [await stable.getAddress()]: "contracts/perp/MockStablecoin.sol:MockStablecoin",
    [await exchange.getAddress()]: "contracts/perp/PerpExchange.sol:PerpExchange",
    [await batcher.getAddress()]: "contracts/keepers/BatchRebalancer.sol:BatchRebalancer",
    [await plain.getAddress()]: "contracts/mocks/PlainERC20.sol:PlainERC20",
  };
  for (const feed of feeds)
    contracts[await feed.getAddress()] = "contracts/perp/SettablePriceFeed.sol:SettablePriceFeed";
  // A token's own code is its clone's; the token's functions run in the implementation it delegates to.
  for (const token of [await long.getAddress(), await short.getAddress(), ...batch]) contracts[token] = CLONE;
  contracts[await factory.implementation()] = "contracts/LeveragedToken.sol:LeveragedToken";
  return { gas, hashes, contracts };
}

/** The flags of `npm run bench` (tasks/bench.ts). */
export interface BenchArgs {
  check: boolean;
  update: boolean;
  profile: boolean;
  indexer: boolean;
}

/** `npm run bench`: the gas table against gas-snapshot.json, then the informational figures (see the README, "Performance"). */
export async function runBench(hre: HardhatRuntimeEnvironment, args: BenchArgs): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the benchmark runs on the in-process hardhat network");
  if (args.indexer) {
    await hre.run("compile", { quiet: true });
    const { measureIndexer } = await import("./benchIndexer");
    console.log(await measureIndexer(hre));
    return;
  }
  await hre.run("compile", { quiet: true });
  const { gas, hashes, contracts } = await measure(hre);
  if (args.profile) {
    const { formatProfile, profileTransaction } = await import("./benchProfile");
    for (const name of PROFILED) {
      console.log(`\n${formatProfile(name, await profileTransaction(hre, hashes[name], contracts))}`);
    }
    return;
  }
  // The 200-token system: the FactoryUpkeep's rows, then the informational figures below. Loaded now: they need
  // the compiled types.
  const { deployScaleSystem, measureUpkeep, measureKeeperTicks, measureMonteCarlo } = await import("./benchScale");
  const book = await deployScaleSystem(hre);
  Object.assign(gas, await measureUpkeep(hre, book));
  const file = path.join(hre.config.paths.root, SNAPSHOT);
  const snapshot: Record<string, number> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const plain = gas["transfer (plain OpenZeppelin ERC-20)"];
  const rows = Object.entries(gas).map(([name, value]) => {
    const before = snapshot[name];
    const change = before ? `${(((value - before) / before) * 100).toFixed(2)}%` : "new";
    // A transfer: within 1% of a plain OpenZeppelin ERC-20's.
    const target = name === "transfer" ? Math.round(plain * 1.01) : TARGETS[name];
    const verdict = target === undefined ? "" : value <= target ? `<= ${target} met` : `> ${target} NOT met`;
    return [name, value.toLocaleString("en-US"), before ? before.toLocaleString("en-US") : "-", change, verdict];
  });
  console.log(table(["action", "gas", "snapshot", "change", "target"], rows));
  if (args.update) {
    writeFileSync(file, `${JSON.stringify(gas, null, 2)}\n`);
    console.log(`\nwrote ${SNAPSHOT}`);
  }
  if (args.check) {
    const worse = Object.entries(gas).filter(
      ([name, value]) => snapshot[name] && value > snapshot[name] * (1 + TOLERANCE),
    );
    const missing = Object.keys(snapshot).filter((name) => !(name in gas));
    if (worse.length > 0 || missing.length > 0 || Object.keys(snapshot).length === 0) {
      const what = [
        ...worse.map(([name, value]) => `${name} ${value} > ${snapshot[name]} + 1%`),
        ...missing.map((name) => `${name} no longer measured`),
      ];
      console.error(
        `error: gas check failed: ${what.join("; ") || `no ${SNAPSHOT}`} (npm run bench -- --update after a deliberate change)`,
      );
      process.exitCode = 1;
    } else {
      console.log(`\ngas check passed: no figure more than 1% above ${SNAPSHOT}`);
    }
  }

  // Informational figures: not in the snapshot, never checked. Loaded now: they need the compiled types.
  const { measureListStartup } = await import("./benchStartup");
  const { measureApp } = await import("./benchApp");
  try {
    console.log(`\n${await measureKeeperTicks(hre, book)}`);
    console.log(`\n${measureMonteCarlo()}`);
    console.log(`\n${await measureListStartup(hre)}`);
    console.log(`\n${await measureApp(hre, book)}`);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
  // Two profit-mode keepers racing for the keeper rewards (a minute or two), whatever the figures above did.
  try {
    const { measureKeepers } = await import("./benchKeepers");
    console.log(`\n${await measureKeepers(hre)}`);
  } catch (error) {
    console.error(`error: keepers anyone can run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
