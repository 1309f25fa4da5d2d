import { task } from "hardhat/config";
import { parseAmount, parseRecipient } from "../src/text/input";
import { formatToken, formatUsdc } from "../src/text/format";
import { USDC_DECIMALS } from "../src/text/units";
import { UserError } from "../src/text/userError";
import { valueAtNav } from "../src/reads/tokenState";
import { send, withContext } from "./context";

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

task("lt:transfer", "Transfers a leveraged token (or USDC)")
  .addParam("token", "symbol (BTC3L), address, or USDC")
  .addParam("to", "the recipient's address")
  .addParam("amount", "how much, in whole units")
  .setAction(
    withContext<{ token: string; to: string; amount: string }>(async (args, ctx) => {
      const { signer, system, resolveToken } = ctx;
      const to = parseRecipient(args.to, "");
      const contract = args.token.toUpperCase() === "USDC" ? system.stablecoin : await resolveToken(args.token);
      const [symbol, decimals, balance] = await Promise.all([
        contract.symbol(),
        contract.decimals(),
        contract.balanceOf(signer.address),
      ]);
      ctx.erc20Decimals = Number(decimals);
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
