import { task } from "hardhat/config";
import { noArbitrageBand } from "../src/bots/arbitrage/plan";
import { tokenPool } from "../src/dex/pool";
import { table } from "../src/text/format";
import { readExchangeAccount } from "../src/reads/exchangeAccount";
import { readTokenState } from "../src/reads/tokenState";
import { infoLines, LIST_HEADER, listRow } from "../src/reads/tokenReport";
import { withContext, type TaskContext } from "./context";

/** The chain's time. */
const chainNow = async ({ hre }: TaskContext) => BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);

task(
  "lt:list",
  "Lists every token: NAV, pool price and premium, leverage, band, next rebalance, supply, fees",
).setAction(
  withContext<Record<string, never>>(async (_args, ctx) => {
    const { system, resolveToken } = ctx;
    const now = await chainNow(ctx);
    const rows: string[][] = [];
    for (const address of await system.factory.allTokens()) {
      const token = await resolveToken(address);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(address)]);
      rows.push(listRow(s, retired, await tokenPool(ctx.signer, system.book, address), now));
    }
    console.log(table(LIST_HEADER, rows));
  }),
);

task("lt:info", "Shows the full state of one token and of its exchange account")
  .addParam("token", "symbol (BTC3L) or address")
  .setAction(
    withContext<{ token: string }>(async (args, ctx) => {
      const { system, resolveToken } = ctx;
      const token = await resolveToken(args.token);
      const [s, retired] = await Promise.all([readTokenState(token), system.factory.isRetired(token)]);
      const pool = await tokenPool(ctx.signer, system.book, s.address);
      const account = await readExchangeAccount(system.exchange, s.address, s.marketId);
      const band = () => noArbitrageBand(token, s.navPerShare, s.equity);
      for (const line of await infoLines(s, retired, account, pool, band, await chainNow(ctx))) console.log(line);
    }),
  );
