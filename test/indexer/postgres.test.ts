import { expect } from "chai";
import { openSync } from "node:fs";
import path from "node:path";
import { MaxUint256, NonceManager, Wallet } from "ethers";
import { Client } from "pg";
import { LeveragedToken__factory, MockStablecoin__factory } from "../../typechain-types";
import { readPortfolio } from "../../src/indexer/client";
import { startIndexer, waitForBlock } from "../../src/indexer/server";
import { PROJECT_ROOT } from "../../src/node/projectRoot";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { freePort } from "../helpers/node";
import { usdc, WAD } from "../helpers/units";
import { eventually, startIndexedChain, type IndexedChain } from "./harness";
import { startPostgres, type PostgresServer } from "./postgres";

/*
 * The indexer on a real Postgres server (DATABASE_URL) instead of the embedded PGlite: it indexes into its schema,
 * and an indexer stopped and started again on the same database resumes where it stopped.
 */
describe("indexer: on a real Postgres server started on loopback (Debian's postgresql)", function () {
  this.timeout(300_000);
  let pg: PostgresServer;
  let chain: IndexedChain;

  before(async () => {
    pg = await startPostgres();
    chain = await startIndexedChain({}, { databaseUrl: pg.url, schema: "lt_test" });
  });

  after(async () => {
    await chain?.stop();
    await pg?.stop();
  });

  it("indexes into Postgres, and resumes after a restart with what happened while it was stopped", async () => {
    const { s, provider } = chain;
    const holder = new NonceManager(new Wallet(hardhatAccountKey(3), provider));
    const address = await holder.getAddress();
    const token = LeveragedToken__factory.connect(s.book.tokens.BTC3L, holder);
    await (await s.usdc.mint(address, usdc("5000"))).wait();
    await (await MockStablecoin__factory.connect(s.book.stablecoin, holder).approve(token.target, MaxUint256)).wait();
    await (await token.mint(usdc("1000"), 0n, address)).wait();
    await chain.synced();
    const balance = await token.balanceOf(address);
    await eventually(async () => {
      const first = await chain.portfolio(address);
      expect(first.positions.map((p) => [p.symbol, p.shares, p.costBasis])).to.deep.equal([
        ["BTC3L", balance, usdc("1000")],
      ]);
    });

    // The tables are in Postgres, in the indexer's schema.
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      const rows = await client.query("select shares::text from lt_test.position where account = $1", [
        address.toLowerCase(),
      ]);
      expect(rows.rows).to.deep.equal([{ shares: (await token.balanceOf(address)).toString() }]);
    } finally {
      await client.end();
    }

    // Stopped, the chain moves on; started again on the same database, it resumes.
    await chain.indexer.stop();
    await (await token.redeem((await token.balanceOf(address)) / 2n, 0n, address)).wait();
    // Past Ponder's finality depth (30 blocks on an unknown chain) beyond its start block, as a chain in use is: a
    // restart closer to the start finds the finalized block behind the one it stored and stops.
    for (let i = 0; i < 40; i++) await provider.send("evm_mine", []);
    const restarted = await startIndexer({
      root: PROJECT_ROOT,
      book: { ...s.book, network: "localhost" },
      rpcUrl: chain.node.url,
      port: await freePort(),
      dataDir: chain.dataDir,
      databaseUrl: pg.url,
      schema: "lt_test",
      output: openSync(path.join(chain.dataDir, "ponder.log"), "a"),
    });
    chain.indexer = restarted;
    await waitForBlock(restarted.url, await provider.getBlockNumber());
    const remaining = await token.balanceOf(address);
    await eventually(async () => {
      const now = await readPortfolio(restarted.url, address);
      expect(now.activity.map((a) => a.action)).to.deep.equal(["mint", "redeem"]);
      expect(now.positions[0].shares).to.equal(remaining);
    });
    const after = await readPortfolio(restarted.url, address);
    const p = after.positions[0];
    const received = after.activity[1].usdc;
    const nav = await token.navPerShare({ blockTag: p.navBlock });
    expect(p.realizedPnl + p.unrealizedPnl).to.equal(received - usdc("1000") + (p.shares * nav) / WAD);
  });
});
