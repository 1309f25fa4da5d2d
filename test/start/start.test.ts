import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { getAddress, JsonRpcProvider } from "ethers";
import { connectArbitrage, connectToken } from "../../src/chain/contracts";
import { freePort } from "../helpers/node";

const ROOT = path.resolve(__dirname, "..", "..");

/** `npm start` as a user runs it, in its own process group (a Ctrl-C in a terminal signals the group). */
interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
  deployments: string;
}

function npmStart(args: string[]): Started {
  const deployments = mkdtempSync(path.join(os.tmpdir(), "lt-start-"));
  const child = spawn("npm", ["start", "--", ...args], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, LT_DEPLOYMENTS_DIR: deployments, LT_START_LOG_DIR: path.join(deployments, "logs") },
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  return { child, output: () => output, exited, deployments };
}

/** `npm start` with its node, app and indexer on free ports, and `flags`. */
async function startOnFreePorts(...flags: string[]) {
  const [rpcPort, appPort, indexerPort] = [await freePort(), await freePort(), await freePort()];
  const ports = ["--rpc-port", String(rpcPort), "--port", String(appPort), "--indexer-port", String(indexerPort)];
  return { rpcPort, appPort, started: npmStart([...ports, ...flags]) };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, started?: Started) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (started?.child.exitCode !== null && started?.child.exitCode !== undefined) {
      throw new Error(`npm start exited (${started.child.exitCode}) while waiting for ${what}:\n${started.output()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}:\n${started?.output() ?? ""}`);
}

/** Every process below `pid`, depth first. */
function descendants(pid: number): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    return []; // no children
  }
  return out
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0)
    .flatMap((child) => [child, ...descendants(child)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });

describe("npm start", function () {
  this.timeout(900_000);

  it("refuses a port in use with one line and exit code 1, and starts nothing", async () => {
    const port = await freePort();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(port, "127.0.0.1", resolve));
    try {
      const started = npmStart(["--rpc-port", String(port), "--port", String(await freePort())]);
      expect(await started.exited).to.equal(1);
      const errors = started
        .output()
        .split("\n")
        .filter((l) => l.startsWith("error:"));
      expect(errors).to.deep.equal([
        `error: port ${port} is in use on 127.0.0.1: stop what listens there or choose --rpc-port <port>`,
      ]);
      expect(started.output()).to.not.contain("compiling");
      rmSync(started.deployments, { recursive: true, force: true });
    } finally {
      busy.close();
    }
  });

  it("brings up node, app, market and keeper: the market moves days, the keeper rebalances; Ctrl-C stops all, exit 0", async () => {
    const { rpcPort, appPort, started } = await startOnFreePorts("--speed", "1");
    try {
      await waitFor("the ready lines", () => started.output().includes("Ctrl-C stops everything"), 600_000, started);
      const lines = started.output().split("\n");
      const url = `http://127.0.0.1:${appPort}/`;
      expect(lines).to.include(`leveraged tokens are live: open ${url}`);
      for (const service of ["node", "market", "keeper", "arbitrageur", "indexer", "app"]) {
        expect(
          lines.filter((l) => l.startsWith(`  ${service} `)),
          service,
        ).to.have.length(1);
      }
      const page = await fetch(url);
      expect([page.status, (await page.text()).includes('<div id="root">')]).to.deep.equal([200, true]);
      const config = (await (await fetch(`${url}chain-config.json`)).json()) as {
        books: { network: string; lens?: string; tokens: Record<string, string>; dex?: { arbitrage?: string } }[];
        localRpcUrl: string;
      };
      expect(config.localRpcUrl).to.equal(`http://127.0.0.1:${rpcPort}`);
      const book = config.books.find((b) => b.network === "localhost")!;
      expect(book.lens).to.match(/^0x/);

      // The market prints its days; every token was seeded, so the keeper's daily rebalances show on chain.
      await waitFor("market day 3", () => /^market +day 3 /m.test(started.output()), 120_000, started);
      const provider = new JsonRpcProvider(config.localRpcUrl, undefined, { staticNetwork: true });
      const btc3l = connectToken(book.tokens.BTC3L, provider);
      const rebalanced = btc3l.filters.Rebalanced();
      await waitFor(
        "a keeper rebalance",
        async () => (await btc3l.queryFilter(rebalanced)).length > 0,
        60_000,
        started,
      );
      const keeper = (await btc3l.queryFilter(rebalanced))[0];
      const accounts = (await provider.send("eth_accounts", [])) as string[];
      expect((await keeper.getTransaction()).from).to.equal(getAddress(accounts[1])); // the keeper's own account
      // The market moves the pools' tokens away from their pools' prices; the arbitrageur brings them back.
      const arbitrage = connectArbitrage(book.dex!.arbitrage!, provider);
      const arbitraged = arbitrage.filters.Arbitraged();
      await waitFor("an arbitrage", async () => (await arbitrage.queryFilter(arbitraged)).length > 0, 120_000, started);
      const trade = await (await arbitrage.queryFilter(arbitraged))[0].getTransaction();
      expect(trade.from).to.equal(getAddress(accounts[2])); // the arbitrageur's own account
      provider.destroy();

      const processes = descendants(started.child.pid!);
      expect(processes.length).to.be.greaterThan(3);
      process.kill(-started.child.pid!, "SIGINT"); // what a terminal's Ctrl-C does
      expect(await started.exited).to.equal(0);
      expect(started.output()).to.match(/\nstopped\n/);
      expect(processes.filter(alive), "no process left").to.deep.equal([]);
      expect(await listening(rpcPort), "node port closed").to.equal(false);
      expect(await listening(appPort), "app port closed").to.equal(false);
    } finally {
      if (started.child.exitCode === null) process.kill(-started.child.pid!, "SIGKILL");
      rmSync(started.deployments, { recursive: true, force: true });
    }
  });

  it("a service that dies stops everything with one line naming it, and exit code 1", async () => {
    const { rpcPort, started } = await startOnFreePorts("--no-market");
    try {
      await waitFor("the ready lines", () => started.output().includes("Ctrl-C stops everything"), 600_000, started);
      expect(started.output()).to.not.match(/^ {2}market /m);
      const processes = descendants(started.child.pid!);
      const keeper = processes.find((pid) => {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return cmd.includes("scripts/keeper.ts");
      });
      expect(keeper, "the keeper's process").to.not.equal(undefined);
      process.kill(keeper!, "SIGKILL");
      expect(await started.exited).to.equal(1);
      const errors = started
        .output()
        .split("\n")
        .filter((l) => l.startsWith("error:"));
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^error: the keeper stopped unexpectedly \(killed by SIGKILL\)/);
      expect(processes.filter(alive), "no process left").to.deep.equal([]);
      expect(await listening(rpcPort)).to.equal(false);
    } finally {
      if (started.child.exitCode === null) process.kill(-started.child.pid!, "SIGKILL");
      rmSync(started.deployments, { recursive: true, force: true });
    }
  });
});
