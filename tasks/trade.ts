import { task } from "hardhat/config";
import { parseAmount, parsePercent, parseRecipient } from "../src/text/input";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "../src/text/units";
import { DEFAULT_HOLDING_DAYS, parseHoldingDays } from "../src/holder/cost";
import { holdingOf, quoteBasis, stepLines, type StepReads } from "../src/holder/stepText";
import { recentCloses } from "../src/holder/volatility";
import { assetFile, loadCandles } from "../src/backtest/candleFile";
import { ASSET_FILES } from "../src/backtest/candles";
import { UserError } from "../src/text/userError";
import type { FlowStep, HolderAction, HolderSession, RedeemInput } from "../src/holder/flows";
import type { LeveragedToken } from "../typechain-types";
import { waitMined } from "../src/tx/mined";
import { DEADLINE_SECONDS, withContext, type TaskContext } from "./context";

/*
 * A holder's four trades, lt:mint, lt:redeem, lt:buy and lt:sell: each runs its flow of src/holder/flows.ts (the one
 * the app runs: checks, permit or approval, simulation, the transaction, the result from its event) and prints its
 * steps. Before a mint or a buy, the cost of holding for --days (src/holder/cost.ts).
 */

/** Runs `action`'s flow for the task, printing its steps (src/holder/stepText.ts) and its result line. */
async function runFlow(
  ctx: TaskContext,
  action: HolderAction,
  token: LeveragedToken,
  input: RedeemInput,
  days?: number,
) {
  const { FLOWS, redeem, resultLine } = await import("../src/holder/flows");
  const { costLine, readHolding } = await import("../src/holder/costInputs"); // reads the contracts: loaded when it runs
  const reads: StepReads = {
    basis: (blockTag) => quoteBasis(ctx.system.exchange, token, blockTag),
    nav: () => token.navPerShare(),
    spender: async (spender) => (spender === ctx.system.book.dex?.tradeRouter ? "the TradeRouter" : token.symbol()),
  };
  const local = ctx.hre.network.name === "localhost" || ctx.hre.network.name === "hardhat";
  // On a local chain, data/'s daily closes where the feed has too few recent rounds.
  const closes = async (market: string) =>
    local && ASSET_FILES[market] ? recentCloses(loadCandles(assetFile(ctx.hre.config.paths.root, market))) : undefined;
  const onStep = async (step: FlowStep) => {
    for (const line of await stepLines(step, reads)) console.log(line);
    const holding = holdingOf(step);
    if (holding && days !== undefined) {
      const cost = costLine(await readHolding(ctx.signer, input.token, { ...holding, days }, closes));
      console.log(`cost: ${cost}; more on the app's Decay page (#/decay)`);
    }
  };
  const session: HolderSession = {
    signer: ctx.signer,
    book: ctx.system.book,
    deadlineSeconds: DEADLINE_SECONDS,
    onStep,
    waitMined: (tx) => waitMined(tx),
  };
  const { amount } = input;
  if (action !== "redeem" && amount === "all") throw new Error(`${action} takes an amount, not "all"`);
  const result =
    action === "redeem" || amount === "all"
      ? await redeem(session, input)
      : await FLOWS[action](session, { ...input, amount });
  console.log(resultLine(result));
}

/** lt:mint and lt:buy: pay `--<amountParam>` USDC for the token, the cost of holding printed first. */
function payTask(name: "lt:mint" | "lt:buy", description: string, amountParam: "amount" | "usdc") {
  task(name, description)
    .addParam("token", "symbol (BTC3L) or address")
    .addParam(amountParam, "stablecoin to pay, in whole units (e.g. 100)")
    .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
    .addOptionalParam("to", "who receives the tokens (default: the signer)")
    .addOptionalParam("days", "the holding period the cost line is for, in days", String(DEFAULT_HOLDING_DAYS))
    .setAction(
      withContext<Record<"token" | "slippage" | "days" | typeof amountParam, string> & { to?: string }>(
        async (args, ctx) => {
          ctx.erc20Decimals = USDC_DECIMALS; // a refused allowance or balance is the stablecoin's
          const amount = parseAmount(args[amountParam], USDC_DECIMALS, `--${amountParam}`);
          const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
          const receiver = parseRecipient(args.to, ctx.signer.address);
          const days = parseHoldingDays(args.days);
          const token = await ctx.resolveToken(args.token);
          const input = { token: await token.getAddress(), amount, slippagePercent, receiver };
          await runFlow(ctx, name === "lt:mint" ? "mint" : "buy", token, input, days);
        },
      ),
    );
}

payTask(
  "lt:mint",
  "Mints a leveraged token with stablecoin at NAV (with a permit where the stablecoin takes one)",
  "amount",
);
payTask(
  "lt:buy",
  "Buys a token with USDC by the better route: the Uniswap pool or a mint at NAV (TradeRouter)",
  "usdc",
);

task("lt:redeem", "Redeems a leveraged token for stablecoin at NAV")
  .addParam("token", "symbol (BTC3L) or address")
  .addOptionalParam("shares", "tokens to redeem, in whole units (e.g. 10)")
  .addFlag("all", "redeem the whole balance")
  .addOptionalParam("slippage", "the most NAV may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares?: string; all: boolean; slippage: string; to?: string }>(async (args, ctx) => {
      ctx.erc20Decimals = TOKEN_DECIMALS;
      if (args.all === (args.shares !== undefined)) throw new UserError("give either --shares N or --all");
      const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, ctx.signer.address);
      const token = await ctx.resolveToken(args.token);
      const shares = args.all ? "all" : parseAmount(args.shares ?? "", TOKEN_DECIMALS, "--shares");
      await runFlow(ctx, "redeem", token, {
        token: await token.getAddress(),
        amount: shares,
        slippagePercent,
        receiver,
      });
    }),
  );

task("lt:sell", "Sells a token for USDC by the better route: the Uniswap pool or a redeem at NAV (TradeRouter)")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("shares", "tokens to sell, in whole units (e.g. 1)")
  .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares: string; slippage: string; to?: string }>(async (args, ctx) => {
      ctx.erc20Decimals = TOKEN_DECIMALS;
      const amount = parseAmount(args.shares, TOKEN_DECIMALS, "--shares");
      const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, ctx.signer.address);
      const token = await ctx.resolveToken(args.token);
      await runFlow(ctx, "sell", token, { token: await token.getAddress(), amount, slippagePercent, receiver });
    }),
  );
