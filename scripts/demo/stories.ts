/**
 * The demo's stories, one function each, every one from the same funded state (BTC at 50,000). Each returns its
 * table and its outcomes: the underlying's return, the token's, and what the rule of thumb (L x the move,
 * compounded per rebalance) predicts.
 */
import { formatLeverage, table } from "../../src/text/format";
import { parseUsdc } from "../../src/text/units";
import { dexAtNav } from "./dex";
import { DAY, pct, START_PRICE, usdc, usdcNumber, type DemoWorld, type Outcome, type Story } from "./world";

const MINT = parseUsdc(1_000);
const sinceStart = (price: number) => price / START_PRICE - 1;

/** A fresh world, alice's 1,000 USDC into BTC3L, then BTC at `price`: alice, and her holding before the move. */
async function aliceInBtc3l(w: DemoWorld, price: number) {
  await w.fresh();
  const { alice } = w.wallets;
  await w.mint(w.btc3l, alice, MINT);
  const before = await w.holding(w.btc3l, alice.address);
  await w.setBtc(price);
  return { alice, before };
}

/** 1,000 USDC into BTC3L while BTC goes 50,000 -> 60,000. */
export async function threeTimesARise(w: DemoWorld): Promise<Story> {
  const { alice, before } = await aliceInBtc3l(w, 60_000);
  const after = await w.holding(w.btc3l, alice.address);
  const paid = await w.btc3l.previewRedeem(await w.btc3l.balanceOf(alice.address));
  return {
    title: "1,000 USDC in BTC3L, BTC 50k -> 60k",
    outcomes: [
      {
        name: "1,000 USDC in BTC3L, BTC 50k -> 60k",
        underlying: 0.2,
        token: usdcNumber(after) / 1_000 - 1,
        ruleOfThumb: 0.6,
      },
    ],
    table: table(
      ["", "BTC", "alice's BTC3L", "rule of thumb (3 x move)"],
      [
        ["start", "50,000", usdc(before), "1,000"],
        ["BTC 60,000 (+20%)", "60,000", usdc(after), "1,600"],
        ["a redeem would pay", "", usdc(paid), ""],
      ],
    ),
  };
}

/** BTC2L on a +5% day and, from the same start, on a -5% day. */
export async function twoTimesADay(w: DemoWorld): Promise<Story> {
  const rows: string[][] = [];
  const outcomes: Outcome[] = [];
  for (const move of [0.05, -0.05]) {
    await w.fresh();
    await w.mint(w.btc2l, w.wallets.bob, MINT);
    const nav0 = await w.btc2l.navPerShare();
    await w.advance(DAY - 60);
    await w.setBtc(START_PRICE * (1 + move));
    const token = Number(await w.btc2l.navPerShare()) / Number(nav0) - 1;
    const name = `BTC2L, ${move > 0 ? "+" : ""}${move * 100}% day`;
    outcomes.push({ name, underlying: move, token, ruleOfThumb: 2 * move });
    rows.push([`BTC ${move > 0 ? "+" : ""}${move * 100}% in a day`, pct(move), pct(token), pct(2 * move)]);
  }
  return {
    title: "BTC2L on a +5% and on a -5% day",
    outcomes,
    table: table(["day", "BTC", "BTC2L NAV", "rule of thumb (2 x move)"], rows),
  };
}

/** A choppy week: +5%, -5%, ... for BTC3L, rebalanced every day. NAV is read after each day's rebalance. */
export async function choppyWeek(w: DemoWorld): Promise<Story> {
  await w.fresh();
  await w.mint(w.btc3l, w.wallets.carol, MINT);
  const nav0 = Number(await w.btc3l.navPerShare());
  let price = START_PRICE;
  let thumb = 1;
  const rows = [["day 0", "50,000", "0.00%", "0.00%", "0.00%", formatLeverage(await w.btc3l.currentLeverage()), "-"]];
  const days: Story["days"] = [
    { day: 0, series: "BTC", value: 0 },
    { day: 0, series: "BTC3L", value: 0 },
    { day: 0, series: "rule of thumb", value: 0 },
  ];
  let token = 0;
  for (const [day, move] of [0.05, -0.05, 0.05, -0.05, 0.05, -0.05].entries()) {
    await w.advance(DAY);
    price *= 1 + move;
    thumb *= 1 + 3 * move;
    await w.setBtc(price);
    const leverage = formatLeverage(await w.btc3l.currentLeverage());
    const action = await w.keeper(w.btc3l);
    token = Number(await w.btc3l.navPerShare()) / nav0 - 1;
    days.push(
      { day: day + 1, series: "BTC", value: sinceStart(price) },
      { day: day + 1, series: "BTC3L", value: token },
      { day: day + 1, series: "rule of thumb", value: thumb - 1 },
    );
    const btc = price.toLocaleString("en-US", { maximumFractionDigits: 2 });
    rows.push([`day ${day + 1}`, btc, pct(sinceStart(price)), pct(token), pct(thumb - 1), leverage, action]);
  }
  return {
    title: "choppy week, BTC3L",
    outcomes: [{ name: "choppy week, BTC3L", underlying: sinceStart(price), token, ruleOfThumb: thumb - 1 }],
    days,
    table: table(
      ["", "BTC", "BTC since start", "BTC3L since start", "rule of thumb (1 + 3r) each day", "leverage", "keeper"],
      rows,
    ).concat("\n(leverage before the keeper; BTC3L's NAV after the day's rebalance)"),
  };
}

