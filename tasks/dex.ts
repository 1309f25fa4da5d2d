import { task } from "hardhat/config";
import { Contract } from "ethers";
import { parseAmount, parsePercent, withSlippage } from "../src/text/input";
import { formatAmount } from "../src/text/format";
import { USDC_DECIMALS } from "../src/text/units";
import { UserError } from "../src/text/userError";
import type { System } from "../src/chain/contracts";
import { swapReceived, uniswapV2 } from "../src/dex/uniswapV2";
import { findPool, liquidityTokenAmount, type Pool } from "../src/dex/pool";
import type { LeveragedToken } from "../typechain-types";
import { ensureAllowance, send, tradeDeadline, withContext, type TaskContext } from "./context";

function router(ctx: TaskContext): Contract {
  const dex = ctx.system.book.dex;
  if (!dex) throw new UserError(`this deployment (${ctx.hre.network.name}) has no DEX: its parameters say dex "none"`);
  return new Contract(dex.router, uniswapV2.router.abi as never, ctx.signer);
}

/** The token's pool against the stablecoin, in the router's factory; undefined when there is none. */
async function poolOf(ctx: TaskContext, token: string): Promise<Pool | undefined> {
  return findPool(ctx.signer, String(await router(ctx).factory()), token, ctx.system.book.stablecoin);
}

async function resolveSide(system: System, input: string, ctx: TaskContext) {
  if (input.toUpperCase() === "USDC") return { contract: system.stablecoin, symbol: "USDC", decimals: USDC_DECIMALS };
  const token: LeveragedToken = await ctx.resolveToken(input);
  return { contract: token, symbol: await token.symbol(), decimals: 18 };
}

task("lt:pool:add-liquidity", "Adds a token and stablecoin to the token's Uniswap V2 pool at its current price")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("usdc", "the stablecoin side, in whole units; the token side follows the pool's price (NAV if empty)")
  .addOptionalParam("slippage", "the most the pool price may move, in percent", "1")
  .setAction(
    withContext<{ token: string; usdc: string; slippage: string }>(async (args, ctx) => {
      const { signer, system, resolveToken } = ctx;
      const usdcAmount = parseAmount(args.usdc, USDC_DECIMALS, "--usdc");
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const token = await resolveToken(args.token);
      const [symbol, address] = [await token.symbol(), await token.getAddress()];
      const pool = await poolOf(ctx, address);
      const tokenAmount = liquidityTokenAmount(usdcAmount, await token.navPerShare(), pool);
      const [usdcBalance, tokenBalance] = [
        await system.stablecoin.balanceOf(signer.address),
        await token.balanceOf(signer.address),
      ];
      if (usdcBalance < usdcAmount) throw new UserError(`not enough USDC: you have ${formatAmount(usdcBalance, 6)}`);
      if (tokenBalance < tokenAmount) {
        throw new UserError(
          `not enough ${symbol}: the pool needs ${formatAmount(tokenAmount, 18, 6)} beside ${args.usdc} USDC, you have ${formatAmount(tokenBalance, 18, 6)} (lt:mint first)`,
        );
      }
      const r = router(ctx);
      await ensureAllowance(token, signer.address, await r.getAddress(), tokenAmount);
      await ensureAllowance(system.stablecoin, signer.address, await r.getAddress(), usdcAmount);
      await send(
        `add ${symbol}/USDC liquidity`,
        r.addLiquidity as never,
        address,
        system.book.stablecoin,
        tokenAmount,
        usdcAmount,
        withSlippage(tokenAmount, slippage),
        withSlippage(usdcAmount, slippage),
        signer.address,
        await tradeDeadline(ctx),
      );
    }),
  );

task("lt:swap", "Swaps on the token's Uniswap V2 pool: USDC for a token or a token for USDC")
  .addParam("sell", "what to sell: USDC or a token symbol")
  .addParam("buy", "what to buy: a token symbol or USDC")
  .addParam("amount", "how much to sell, in whole units")
  .addOptionalParam("slippage", "the most the price may move against you, in percent", "1")
  .setAction(
    withContext<{ sell: string; buy: string; amount: string; slippage: string }>(async (args, ctx) => {
      const { signer, system } = ctx;
      if ((args.sell.toUpperCase() === "USDC") === (args.buy.toUpperCase() === "USDC")) {
        throw new UserError("one side of the swap must be USDC and the other a token (e.g. --sell USDC --buy BTC3L)");
      }
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const sell = await resolveSide(system, args.sell, ctx);
      const buy = await resolveSide(system, args.buy, ctx);
      const amount = parseAmount(args.amount, sell.decimals, "--amount");
      const tokenAddress = await (sell.symbol === "USDC" ? buy : sell).contract.getAddress();
      if (!(await poolOf(ctx, tokenAddress))) {
        throw new UserError(
          `there is no ${sell.symbol === "USDC" ? buy.symbol : sell.symbol}/USDC pool: add liquidity first`,
        );
      }
      const balance = await sell.contract.balanceOf(signer.address);
      if (balance < amount) {
        throw new UserError(
          `not enough ${sell.symbol}: you have ${formatAmount(balance, sell.decimals)}, asked for ${args.amount}`,
        );
      }
      ctx.erc20Decimals = sell.decimals;
      const r = router(ctx);
      const path = [await sell.contract.getAddress(), await buy.contract.getAddress()];
      const blockTag = await ctx.hre.ethers.provider.getBlockNumber();
      const amounts = (await r.getAmountsOut(amount, path, { blockTag })) as bigint[];
      const expected = amounts[1];
      console.log(
        `quote: about ${formatAmount(expected, buy.decimals, 6)} ${buy.symbol} for ${args.amount} ${sell.symbol} on the pool (block ${blockTag})`,
      );
      await ensureAllowance(sell.contract, signer.address, await r.getAddress(), amount);
      const before = await buy.contract.balanceOf(signer.address);
      const receipt = await send(
        `swap ${args.amount} ${sell.symbol} for ${buy.symbol}`,
        r.swapExactTokensForTokens as never,
        amount,
        withSlippage(expected, slippage),
        path,
        signer.address,
        await tradeDeadline(ctx),
      );
      const received =
        swapReceived(receipt, path[1], buy.contract.interface, signer.address) ??
        (await buy.contract.balanceOf(signer.address)) - before;
      console.log(
        `received ${formatAmount(received, buy.decimals, 6)} ${buy.symbol} for ${args.amount} ${sell.symbol} in block ${receipt.blockNumber}`,
      );
    }),
  );
