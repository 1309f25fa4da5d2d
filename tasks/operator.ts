import { task } from "hardhat/config";
import { MaxUint256 } from "ethers";
import { resolveMarket } from "../src/chain/addressBook";
import { writeAddressBook } from "../src/node/addressBookFile";
import { parseAmount } from "../src/text/input";
import { changedFees } from "../src/holder/fees";
import { formatLeverage } from "../src/text/format";
import { createdToken, leverageWad, parseLeverage } from "../src/deployment/listing";
import { rebalanceLines } from "../src/reads/tokenReport";
import { UserError } from "../src/text/userError";
import { send, withContext } from "./context";

task("lt:create-token", "Creates and lists a token for a market and a signed whole leverage")
  .addParam("market", "the market symbol (BTC, ETH, SOL)")
  .addParam("leverage", "signed whole leverage: 3 for 3x long, -2 for 2x short")
  .setAction(
    withContext<{ market: string; leverage: string }>(async (args, { hre, system }) => {
      const market = resolveMarket(system.book, args.market);
      const leverage = leverageWad(parseLeverage(args.leverage));
      const receipt = await send(
        `create ${market.symbol} ${formatLeverage(leverage)}`,
        system.factory.createToken,
        market.id,
        leverage,
      );
      const { address, symbol } = createdToken(receipt, system.factory.interface);
      system.book.tokens[symbol] = address;
      writeAddressBook(hre.config.paths.root, system.book);
      console.log(`${symbol} at ${address} (added to deployments/${hre.network.name}.json)`);
    }),
  );

task("lt:retire-token", "Retires a wiped-out token so that a successor can be listed for its market and leverage")
  .addParam("token", "symbol (BTC3L) or address")
  .setAction(
    withContext<{ token: string }>(async (args, { hre, system, resolveToken }) => {
      const token = await resolveToken(args.token);
      const [symbol, address] = [await token.symbol(), await token.getAddress()];
      if (await system.factory.isRetired(address)) throw new UserError(`${symbol} is retired already`);
      if (!(await token.wipedOut())) {
        throw new UserError(`${symbol} is not wiped out: only a wiped-out token can be retired (pause it instead)`);
      }
      await send(`retire ${symbol}`, system.factory.retireToken, address);
      system.book.retired = [...new Set([...(system.book.retired ?? []), symbol])];
      writeAddressBook(hre.config.paths.root, system.book);
      console.log(
        `${symbol} is retired (redeem only; marked in deployments/${hre.network.name}.json): lt:create-token lists its successor`,
      );
    }),
  );

task("lt:set-cap", "Sets a token's equity cap: the most equity a mint may take it to (redeems are never limited)")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("usdc", 'the cap in USDC, e.g. 1000000, or "none"')
  .setAction(
    withContext<{ token: string; usdc: string }>(async (args, { resolveToken }) => {
      const token = await resolveToken(args.token);
      const cap =
        String(args.usdc).trim().toLowerCase() === "none"
          ? MaxUint256
          : parseAmount(args.usdc, 6, "--usdc", { allowZero: true });
      await send(`set the equity cap of ${await token.symbol()}`, token.setEquityCap, cap);
    }),
  );

task("lt:set-fees", "Changes a token's fees (omitted ones stay as they are)")
  .addParam("token", "symbol (BTC3L) or address")
  .addOptionalParam("mintBps", "mint fee in basis points (cap 100)")
  .addOptionalParam("redeemBps", "redeem fee in basis points (cap 100)")
  .addOptionalParam("managementPerYear", "management fee in percent of NAV a year (cap 10), e.g. 3.65")
  .addOptionalParam("recipient", "who receives the fees")
  .setAction(
    withContext<{
      token: string;
      mintBps?: string;
      redeemBps?: string;
      managementPerYear?: string;
      recipient?: string;
    }>(async (args, { resolveToken }) => {
      const token = await resolveToken(args.token);
      const fees = changedFees(await token.fees(), args);
      await send(`set fees of ${await token.symbol()}`, token.setFees, fees);
    }),
  );

for (const [name, paused] of [
  ["lt:pause", true],
  ["lt:unpause", false],
] as const) {
  task(name, paused ? "Stops minting of a token (redeeming goes on)" : "Resumes minting of a token")
    .addParam("token", "symbol (BTC3L) or address")
    .setAction(
      withContext<{ token: string }>(async (args, { resolveToken }) => {
        const token = await resolveToken(args.token);
        const symbol = await token.symbol();
        if ((await token.paused()) === paused)
          throw new UserError(`${symbol} is already ${paused ? "paused" : "unpaused"}`);
        await send(`${paused ? "pause" : "unpause"} ${symbol}`, paused ? token.pause : token.unpause);
      }),
    );
}

task("lt:rebalance", "Rebalances a token now, if a rebalance is due")
  .addParam("token", "symbol (BTC3L) or address")
  .setAction(
    withContext<{ token: string }>(async (args, { resolveToken }) => {
      const token = await resolveToken(args.token);
      const receipt = await send(`rebalance ${await token.symbol()}`, token.rebalance);
      for (const line of rebalanceLines(receipt, token.interface)) console.log(line);
    }),
  );

task("lt:set-price", "Pushes a price to a market's settable feed (local chains)")
  .addParam("market", "the market symbol (BTC, ETH, SOL)")
  .addParam("price", "the price in USD, e.g. 60000")
  .setAction(
    withContext<{ market: string; price: string }>(async (args, { hre, signer, system }) => {
      const market = resolveMarket(system.book, args.market);
      if (!market.settable) {
        throw new UserError(`${market.symbol} reads a Chainlink feed (${market.feed}); its price cannot be set`);
      }
      const feed = await hre.ethers.getContractAt("SettablePriceFeed", market.feed, signer);
      const answer = parseAmount(args.price, Number(await feed.decimals()), "--price");
      await send(`set ${market.symbol} to ${args.price} USD`, feed.updateAnswer, answer);
    }),
  );