/** BTC falls 3% an hour for 7 hours; the keeper checks every hour and the drift trigger fires mid-crash. */
export async function crash(w: DemoWorld): Promise<Story> {
  await w.fresh();
  await w.mint(w.btc3l, w.wallets.dave, MINT);
  const nav0 = Number(await w.btc3l.navPerShare());
  let price = START_PRICE;
  const rows: string[][] = [];
  for (let hour = 1; hour <= 7; hour += 1) {
    await w.advance(3_600);
    price *= 0.97;
    await w.setBtc(price);
    const leverage = formatLeverage(await w.btc3l.currentLeverage());
    const action = await w.keeper(w.btc3l);
    const nav = Number(await w.btc3l.navPerShare()) / nav0;
    const btc = price.toLocaleString("en-US", { maximumFractionDigits: 0 });
    rows.push([`+${hour}h`, btc, pct(sinceStart(price)), leverage, action, pct(nav - 1)]);
  }
  const token = Number(await w.btc3l.navPerShare()) / nav0 - 1;
  const move = sinceStart(price);
  return {
    title: "crash -19% in 7 hours, BTC3L",
    outcomes: [{ name: "crash -19% in 7 hours, BTC3L", underlying: move, token, ruleOfThumb: 3 * move }],
    table:
      table(["time", "BTC", "BTC since start", "leverage", "keeper", "BTC3L since start"], rows) +
      `\nwithout the drift trigger the token would be 3 x ${pct(move)} = ${pct(3 * move)}; the band [2x, 4x] cut the exposure mid-crash`,
  };
}

/** BTC gaps 50,000 -> 32,500 (-35%) between two prices: BTC3L's equity is gone, and so is its minting. */
export async function gap(w: DemoWorld): Promise<Story> {
  const { alice, before } = await aliceInBtc3l(w, 32_500);
  const equity = await w.btc3l.equity();
  const action = await w.keeper(w.btc3l);
  const balance = await w.system.stablecoin.balanceOf(alice.address);
  await (await w.btc3l.connect(alice).redeem(await w.btc3l.balanceOf(alice.address), 0, alice.address)).wait();
  const paid = (await w.system.stablecoin.balanceOf(alice.address)) - balance;
  const mintRefused = await w.btc3l
    .connect(alice)
    .mint.staticCall(parseUsdc(100), 0, alice.address)
    .then(
      () => false,
      () => true,
    );
  return {
    title: "gap -35%, BTC3L",
    outcomes: [
      {
        name: "gap -35%, BTC3L",
        underlying: -0.35,
        token: Number(paid) / Number(before) - 1,
        ruleOfThumb: Math.max(-1, 3 * -0.35),
      },
    ],
    table: table(
      ["", "value"],
      [
        ["alice's holding before", `${usdc(before)} USDC`],
        ["equity after the gap", `${usdc(equity)} USDC`],
        ["keeper", action],
        ["wiped out", String(await w.btc3l.wipedOut())],
        ["alice's redeem paid", `${usdc(paid)} USDC`],
        ["minting refused afterwards", String(mintRefused)],
      ],
    ),
  };
}

/** Every story, in the order the demo plays them, with the line announcing it. */
export const STORIES: { intro: string; play: (w: DemoWorld) => Promise<Story> }[] = [
  { intro: "alice puts 1,000 USDC into BTC3L; BTC goes 50,000 -> 60,000", play: threeTimesARise },
  { intro: "BTC2L on a +5% day, then (from the same start) on a -5% day", play: twoTimesADay },
  { intro: "a choppy week for BTC3L: +5%, -5%, +5%, -5%, +5%, -5%, rebalanced daily", play: choppyWeek },
  { intro: "BTC falls 3% an hour for 7 hours; the keeper checks every hour", play: crash },
  { intro: "BTC gaps 50,000 -> 32,500 (-35%) between two prices; BTC3L's equity is gone", play: gap },
  {
    intro: "BTC3L's pool after BTC moves, before and after the arbitrageur; carol trades through the TradeRouter",
    play: dexAtNav,
  },
];
