import { task } from "hardhat/config";
import { MaxUint256, type BaseContract, type ContractTransactionReceipt } from "ethers";
import { parseAmount, parsePercent, withSlippage } from "../src/amounts";
import { formatAmount, formatToken, formatUsdc } from "../src/format";
import { signPermitSignature } from "../src/permit";
import type { LeveragedToken } from "../typechain-types";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "../src/units";
import { UserError } from "../src/errors";
import { priceStatusName } from "../src/contractTypes";
import { checkMint, checkRedeem } from "../src/holder";
import { valueAtNav } from "../src/tokenState";
import { ensureAllowance, parseRecipient, send, tradeDeadline, withContext, type TaskContext } from "./context";

/**
 * What a quote is based on: the block it was read at and the token's market price there ("block 57, BTC at 50,000.00
 * USD"). Reads made with `{ blockTag }` give the quote of exactly that block.
 */
export async function quoteBasis({ hre, system }: TaskContext, token: LeveragedToken) {
  const blockTag = await hre.ethers.provider.getBlockNumber();
  const [marketId, address] = await Promise.all([token.marketId(), token.getAddress()]);
  const [market, snapshot] = await Promise.all([
    system.exchange.market(marketId, { blockTag }),
    system.exchange.accountSnapshot(address, marketId, { blockTag }),
  ]);
  const status = priceStatusName(snapshot.priceStatus);
  const price = `${formatAmount(snapshot.price, 18, 2, true)} USD${status === "fresh" ? "" : ` (${status})`}`;
  return { blockTag, text: `block ${blockTag}, ${market.symbol} at ${price}` };
}

/** The decoded event `name` of `contract` in a receipt. */
export function eventOf(receipt: ContractTransactionReceipt, contract: BaseContract, name: string) {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== String(contract.target).toLowerCase()) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`${name} was not emitted`);
}

/**
 * Whether the stablecoin takes EIP-2612 permits (the mock does, and so does USDC): then a mint is one signature and
 * one transaction (`mintWithPermit`), and a refused mint sends nothing.
 */
const takesPermits = ({ system, signer }: TaskContext) =>
  system.stablecoin.nonces(signer.address).then(
    () => true,
    () => false,
  );

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
    withContext<{ token: string; amount: string; slippage: string; to?: string }>(async (args, ctx) => {
      const { signer, system, resolveToken } = ctx;
      ctx.erc20Decimals = USDC_DECIMALS; // a refused allowance or balance is the stablecoin's
      const amount = parseAmount(args.amount, USDC_DECIMALS, "--amount");
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, signer.address);
      const token = await resolveToken(args.token);
      // Everything that would make the mint revert is checked before the approval: a refused mint sends nothing.
      const basis = await quoteBasis(ctx, token);
      const { symbol, expectedShares: expected } = await checkMint(
        token,
        system.stablecoin,
        signer.address,
        amount,
        basis.blockTag,
      );
      console.log(`quote: about ${formatToken(expected)} ${symbol} for ${formatUsdc(amount)} USDC (${basis.text})`);
      const minShares = withSlippage(expected, slippage);
      let receipt: ContractTransactionReceipt;
      if (await takesPermits(ctx)) {
        // One signature and one transaction: the permit and the mint succeed or fail together (simulated first).
        const deadline = await tradeDeadline(ctx);
        const spender = await token.getAddress();
        const permit = await signPermitSignature(signer, system.stablecoin, spender, amount, deadline);
        receipt = await send(
          `mint ${symbol} (with a permit)`,
          token.mintWithPermit,
          amount,
          minShares,
          receiver,
          permit,
        );
      } else {
        await ensureAllowance(system.stablecoin, signer.address, await token.getAddress(), amount);
        receipt = await send(`mint ${symbol}`, token.mint, amount, minShares, receiver);
      }
      const minted = eventOf(receipt, token, "Minted").args;
      console.log(
        `minted ${formatToken(minted.shares)} ${symbol} for ${formatUsdc(minted.collateralIn)} USDC (fee ${formatUsdc(minted.fee, 6)} USDC) in block ${receipt.blockNumber}`,
      );
    }),
  );

task("lt:redeem", "Redeems a leveraged token for stablecoin at NAV")
  .addParam("token", "symbol (BTC3L) or address")
  .addOptionalParam("shares", "tokens to redeem, in whole units (e.g. 10)")
  .addFlag("all", "redeem the whole balance")
  .addOptionalParam("slippage", "the most NAV may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares?: string; all: boolean; slippage: string; to?: string }>(async (args, ctx) => {
      const { signer, resolveToken } = ctx;
      ctx.erc20Decimals = TOKEN_DECIMALS;
      if (args.all === (args.shares !== undefined)) throw new UserError("give either --shares N or --all");
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, signer.address);
      const token = await resolveToken(args.token);
      const shares = args.all
        ? await token.balanceOf(signer.address)
        : parseAmount(args.shares ?? "", TOKEN_DECIMALS, "--shares");
      const basis = await quoteBasis(ctx, token);
      const { symbol, expectedUsdc: expected } = await checkRedeem(token, signer.address, shares, basis.blockTag);
      console.log(`quote: about ${formatUsdc(expected)} USDC for ${formatToken(shares)} ${symbol} (${basis.text})`);
      // "All" is the whole balance when the redeem runs, after the management fee accrued (a fee recipient's newest
      // fee shares included): type(uint256).max, where the token's contracts take it.
      const all =
        args.all &&
        (await token.redeem.staticCall(MaxUint256, 0n, receiver).then(
          () => true,
          () => false,
        ));
      const asked = all ? MaxUint256 : shares;
      const receipt = await send(`redeem ${symbol}`, token.redeem, asked, withSlippage(expected, slippage), receiver);
      const redeemed = eventOf(receipt, token, "Redeemed").args;
      console.log(
        `redeemed ${formatToken(redeemed.shares)} ${symbol} for ${formatUsdc(redeemed.collateralOut, 6)} USDC (fee ${formatUsdc(redeemed.fee, 6)} USDC) in block ${receipt.blockNumber}`,
      );
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
