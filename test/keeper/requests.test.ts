import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import hre, { ethers } from "hardhat";
import { parseConfig } from "../../src/bots/keeper/config";
import { keeperContext } from "../../src/bots/keeper/context";
import { KeeperMetrics } from "../../src/bots/keeper/metrics";
import { runOnce } from "../../src/bots/keeper/runOnce";
import { type KeeperContext } from "../../src/bots/keeper/types";
import { createLogger } from "../../src/node/logger";
import { TOKENS, deployScaleSystem, servedChain } from "../../bench/benchScale";

/**
 * The JSON-RPC requests of an idle keeper pass over the benchmark's 200 tokens, counted at the keeper's transport
 * (the bench's counting provider, over HTTP to the in-process chain): with the address book's lens, and without one.
 */
const FELL_BACK = "could not read the tokens through the lens; reading the factory's statuses";

describe("keeper: requests of an idle pass over 200 tokens", function () {
  this.timeout(600_000);

  async function scale() {
    const book = await deployScaleSystem(hre);
    const wallet = Wallet.createRandom();
    await ethers.provider.send("hardhat_setBalance", [wallet.address, `0x${parseEther("1000").toString(16)}`]);
    return { book, wallet };
  }

  async function idlePass(lensArgs: (book: Awaited<ReturnType<typeof scale>>["book"]) => string[]) {
    const { book, wallet } = await loadFixture(scale);
    const chain = await servedChain(hre, Number(book.chainId));
    try {
      const config = parseConfig(
        [
          "--factory",
          book.factory,
          "--batcher",
          book.batcher as string,
          ...lensArgs(book),
          "--rpc-url",
          chain.url,
          "--chain-id",
          String(book.chainId),
        ],
        { KEEPER_PRIVATE_KEY: wallet.privateKey },
        () => {
          throw new Error("no address book needed");
        },
      );
      const logs: Record<string, unknown>[] = [];
      const logger = createLogger("info", "json", { write: (line: string) => void logs.push(JSON.parse(line)) });
      const context: KeeperContext = keeperContext(config, chain.provider, logger, {
        signer: new Wallet(wallet.privateKey, chain.provider),
        metrics: new KeeperMetrics(),
      });
      const first = await runOnce(context);
      chain.provider.requests = 0;
      const report = await runOnce(context);
      const nav = await context.metrics?.registry.getSingleMetricAsString("keeper_token_nav_usd");
      return { first, report, requests: chain.provider.requests, logs, nav: nav ?? "" };
    } finally {
      await chain.close();
    }
  }

  it("with the lens: the signer's balance and two lens pages, NAVs and symbols included", async () => {
    const { first, report, requests, logs, nav } = await idlePass((book) => ["--lens", book.lens as string]);
    expect(first.tokens).to.equal(TOKENS);
    expect(report.tokens).to.equal(TOKENS);
    expect(report.due).to.deep.equal([]);
    expect(requests).to.equal(3);
    expect(requests).to.be.at.most(6);
    expect(logs.filter((l) => l.msg === "watching token")).to.have.length(TOKENS);
    expect(logs.some((l) => l.msg === FELL_BACK)).to.equal(false);
    // Every token's NAV gauge is set, by symbol.
    expect(nav.match(/^keeper_token_nav_usd\{token="[A-Z]+\d+[LS]"\} \d/gm)).to.have.length(TOKENS);
  });

  it("without a lens (an older address book): the factory's statuses and one NAV read per token", async () => {
    const { report, requests, nav } = await idlePass(() => []);
    expect(report.tokens).to.equal(TOKENS);
    expect(report.due).to.deep.equal([]);
    // The balance, keeperStatuses at offsets 0, 100 and 200, and 200 navPerShare reads.
    expect(requests).to.equal(1 + 3 + TOKENS);
    expect(nav.match(/^keeper_token_nav_usd\{token="[A-Z]+\d+[LS]"\} \d/gm)).to.have.length(TOKENS);
  });

  it("a lens address that is not a lens: the pass says so and reads the factory's statuses", async () => {
    const { report, logs } = await idlePass((book) => ["--lens", book.factory]);
    expect(report.tokens).to.equal(TOKENS);
    expect(report.due).to.deep.equal([]);
    expect(logs.some((l) => l.msg === FELL_BACK)).to.equal(true);
  });
});
