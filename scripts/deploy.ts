/**
 * Deploys the whole system to the selected network and writes its address book:
 * `npm run deploy -- --network localhost` (or sepolia, arbitrumSepolia, baseSepolia).
 */
import hre from "hardhat";
import { writeAddressBook } from "../src/addressBook";
import { loadSpec } from "../src/deployment/spec";
import { deploySystem } from "../ignition/deploySystem";
import path from "node:path";

async function main() {
  const root = hre.config.paths.root;
  const network = hre.network.name;
  if (network === "hardhat") {
    console.log("note: the in-process hardhat network is gone when this command ends; use --network localhost");
  }
  const spec = loadSpec(root, network);
  const book = await deploySystem(hre, spec, { displayUi: true });
  const file = writeAddressBook(root, book);
  console.log(`\ndeployed to ${network} (chain ${book.chainId}); address book: ${path.relative(root, file)}`);
  console.log(`  stablecoin ${book.stablecoin}\n  exchange   ${book.exchange}\n  factory    ${book.factory}`);
  console.log(`  batcher    ${book.batcher}`);
  console.log(`  lens       ${book.lens}`);
  console.log(`  upkeep     ${book.upkeep} (Chainlink Automation, every token)`);
  for (const [symbol, address] of Object.entries(book.tokens)) console.log(`  ${symbol.padEnd(10)} ${address}`);
  if (book.dex) {
    console.log(`  router     ${book.dex.router} (Uniswap V2)`);
    console.log(`  trade      ${book.dex.tradeRouter} (best-price buy and sell)`);
    console.log(`  arbitrage  ${book.dex.arbitrage}`);
  }
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
