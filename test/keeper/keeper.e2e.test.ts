import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, NonceManager, parseUnits, Wallet } from "ethers";
import type { AddressBook } from "../../src/chain/addressBook";
import { LeveragedTokenFactory__factory, SettablePriceFeed__factory } from "../../typechain-types";
import {
  deployKeeperChain,
  hardhatAccountKey,
  rpc,
  startKeeper,
  startNodeAt,
  type KeeperChain,
  type NodeProcess,
} from "../helpers/keeperChain";
import { freePort, type KeeperProcess, type LogLine } from "../helpers/node";
import { feedPrice } from "../helpers/units";

const NETWORK = "keepere2e";

/** The keeper as operators run it: its own process, against a `hardhat node` child on a loopback port. */
describe("keeper: end to end against a hardhat node (child processes)", function () {
  this.timeout(120_000);
  let node: NodeProcess | undefined;
  let provider: JsonRpcProvider;
  let chain: KeeperChain;
  let deploymentsDir: string;
  const keepers: KeeperProcess[] = [];

  async function deploy(url: string) {
    provider?.destroy();
    provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 200 });
    const admin = new NonceManager(new Wallet(hardhatAccountKey(0), provider));
    chain = await deployKeeperChain(admin, url);
  }

  /** The deployment's address book under another name, without the batcher (the keeper gets it from --batcher). */
  function writeBook(network: string, chainId: number) {
    const book: AddressBook = { ...chain.book, network, chainId, batcher: undefined };
    writeFileSync(path.join(deploymentsDir, `${network}.json`), JSON.stringify(book));
  }

  function keeper(account: number, env: Record<string, string> = {}, args: string[] = []) {
    const started = startKeeper(["--network", NETWORK, ...args], {
      LT_DEPLOYMENTS_DIR: deploymentsDir,
      KEEPER_RPC_URL: node!.url,
      KEEPER_PRIVATE_KEY: hardhatAccountKey(account),
      KEEPER_POLL_INTERVAL_MS: "300",
      KEEPER_RPC_RETRIES: "2",
      KEEPER_RPC_BACKOFF_MS: "200",
      KEEPER_LOG_LEVEL: "debug",
      ...env,
    });
    keepers.push(started);
    return started;
  }

  async function setPrice(price: string): Promise<number> {
    const receipt = await (await chain.btcFeed.updateAnswer(feedPrice(price))).wait();
    return receipt!.blockNumber;
  }

  /** Per token: the Rebalanced events after `fromBlock`. */
  async function rebalances(fromBlock: number) {
    const counts: Record<string, number> = {};
    for (const [symbol, token] of Object.entries(chain.tokens)) {
      counts[symbol] = (await token.queryFilter(token.filters.Rebalanced(), fromBlock + 1)).length;
    }
    return counts;
  }

  /** Per token: whether a rebalance was due right after block `block`. */
  async function dueAt(block: number) {
    const statuses = await chain.factory.keeperStatuses(0, 100, { blockTag: block });
    const due: Record<string, number> = {};
    for (const [symbol, token] of Object.entries(chain.tokens)) {
      const status = statuses.find((s) => s.token === token.target);
      due[symbol] = status && Number(status.action) !== 0 ? 1 : 0;
    }
    return due;
  }

  async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const passes = (k: KeeperProcess) => k.logs.filter((l) => l.msg === "pass done").length;
  const errorsOf = (k: KeeperProcess) => k.logs.filter((l) => Number(l.level) >= 50);
  const started = (l: LogLine) => l.msg === "keeper started";

  before(async () => {
    deploymentsDir = mkdtempSync(path.join(tmpdir(), "lt-keeper-"));
    node = await startNodeAt(await freePort());
    await deploy(node.url);
    writeBook(NETWORK, 31337);
    writeBook("wrongchain", 1);
  });

  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.kill("SIGKILL")));
  });

  after(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.kill("SIGKILL")));
    provider?.destroy();
    await node?.stop();
  });

  it("bad configuration stops it at once with one line and exit code 1", async () => {
    const badKey = keeper(1, { KEEPER_PRIVATE_KEY: "0x1234" });
    const wrongChain = startKeeper(["--network", "wrongchain"], {
      LT_DEPLOYMENTS_DIR: deploymentsDir,
      KEEPER_RPC_URL: node!.url,
      KEEPER_DRY_RUN: "true",
    });
    keepers.push(wrongChain);
    const badInterval = keeper(1, { KEEPER_POLL_INTERVAL_MS: "soon" });
    const badMargin = keeper(1, { KEEPER_MODE: "profit", KEEPER_PROFIT_MARGIN: "0.5" });
    // The chain has a BTC market only: profit mode has no ETH price to weigh gas with unless given one.
    const noEthPrice = keeper(1, {}, ["--mode", "profit"]);
    expect(await badKey.exited).to.equal(1);
    expect(badKey.stderr().trim()).to.equal("error: KEEPER_PRIVATE_KEY must be 32 bytes of hex (64 hex digits)");
    expect(await wrongChain.exited).to.equal(1);
    expect(wrongChain.stderr().trim()).to.equal(
      `error: the RPC at ${node!.url} is chain 31337, but the wrongchain address book is for chain 1`,
    );
    expect(await badInterval.exited).to.equal(1);
    expect(badInterval.stderr().trim()).to.equal(
      "error: KEEPER_POLL_INTERVAL_MS (poll interval, ms) must be a whole number",
    );
    expect(await badMargin.exited).to.equal(1);
    expect(badMargin.stderr().trim()).to.equal("error: KEEPER_PROFIT_MARGIN must be between 1 and 100 (e.g. 1.2)");
    expect(await noEthPrice.exited).to.equal(1);
    expect(noEthPrice.stderr().trim()).to.equal(
      "error: --mode profit prices gas in USDC, and the exchange has no ETH market: set KEEPER_ETH_PRICE (or --eth-price) to the USD price of ETH, e.g. 3000",
    );
  });

  it("with no key on the local chain, signs with the node's first dev account that is not the deployer, and says so", async () => {
    const k = startKeeper(["--network", NETWORK, "--once"], {
      LT_DEPLOYMENTS_DIR: deploymentsDir,
      LOCALHOST_RPC_URL: "http://127.0.0.1:1", // not used: KEEPER_RPC_URL wins
      KEEPER_RPC_URL: node!.url,
      KEEPER_PRIVATE_KEY: "",
    });
    keepers.push(k);
    expect(await k.exited).to.equal(0);
    const devAccount = new Wallet(hardhatAccountKey(1)).address;
    const said = k.logs.find((l) => String(l.msg).startsWith("no KEEPER_PRIVATE_KEY: signing with the local node"));
    expect(said).to.include({ signer: devAccount, deployer: new Wallet(hardhatAccountKey(0)).address });
    expect(k.logs.find(started)).to.include({ signer: devAccount, rpcUrl: node!.url, rpcUrlFrom: "KEEPER_RPC_URL" });
  });

  it("rebalances a price move within a few blocks in one batch, serves metrics, and exits 0 on SIGTERM", async () => {
    const metricsPort = await freePort();
    const batcher = chain.batcher.target as string;
    const k = keeper(1, { KEEPER_METRICS_PORT: String(metricsPort), KEEPER_BATCHER: batcher });
    expect(await k.waitForLog(started)).to.include({ batcher, maxBatch: 50 });
    await until("a first pass", async () => (passes(k) > 0 ? true : undefined));

    const moved = await setPrice("44000");
    const due = await dueAt(moved);
    expect(due).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });
    const rebalanced = await Promise.all(
      ["BTC3L", "BTC3S"].map((token) => k.waitForLog((l) => l.msg === "rebalanced" && l.token === token)),
    );
    for (const line of rebalanced) {
      expect(Number(line.block) - moved).to.be.within(1, 5);
      expect(line.trigger).to.equal("DRIFT");
      expect(Number(line.leverageAfter)).to.be.closeTo(Math.sign(Number(line.leverageBefore)) * 3, 0.01);
    }
    expect(await rebalances(moved)).to.deep.equal(due);
    const batches = k.logs.filter((l) => l.msg === "batch rebalance sent");
    expect(batches.map((l) => l.tokens)).to.deep.equal([["BTC3L", "BTC3S"]]);
    expect(rebalanced.map((l) => l.hash)).to.deep.equal([batches[0].hash, batches[0].hash]);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).to.contain('keeper_rebalances_total{outcome="rebalanced"} 2');
    const leverage = /keeper_token_leverage\{token="BTC3L"\} ([\d.]+)/.exec(metrics);
    expect(Number(leverage?.[1])).to.be.closeTo(3, 0.01);
    expect(metrics).to.match(/keeper_signer_balance_eth \d+/);
    expect(metrics).to.match(/keeper_last_rebalance_timestamp_seconds\{token="BTC3S"\} \d+/);
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).to.equal(200);

    await k.kill("SIGTERM");
    expect(await k.exited).to.equal(0);
    expect(k.logs.some((l) => l.msg === "keeper stopped")).to.equal(true);
    expect(errorsOf(k)).to.deep.equal([]);
  });

  /** Whether anything answers on the metrics port. */
  const serving = (port: number) =>
    fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );

  for (const [signal, how] of [
    ["SIGTERM", "stops it cleanly (the signal reaches the keeper)"],
    ["SIGKILL", "stops it too (the keeper notices its parent is gone)"],
  ] as const) {
    it(`${signal} to the npm process of npm run keeper ${how}`, async () => {
      const metricsPort = await freePort();
      const k = startKeeper(
        ["--network", NETWORK, "--metrics-port", String(metricsPort)],
        {
          LT_DEPLOYMENTS_DIR: deploymentsDir,
          KEEPER_RPC_URL: node!.url,
          KEEPER_PRIVATE_KEY: hardhatAccountKey(6),
          KEEPER_POLL_INTERVAL_MS: "300",
        },
        { viaNpm: true },
      );
      keepers.push(k);
      await k.waitForLog(started);
      await until("healthz", async () => ((await serving(metricsPort)) ? true : undefined));
      process.kill(k.pid, signal);
      await until("the keeper to stop serving", async () => ((await serving(metricsPort)) ? undefined : true), 20_000);
      if (signal === "SIGTERM") {
        expect(await k.exited).to.equal(0);
        expect(k.logs.some((l) => l.msg === "keeper stopped")).to.equal(true);
      }
    });
  }

  it("two keepers racing on the same tokens give every due event exactly one rebalance, and neither crashes", async () => {
    // A pass at least every second without a new block (the node mines only what is sent).
    const a = keeper(2, { KEEPER_POLL_INTERVAL_MS: "200", KEEPER_BLOCK_TIME: "1" });
    const b = keeper(3, { KEEPER_POLL_INTERVAL_MS: "200", KEEPER_BLOCK_TIME: "1" });
    await Promise.all([a.waitForLog(started), b.waitForLog(started)]);
    await until("a first pass of both", async () => (passes(a) > 0 && passes(b) > 0 ? true : undefined));

    for (const price of ["38720", "44000"]) {
      const moved = await setPrice(price);
      const due = await dueAt(moved);
      expect(Object.values(due).reduce((x, y) => x + y)).to.be.greaterThan(0);
      await until("every due token rebalanced", async () => {
        const counts = await rebalances(moved);
        return Object.keys(due).every((t) => counts[t] >= due[t]) ? true : undefined;
      });
      // Two more passes of each keeper: neither sends a second rebalance for the same event.
      const [pa, pb] = [passes(a), passes(b)];
      await until("two more passes", async () => (passes(a) >= pa + 2 && passes(b) >= pb + 2 ? true : undefined));
      expect(await rebalances(moved)).to.deep.equal(due);
    }
    expect(a.logs.concat(b.logs).filter((l) => l.msg === "rebalanced").length).to.be.greaterThan(0);
    expect(errorsOf(a)).to.deep.equal([]);
    expect(errorsOf(b)).to.deep.equal([]);
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM")]);
    expect([await a.exited, await b.exited]).to.deep.equal([0, 0]);
  });

  /**
   * With automine off: keeper `k` (after its first pass) sees the price set to `price`, mined alone, and sends a
   * rebalance; `body` gets its `rebalance sent` line and the block of the price move. Automine is back on afterwards
   * whatever happens; then the keeper finishes whatever else was due and is stopped cleanly (exit 0).
   */
  async function afterPriceMoveWithAutomineOff(
    k: KeeperProcess,
    price: string,
    body: (sent: LogLine, moved: number) => Promise<void>,
  ) {
    await k.waitForLog(started);
    await until("a first pass", async () => (passes(k) > 0 ? true : undefined));
    await rpc(node!.url, "evm_setAutomine", [false]);
    try {
      const feed = SettablePriceFeed__factory.connect(
        chain.btcFeed.target as string,
        new NonceManager(new Wallet(hardhatAccountKey(0), provider)),
      );
      const update = await feed.updateAnswer(feedPrice(price));
      await rpc(node!.url, "evm_mine");
      const moved = (await update.wait())!.blockNumber;
      await body(await k.waitForLog((l) => l.msg === "rebalance sent"), moved);
    } finally {
      await rpc(node!.url, "evm_setAutomine", [true]);
    }
    await until("nothing due", async () => {
      const statuses = await chain.factory.keeperStatuses(0, 100);
      return statuses.every((s) => Number(s.action) === 0) ? true : undefined;
    });
    await k.kill("SIGTERM");
    expect(await k.exited).to.equal(0);
  }

  it("with automine off, a stuck transaction is replaced at the same nonce with a higher fee", async () => {
    const k = keeper(5, { KEEPER_TX_TIMEOUT_MS: "1500", KEEPER_POLL_INTERVAL_MS: "300" });
    await afterPriceMoveWithAutomineOff(k, "38720", async (sent, moved) => {
      const replaced = await k.waitForLog((l) => l.msg === "stuck transaction replaced with a higher fee");
      expect(replaced.nonce).to.equal(sent.nonce);
      expect(replaced.replaced).to.equal(sent.hash);
      // The node's pool holds only the replacement now: same nonce, fee at least 12.5% higher.
      const replacement = await provider.getTransaction(String(replaced.hash));
      expect(replacement!.nonce).to.equal(sent.nonce);
      expect(replacement!.maxFeePerGas! * 1000n).to.be.gte(parseUnits(String(sent.maxFeeGwei), 9) * 1125n);
      await rpc(node!.url, "evm_setAutomine", [true]);
      await rpc(node!.url, "evm_mine");
      const done = await k.waitForLog((l) => l.msg === "rebalanced" && l.token === sent.token);
      expect(done.hash).to.not.equal(sent.hash);
      expect((await rebalances(moved))[String(sent.token)]).to.equal(1);
    });
  });

  it("with automine off, a transaction the node drops from its pool is sent again at once at the same nonce", async () => {
    // A timeout of ten minutes: the new send can only come from seeing the drop, not from the stuck-transaction path.
    const k = keeper(6, { KEEPER_TX_TIMEOUT_MS: "600000", KEEPER_POLL_INTERVAL_MS: "300" });
    await afterPriceMoveWithAutomineOff(k, "44000", async (sent, moved) => {
      expect(await rpc(node!.url, "hardhat_dropTransaction", [sent.hash])).to.equal(true);
      const again = await k.waitForLog(
        (l) => l.msg === "transaction dropped from the node's pool, sent again at the same nonce",
      );
      expect(again.nonce).to.equal(sent.nonce);
      expect(again.replaced).to.equal(sent.hash);
      expect((await provider.getTransaction(String(again.hash)))!.nonce).to.equal(sent.nonce);
      await rpc(node!.url, "evm_setAutomine", [true]);
      await rpc(node!.url, "evm_mine");
      const done = await k.waitForLog((l) => l.msg === "rebalanced" && l.token === sent.token);
      expect(done.hash).to.equal(again.hash);
      expect((await rebalances(moved))[String(sent.token)]).to.equal(1);
    });
  });

  it("carries on when the node is killed and restarted with the system re-deployed", async () => {
    const k = keeper(4);
    await k.waitForLog(started);
    await until("a first pass", async () => (passes(k) > 0 ? true : undefined));
    const factoryBefore = chain.factory.target;
    const port = node!.port;
    await node!.stop();
    await k.waitForLog((l) => l.msg === "pass failed; retrying next interval");

    node = await startNodeAt(port);
    await deploy(node.url);
    expect(chain.factory.target).to.equal(factoryBefore); // same deployer, same nonces: same addresses
    const moved = await setPrice("44000");
    const due = await dueAt(moved);
    expect(due).to.deep.equal({ BTC3L: 1, BTC3S: 1, BTC2L: 0 });
    await until("the keeper's rebalances on the new chain", async () => {
      const counts = await rebalances(moved);
      return counts.BTC3L === 1 && counts.BTC3S === 1 ? true : undefined;
    });
    expect(await k.waitForLog((l) => l.msg === "rebalanced" && Number(l.block) > moved)).to.have.property("token");
    expect(await rebalances(moved)).to.deep.equal(due);
    const factory = LeveragedTokenFactory__factory.connect(chain.factory.target as string, provider);
    expect(await factory.tokenCount()).to.equal(3n);
    await k.kill("SIGTERM");
    expect(await k.exited).to.equal(0);
  });
});
