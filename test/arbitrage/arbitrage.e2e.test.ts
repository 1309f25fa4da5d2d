import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { noArbitrageBand } from "../../src/bots/arbitrage/plan";
import { poolPrice } from "../../src/dex/pool";
import { deployDexSystem, type DexSystem, type PooledSymbol } from "../helpers/dexSystem";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { startBot, type KeeperProcess, type LogLine } from "../helpers/node";
import { freePort, startNode, type LocalNode } from "../helpers/node";
import { feedPrice } from "../helpers/units";

/** The arbitrageur as operators run it (`npm run arbitrage`): its own process, against a `hardhat node` child. */
describe("arbitrage bot: end to end against a hardhat node (child processes)", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let s: DexSystem;
  let env: Record<string, string>;
  const bots: KeeperProcess[] = [];

  const bot = (entry: "keeper" | "arbitrage", args: string[], extra: Record<string, string> = {}, viaNpm = false) => {
    const started = startBot(entry, ["--network", "localhost", ...args], { ...env, ...extra }, { viaNpm });
    bots.push(started);
    return started;
  };
  const signerOf = (logs: LogLine[], message: string) => logs.find((l) => l.msg === message)?.signer as string;

  before(async () => {
    node = await startNode();
    provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true, pollingInterval: 200 });
    const admin = new NonceManager(new Wallet(hardhatAccountKey(0), provider));
    s = await deployDexSystem({}, { url: node.url, admin });
    const dir = mkdtempSync(path.join(tmpdir(), "lt-arbitrage-"));
    writeFileSync(path.join(dir, "localhost.json"), JSON.stringify({ ...s.book, network: "localhost" }));
    env = {
      LT_DEPLOYMENTS_DIR: dir,
      LOCALHOST_RPC_URL: node.url,
      ARB_LOG_LEVEL: "debug",
      ARB_NATIVE_PRICE_USD: "3000",
    };
  });

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.kill("SIGKILL")));
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("bad configuration stops it at once with one line and exit code 1", async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [[], { ARB_MIN_PROFIT_USD: "lots" }, "error: ARB_MIN_PROFIT_USD must be a decimal number like 1.5"],
      [["--receiver", "me"], {}, "error: --receiver must be an address (0x and 40 hex digits)"],
      [
        [],
        { ARB_NATIVE_PRICE_USD: "", ARB_NATIVE_MARKET: "DOGE" },
        "error: the exchange has no DOGE market to price gas with: set ARB_NATIVE_PRICE_USD (or --native-market)",
      ],
    ];
    for (const [args, extra, line] of cases) {
      const b = bot("arbitrage", ["--once", ...args], extra);
      expect(await b.exited, line).to.equal(1);
      expect(b.stderr().trim()).to.equal(line);
    }
    const elsewhere = startBot("arbitrage", ["--network", "nowhere"], env);
    bots.push(elsewhere);
    expect(await elsewhere.exited).to.equal(1);
    expect(elsewhere.stderr().trim().split("\n")).to.have.length(1);
    expect(elsewhere.stderr()).to.contain('no address book for network "nowhere"');
  });

  it("after a price push, the keeper and the arbitrageur run side by side with their own dev accounts; the pools end at NAV within the fees", async () => {
    await (await s.btcFeed.updateAnswer(feedPrice(55_000))).wait();
    const keeper = bot("keeper", ["--once"]);
    const arbitrageur = bot("arbitrage", ["--once"]);
    const [keeperExit, arbitrageExit] = await Promise.all([keeper.exited, arbitrageur.exited]);
    expect(arbitrageExit, arbitrageur.stderr()).to.equal(0);
    expect(keeperExit, keeper.stderr()).to.equal(0);

    const accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
    expect(signerOf(keeper.logs, "keeper started")).to.equal(accounts[1]);
    expect(signerOf(arbitrageur.logs, "arbitrageur started")).to.equal(accounts[2]);
    expect(arbitrageur.logs.some((l) => String(l.msg).startsWith("no ARB_PRIVATE_KEY: signing with"))).to.equal(true);
    expect(arbitrageur.logs.filter((l) => Number(l.level) >= 50)).to.deep.equal([]);
    const mined = arbitrageur.logs.filter((l) => l.msg === "arbitraged");
    expect(mined.map((l) => l.token).sort()).to.include.members(["BTC3L", "BTC3S"]);
    for (const line of mined) expect(Number(line.net), JSON.stringify(line)).to.be.greaterThan(0);

    for (const symbol of ["BTC3L", "BTC3S"] as PooledSymbol[]) {
      const token = s.tokens[symbol];
      const band = (await noArbitrageBand(token, await token.navPerShare(), await token.equity()))!;
      const price = poolPrice(await s.pool(symbol))!;
      const slack = price / 200n; // 0.5%: what is left when the rest would not pay its gas
      expect(price, symbol).to.be.within(band.lower - slack, band.upper + slack);
    }
  });

  it("run as npm run arbitrage: serves its metrics, and on SIGTERM to npm finishes and exits 0", async () => {
    const port = await freePort();
    const b = bot("arbitrage", ["--poll-interval", "300", "--metrics-port", String(port)], {}, true);
    await b.waitForLog((l) => l.msg === "arbitrageur started");
    await b.waitForLog((l) => l.msg === "watching pool");
    await new Promise((r) => setTimeout(r, 700));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/arb_pool_premium_ratio\{token="BTC3L"\} -?\d/);
    expect(metrics).to.match(/arb_ticks_total\{result="ok"\} [1-9]/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    expect(await b.kill("SIGTERM")).to.equal(0);
    expect(b.logs.some((l) => l.msg === "arbitrageur stopped")).to.equal(true);
  });
});
