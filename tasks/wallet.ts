import { task } from "hardhat/config";
import {
  USDC_DECIMALS,
  TOKEN_DECIMALS,
  formatToken,
  formatUsdc,
  parseAmount,
  parsePercent,
  withSlippage,
} from "../src/amounts";
import { UserError } from "../src/errors";
import { checkMint, checkRedeem } from "../src/holder";
import { valueAtNav } from "../src/tokenState";
import { ensureAllowance, parseRecipient, send, withContext } from "./context";

task("lt:faucet", "Draws stablecoin from the faucet (local chains and testnets with the mock stablecoin)")
  .addOptionalParam("amount", "stablecoin to draw, in whole units", "10000")
  .setAction(
    withContext<{ amount: string }>(async ({ amount }, { signer, system }) => {
      const units = parseAmount(amount, USDC_DECIMALS, "--amount");
      const [perCall, limit, drawn] = await Promise.all([
        system.stablecoin.faucetAmountPerCall(),
        system.stablecoin.faucetLimitPerAddress(),
        system.stablecoin.faucetDrawn(signer.address),
      ]);
      if (units > perCall) throw new UserError(`--amount is above the faucet's ${formatUsdc(perCall)} per call`);
      if (drawn + units > limit) {
        throw new UserError(`this address has drawn ${formatUsdc(drawn)} of its ${formatUsdc(limit)} faucet limit`);
      }
      await send("faucet", system.stablecoin.faucet, units);
      console.log(`balance: ${formatUsdc(await system.stablecoin.balanceOf(signer.address))} USDC`);
    }),
  );

task("lt:mint", "Mints a leveraged token with stablecoin at NAV")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("amount", "stablecoin to pay, in whole units (e.g. 1000)")
  .addOptionalParam("slippage", "the most NAV may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the tokens (default: the signer)")
  .setAction(
    withContext<{ token: string; amount: string; slippage: string; to?: string }>(
      async (args, { signer, system, resolveToken }) => {
        const amount = parseAmount(args.amount, USDC_DECIMALS, "--amount");
        const slippage = parsePercent(args.slippage, "--slippage", 50);
        const receiver = parseRecipient(args.to, signer.address);
        const token = await resolveToken(args.token);
        // Everything that would make the mint revert is checked before the approval: a refused mint sends nothing.
        const { symbol, expectedShares: expected } = await checkMint(token, system.stablecoin, signer.address, amount);
        await ensureAllowance(system.stablecoin, signer.address, await token.getAddress(), amount);
        await send(`mint ${symbol}`, token.mint, amount, withSlippage(expected, slippage), receiver);
        console.log(`minted about ${formatToken(expected)} ${symbol} for ${formatUsdc(amount)} USDC`);
      },
    ),
  );

task("lt:redeem", "Redeems a leveraged token for stablecoin at NAV")
  .addParam("token", "symbol (BTC3L) or address")
  .addOptionalParam("shares", "tokens to redeem, in whole units (e.g. 10)")
  .addFlag("all", "redeem the whole balance")
  .addOptionalParam("slippage", "the most NAV may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares?: string; all: boolean; slippage: string; to?: string }>(
      async (args, { signer, resolveToken }) => {
        if (args.all === (args.shares !== undefined)) throw new UserError("give either --shares N or --all");
        const slippage = parsePercent(args.slippage, "--slippage", 50);
        const receiver = parseRecipient(args.to, signer.address);
        const token = await resolveToken(args.token);
        const shares = args.all
          ? await token.balanceOf(signer.address)
          : parseAmount(args.shares ?? "", TOKEN_DECIMALS, "--shares");
        const { symbol, expectedUsdc: expected } = await checkRedeem(token, signer.address, shares);
        await send(`redeem ${symbol}`, token.redeem, shares, withSlippage(expected, slippage), receiver);
        console.log(`redeemed ${formatToken(shares)} ${symbol} for about ${formatUsdc(expected)} USDC`);
      },
    ),
  );

task("lt:transfer", "Transfers a leveraged token (or USDC)")
  .addParam("token", "symbol (BTC3L), address, or USDC")
  .addParam("to", "the recipient's address")
  .addParam("amount", "how much, in whole units")
  .setAction(
    withContext<{ token: string; to: string; amount: string }>(async (args, { signer, system, resolveToken }) => {
      const to = parseRecipient(args.to, "");
      const contract = args.token.toUpperCase() === "USDC" ? system.stablecoin : await resolveToken(args.token);
      const [symbol, decimals, balance] = await Promise.all([
        contract.symbol(),
        contract.decimals(),
        contract.balanceOf(signer.address),
      ]);
      const amount = parseAmount(args.amount, Number(decimals), "--amount");
      if (amount > balance) {
        throw new UserError(
          `not enough ${symbol}: you have ${formatToken(balance * 10n ** (18n - decimals))}, asked for ${args.amount}`,
        );
      }
      await send(`transfer ${symbol}`, contract.transfer, to, amount);
    }),
  );

task("lt:balance", "Shows the stablecoin and every leveraged token held by an account, with values at NAV")
  .addOptionalParam("account", "the address (default: the signer)")
  .setAction(
    withContext<{ account?: string }>(async (args, { signer, system, resolveToken }) => {
      const account = parseRecipient(args.account, signer.address);
      console.log(`${account}`);
      console.log(`  USDC     ${formatUsdc(await system.stablecoin.balanceOf(account))}`);
      for (const address of await system.factory.allTokens()) {
        const token = await resolveToken(address);
        const shares = await token.balanceOf(account);
        if (shares === 0n) continue;
        const value = valueAtNav(shares, await token.navPerShare());
        console.log(`  ${(await token.symbol()).padEnd(8)} ${formatToken(shares)} (about ${formatUsdc(value)} USDC)`);
      }
    }),
  );
