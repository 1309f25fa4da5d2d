/**
 * `npm run demo`: the whole system on the in-process Hardhat network, and the stories people ask about, each
 * played on chain from the same freshly deployed state (BTC at 50,000): a 3x token on a +20% move, a 2x token on a
 * +5% and a -5% day, a choppy week, a crash where the drift trigger fires intraday, a gap that wipes out a 3x token,
 * a wallet that buys the token on the DEX, and redemptions. One table per story and charts in out/demo/.
 * The fees of the local deployment are on (mint/redeem 0.1%, taker 0.05%, funding 10% a year, management 3.65%),
 * so the tokens land a little below the rule of thumb.
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Contract, type Signer } from "ethers";
import { deploySystem } from "../ignition/deploySystem";
import type { AddressBook } from "../src/addressBook";
import { formatAmount, formatLeverage } from "../src/amounts";
import { writeChart } from "../src/charts/render";
import { groupedBars, lineChart } from "../src/charts/specs";
import { loadSpec } from "../src/deployment/spec";
import { uniswapV2 } from "../src/dex/uniswapV2";
import { table } from "../src/format";
import type { LeveragedToken, MockStablecoin, SettablePriceFeed } from "../typechain-types";

export interface StoryResult {
  name: string;
  underlying: number; // return of the underlying
  token: number; // return of the holding at NAV (or paid out)
  ruleOfThumb: number; // what L x the move (compounded per rebalance) predicts
  table: string;
}

export interface DemoResult {
  stories: StoryResult[];
  charts: string[];
  seconds: number;
}

const usd = (n: number | string) => BigInt(Math.round(Number(n) * 1e6));
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const usdc = (units: bigint) => formatAmount(units, 6, 2);
const DAY = 86_400;

export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  options: { outDir?: string; log?: (line: string) => void } = {},
): Promise<DemoResult> {
  const log = options.log ?? console.log;
  const started = Date.now();
  if (hre.network.name !== "hardhat")
    throw new Error(`the demo runs on the in-process network, not ${hre.network.name}`);
  const { ethers } = hre;
  const provider = hre.network.provider;

  log("deploying the system (stablecoin, feeds, exchange, factory, 9 tokens, Uniswap V2 and a BTC3L pool)...");
  const book: AddressBook = await deploySystem(hre, loadSpec(hre.config.paths.root, "hardhat"));
  const [admin, alice, bob, carol, dave] = await ethers.getSigners();
  const stable = (await ethers.getContractAt("MockStablecoin", book.stablecoin)) as unknown as MockStablecoin;
  const btcFeed = (await ethers.getContractAt(
    "SettablePriceFeed",
    book.markets.BTC.feed,
  )) as unknown as SettablePriceFeed;
  const token = async (symbol: string) =>
    (await ethers.getContractAt("LeveragedToken", book.tokens[symbol])) as unknown as LeveragedToken;
  const [btc3l, btc2l] = [await token("BTC3L"), await token("BTC2L")];

  log("funding wallets: 100,000 USDC each for alice, bob, carol and dave...");
  for (const wallet of [alice, bob, carol, dave]) {
    await (await stable.connect(admin).mint(wallet.address, usd(100_000))).wait();
    for (const t of [btc3l, btc2l])
      await (await stable.connect(wallet).approve(await t.getAddress(), usd(100_000))).wait();
  }

  const now = async () => (await ethers.provider.getBlock("latest"))!.timestamp;
  const advance = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };
  const setBtc = async (price: number) => {
    await (await btcFeed.connect(admin).updateAnswer(BigInt(Math.round(price * 1e8)))).wait();
  };
  /** The keeper: rebalances when the token says it is due; returns the action taken. */
  const keeper = async (t: LeveragedToken): Promise<string> => {
    const action = Number(await t.rebalanceAction());
    if (action === 0) return "-";
    await (await t.rebalance()).wait();
    return action === 1 ? "rebalance (time)" : "rebalance (drift)";
  };
  const holding = async (t: LeveragedToken, who: string) =>
    ((await t.balanceOf(who)) * (await t.navPerShare())) / 10n ** 18n;
  const mint = async (t: LeveragedToken, who: Signer, amount: bigint) =>
    (await t.connect(who).mint(amount, 0, await who.getAddress())).wait();

  // Every story starts from the state right after funding: BTC at 50,000, nothing minted by the wallets.
  let snapshot = (await provider.send("evm_snapshot", [])) as string;
  const fresh = async () => {
    await provider.send("evm_revert", [snapshot]);
    snapshot = (await provider.send("evm_snapshot", [])) as string;
  };
  const stories: StoryResult[] = [];
  const story = (s: StoryResult) => {
    stories.push(s);
    log(`  done: token ${pct(s.token)} against ${pct(s.underlying)} for BTC (rule of thumb ${pct(s.ruleOfThumb)})`);
  };

  // 1. 1,000 USDC into BTC3L while BTC goes 50,000 -> 60,000.
  log("story 1: alice puts 1,000 USDC into BTC3L; BTC goes 50,000 -> 60,000...");
  {
    await mint(btc3l, alice, usd(1_000));
    const before = await holding(btc3l, alice.address);
    await setBtc(60_000);
    const after = await holding(btc3l, alice.address);
    const paid = await btc3l.previewRedeem(await btc3l.balanceOf(alice.address));
    story({
      name: "1,000 USDC in BTC3L, BTC 50k -> 60k",
      underlying: 0.2,
      token: Number(after) / 1e9 - 1,
      ruleOfThumb: 0.6,
      table: table(
        ["", "BTC", "alice's BTC3L", "rule of thumb (3 x move)"],
        [
          ["start", "50,000", usdc(before), "1,000"],
          ["BTC 60,000 (+20%)", "60,000", usdc(after), "1,600"],
          ["a redeem would pay", "", usdc(paid), ""],
        ],
      ),
    });
  }

  // 2. A 2x token on a +5% day and on a -5% day.
  log("story 2: BTC2L on a +5% day, then (from the same start) on a -5% day...");
  {
    const rows: string[][] = [];
    const returns: number[] = [];
    for (const move of [0.05, -0.05]) {
      await fresh();
      await mint(btc2l, bob, usd(1_000));
      const nav0 = await btc2l.navPerShare();
      await advance(DAY - 60);
      await setBtc(50_000 * (1 + move));
      const nav1 = await btc2l.navPerShare();
      const r = Number(nav1) / Number(nav0) - 1;
      returns.push(r);
      rows.push([`BTC ${move > 0 ? "+" : ""}${move * 100}% in a day`, pct(move), pct(r), pct(2 * move)]);
    }
    story({
      name: "BTC2L, +5% day",
      underlying: 0.05,
      token: returns[0],
      ruleOfThumb: 0.1,
      table: table(["day", "BTC", "BTC2L NAV", "rule of thumb (2 x move)"], rows),
    });
    stories.push({
      ...stories[stories.length - 1],
      name: "BTC2L, -5% day",
      underlying: -0.05,
      token: returns[1],
      ruleOfThumb: -0.1,
    });
  }

  // 3. A choppy week: +5%, -5%, ... rebalanced every day.
  log("story 3: a choppy week for BTC3L: +5%, -5%, +5%, -5%, +5%, -5%, rebalanced daily...");
  const week: { date: string; series: string; value: number }[] = [];
  {
    await fresh();
    await mint(btc3l, carol, usd(1_000));
    const nav0 = Number(await btc3l.navPerShare());
    let price = 50_000;
    let thumb = 1;
    const rows: string[][] = [
      ["day 0", "50,000", "0.00%", "0.00%", "0.00%", formatLeverage(await btc3l.currentLeverage()), "-"],
    ];
    const t0 = await now();
    week.push(
      { date: new Date(t0 * 1000).toISOString(), series: "BTC", value: 1 },
      { date: new Date(t0 * 1000).toISOString(), series: "BTC3L", value: 1 },
    );
    for (const [day, move] of [0.05, -0.05, 0.05, -0.05, 0.05, -0.05].entries()) {
      await advance(DAY);
      price *= 1 + move;
      thumb *= 1 + 3 * move;
      await setBtc(price);
      const nav = Number(await btc3l.navPerShare()) / nav0;
      const leverage = formatLeverage(await btc3l.currentLeverage());
      const action = await keeper(btc3l);
      const at = new Date((await now()) * 1000).toISOString();
      week.push({ date: at, series: "BTC", value: price / 50_000 }, { date: at, series: "BTC3L", value: nav });
      rows.push([
        `day ${day + 1}`,
        price.toLocaleString("en-US", { maximumFractionDigits: 2 }),
        pct(price / 50_000 - 1),
        pct(nav - 1),
        pct(thumb - 1),
        leverage,
        action,
      ]);
    }
    const token = Number(await btc3l.navPerShare()) / nav0 - 1;
    story({
      name: "choppy week, BTC3L",
      underlying: price / 50_000 - 1,
      token,
      ruleOfThumb: thumb - 1,
      table: table(
        [
          "",
          "BTC",
          "BTC since start",
          "BTC3L since start",
          "rule of thumb (1 + 3r) each day",
          "leverage before",
          "keeper",
        ],
        rows,
      ),
    });
  }

  // 4. A crash where the drift trigger fires intraday.
  log("story 4: BTC falls 3% an hour for 7 hours; the keeper checks every hour...");
  {
    await fresh();
    await mint(btc3l, dave, usd(1_000));
    const nav0 = Number(await btc3l.navPerShare());
    let price = 50_000;
    const rows: string[][] = [];
    for (let hour = 1; hour <= 7; hour += 1) {
      await advance(3_600);
      price *= 0.97;
      await setBtc(price);
      const leverage = formatLeverage(await btc3l.currentLeverage());
      const action = await keeper(btc3l);
      const nav = Number(await btc3l.navPerShare()) / nav0;
      rows.push([
        `+${hour}h`,
        price.toLocaleString("en-US", { maximumFractionDigits: 0 }),
        pct(price / 50_000 - 1),
        leverage,
        action,
        pct(nav - 1),
      ]);
    }
    const token = Number(await btc3l.navPerShare()) / nav0 - 1;
    story({
      name: "crash -19% in 7 hours, BTC3L",
      underlying: price / 50_000 - 1,
      token,
      ruleOfThumb: 3 * (price / 50_000 - 1),
      table:
        table(["time", "BTC", "BTC since start", "leverage", "keeper", "BTC3L since start"], rows) +
        `\nwithout the drift trigger the token would be 3 x ${pct(price / 50_000 - 1)} = ${pct(3 * (price / 50_000 - 1))}; the band [2x, 4x] cut the exposure mid-crash`,
    });
  }

  // 5. A gap that wipes out a 3x token.
  log("story 5: BTC gaps 50,000 -> 32,500 (-35%) between two prices; BTC3L's equity is gone...");
  {
    await fresh();
    await mint(btc3l, alice, usd(1_000));
    const before = await holding(btc3l, alice.address);
    await setBtc(32_500);
    const equity = await btc3l.equity();
    const action = await keeper(btc3l);
    const wiped = await btc3l.wipedOut();
    const balance = await stable.balanceOf(alice.address);
    await (await btc3l.connect(alice).redeem(await btc3l.balanceOf(alice.address), 0, alice.address)).wait();
    const paid = (await stable.balanceOf(alice.address)) - balance;
    let mintRefused = false;
    try {
      await btc3l.connect(alice).mint.staticCall(usd(100), 0, alice.address);
    } catch {
      mintRefused = true;
    }
    story({
      name: "gap -35%, BTC3L",
      underlying: -0.35,
      token: Number(paid) / Number(before) - 1,
      ruleOfThumb: Math.max(-1, 3 * -0.35),
      table: table(
        ["", "value"],
        [
          ["alice's holding before", `${usdc(before)} USDC`],
          ["equity after the gap", `${usdc(equity)} USDC`],
          ["keeper", action],
          ["wiped out", String(wiped)],
          ["alice's redeem paid", `${usdc(paid)} USDC`],
          ["minting refused afterwards", String(mintRefused)],
        ],
      ),
    });
  }

  // 6. A wallet buys BTC3L on the DEX, BTC rises 10%, everyone redeems.
  log("story 6: carol buys BTC3L on the Uniswap pool, bob mints; BTC +10%; both redeem...");
  {
    await fresh();
    const router = new Contract(book.dex!.router, uniswapV2.router.abi as never, carol);
    await (await stable.connect(carol).approve(book.dex!.router, usd(1_000))).wait();
    const navBefore = await btc3l.navPerShare();
    const got = await btc3l.balanceOf(carol.address);
    const deadline = (await now()) + 600;
    await (
      await router.swapExactTokensForTokens(
        usd(1_000),
        0,
        [book.stablecoin, book.tokens.BTC3L],
        carol.address,
        deadline,
      )
    ).wait();
    const bought = (await btc3l.balanceOf(carol.address)) - got;
    const paidPerToken = (usd(1_000) * 10n ** 18n) / bought;
    await mint(btc3l, bob, usd(1_000));
    await advance(DAY);
    await setBtc(55_000);
    await keeper(btc3l);
    const rows: string[][] = [];
    let carolReturn = 0;
    for (const [name, who, cost] of [
      ["carol (DEX)", carol, usd(1_000)],
      ["bob (mint)", bob, usd(1_000)],
    ] as const) {
      const before = await stable.balanceOf(who.address);
      await (await btc3l.connect(who).redeem(await btc3l.balanceOf(who.address), 0, who.address)).wait();
      const paid = (await stable.balanceOf(who.address)) - before;
      if (who === carol) carolReturn = Number(paid) / Number(cost) - 1;
      rows.push([name, usdc(cost), usdc(paid), pct(Number(paid) / Number(cost) - 1)]);
    }
    story({
      name: "DEX buy, BTC +10%, redeem",
      underlying: 0.1,
      token: carolReturn,
      ruleOfThumb: 0.3,
      table:
        `carol paid ${usdc(paidPerToken)} USDC per BTC3L on the pool (NAV ${usdc(navBefore)}: the pool price includes its 0.3% fee and slippage)\n` +
        table(["redeemer", "paid in", "redeemed for", "return"], rows),
    });
  }

  const outDir = options.outDir ?? path.join(hre.config.paths.root, "out", "demo");
  log("writing charts...");
  const charts = [
    ...(await writeChart(
      outDir,
      "stories",
      groupedBars(
        "The demo's stories: BTC, the token, and the rule of thumb",
        stories.flatMap((s) => [
          { group: s.name, series: "BTC", value: s.underlying },
          { group: s.name, series: "token", value: s.token },
          { group: s.name, series: "rule of thumb", value: s.ruleOfThumb },
        ]),
      ),
    )),
    ...(await writeChart(
      outDir,
      "choppy-week",
      lineChart("A choppy week: BTC ends -0.75%, BTC3L loses more", week, "value (start = 1)"),
    )),
  ];

  log("");
  for (const s of stories.filter((s, i) => i === 0 || s.table !== stories[i - 1].table)) {
    log(`== ${s.name === "BTC2L, +5% day" ? "BTC2L on a +5% and on a -5% day" : s.name} ==`);
    log(s.table);
    log("");
  }
  log(
    table(
      ["story", "BTC", "token", "rule of thumb"],
      stories.map((s) => [s.name, pct(s.underlying), pct(s.token), pct(s.ruleOfThumb)]),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  log(`\ncharts: ${charts.map((c) => path.relative(hre.config.paths.root, c)).join(", ")}`);
  log(`demo finished in ${seconds.toFixed(1)} s`);
  return { stories, charts, seconds };
}

if (require.main === module) {
  // Loaded by `hardhat run`: the Hardhat runtime is ready.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as HardhatRuntimeEnvironment;
  runDemo(hre).catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
