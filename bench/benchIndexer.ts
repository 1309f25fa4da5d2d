/**
 * The indexer's informational figures for `npm run bench` (printed, never checked): events indexed per second from
 * a local node, a holder's portfolio query p95 with 10,000 holders indexed, and the app's Portfolio page first paint.
 * A `hardhat node` child with the local deployment, 10,000 holders each sent a little BTC3L (200 transfers a transaction, through the test contract TxCaller),
 * then the indexer (a Ponder child, PGlite) started on that history.
 */
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { id, JsonRpcProvider, MaxUint256, Network } from "ethers";
import { buildApp, serveApp } from "../app/server/serve";
import { launchBrowser } from "../app/testing/browser";
import { installInjectedWallet, TEST_WALLET_NAME } from "../app/testing/injectedWallet";
import { deploySystem } from "../ignition/deploySystem";
import { connectToken, connectStablecoin } from "../src/chain/contracts";
import { TxCaller__factory } from "../typechain-types";
import { loadSpec } from "../src/deployment/spec";
import { table } from "../src/text/format";
import { startIndexer, waitForBlock } from "../src/indexer/server";
import { parseUsdc } from "../src/text/units";
import { freePort, startNode } from "../scripts/localNode";
import { metricsReport } from "./ponderMetrics";

const HOLDERS = 10_000;
const PER_BLOCK = 200;
const QUERIES = 200;
const EVENTS_TARGET = 2_000; // per second
const QUERY_TARGET_MS = 50;
const PAINT_TARGET_MS = 1_000;

const holderAddress = (i: number) => `0x${id(`bench holder ${i}`).slice(26)}`;
/**
 * The CPU seconds process `pid` has used (user + system, from /proc; null where there is none): the indexer's work
 * apart from the machine's load, which sets the wall time.
 */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in clock ticks (100 a second)
  } catch {
    return null;
  }
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1];

export async function measureIndexer(hre: HardhatRuntimeEnvironment): Promise<string> {
  const root = hre.config.paths.root;
  const node = await startNode();
  const dir = mkdtempSync(path.join(os.tmpdir(), "lt-bench-indexer-"));
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, batchMaxCount: 100 });
  const stops: (() => Promise<void> | void)[] = [() => node.stop(), () => provider.destroy()];
  let stage = "deploy";
  try {
    const deployed = await deploySystem(hre, loadSpec(root, "localhost"), {
      provider: { request: ({ method, params }) => provider.send(method, (params as unknown[]) ?? []) },
    });
    const book = { ...deployed, network: "localhost" };
    writeFileSync(path.join(dir, "localhost.json"), JSON.stringify(book));
    const admin = await provider.getSigner(book.deployer);
    const token = connectToken(book.tokens.BTC3L, admin);
    const coin = connectStablecoin(book.stablecoin, admin);
    await (await coin.mint(book.deployer, parseUsdc("20000"))).wait();
    await (await coin.approve(token.target, MaxUint256)).wait();
    await (await token.mint(parseUsdc("20000"), 0n, book.deployer)).wait();
    // 10,000 holders: the shares go to a TxCaller (a test contract that makes calls from one transaction), which
    // sends each holder a little, 200 transfers a transaction.
    stage = "holders";
    const caller = await new TxCaller__factory(admin).deploy();
    await caller.waitForDeployment();
    const each = 10n ** 15n;
    await (await token.transfer(caller.target, each * BigInt(HOLDERS))).wait();
    for (let i = 0; i < HOLDERS; i += PER_BLOCK) {
      const batch = Array.from({ length: Math.min(PER_BLOCK, HOLDERS - i) }, (_, k) => i + k);
      const data = batch.map((k) => token.interface.encodeFunctionData("transfer", [holderAddress(k), each]));
      await (
        await caller.callAll(
          batch.map(() => book.tokens.BTC3L),
          data,
          { gasLimit: 15_000_000 },
        )
      ).wait();
    }
    // Past Ponder's finality depth (30 blocks), so that the history is indexed as history.
    for (let i = 0; i < 40; i++) await provider.send("evm_mine", []);
    const head = await provider.getBlockNumber();
    const addresses = [
      book.factory,
      book.exchange,
      ...Object.values(book.tokens),
      ...Object.values(book.dex?.pools ?? {}),
      ...Object.values(book.markets).map((m) => m.feed),
    ];
    let events = 0;
    for (let from = 0; from <= head; from += 10) {
      const range = { fromBlock: `0x${from.toString(16)}`, toBlock: `0x${Math.min(head, from + 9).toString(16)}` };
      events += ((await provider.send("eth_getLogs", [{ ...range, address: addresses }])) as unknown[]).length;
    }

    stage = "indexing";
    const started = performance.now();
    const indexer = await startIndexer({
      root,
      book,
      rpcUrl: node.url,
      port: await freePort(),
      dataDir: dir,
      output: openSync(path.join(dir, "ponder.log"), "a"),
    });
    stops.push(() => indexer.stop());
    const up = performance.now();
    const cpuUp = cpuSeconds(indexer.child.pid);
    await waitForBlock(indexer.url, head, 600_000);
    const done = performance.now();
    const cpuDone = cpuSeconds(indexer.child.pid);
    const cpu = cpuUp === null || cpuDone === null ? null : cpuDone - cpuUp;
    const profile = metricsReport(await (await fetch(`${indexer.url}/metrics`)).text());

    stage = "queries";
    const times: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      const response = await fetch(`${indexer.url}/portfolio/${holderAddress((q * 7919) % HOLDERS)}`);
      const body = (await response.json()) as { positions: unknown[] };
      if (body.positions.length !== 1) throw new Error("a bench holder has no position in the indexer");
      times.push(performance.now() - t);
    }
    const p95 = percentile(times, 0.95);

    stage = "first paint";
    await buildApp({ deploymentsDir: dir });
    const app = await serveApp({ port: 0, localRpcUrl: node.url, deploymentsDir: dir, indexerUrl: indexer.url });
    stops.push(() => app.close());
    const browser = await launchBrowser();
    stops.push(() => browser.close());
    const paints: number[] = [];
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage();
      await page.addInitScript(installInjectedWallet, {
        rpcUrl: node.url,
        account: holderAddress(run),
        chainId: 31337,
        name: TEST_WALLET_NAME,
      });
      await page.goto(`${app.url}#/portfolio`);
      await page.getByRole("button", { name: "Connect wallet" }).click();
      const clicked = performance.now();
      await page.getByRole("button", { name: TEST_WALLET_NAME }).click();
      await page.getByRole("table", { name: "Positions" }).locator("tbody tr").first().waitFor();
      paints.push(performance.now() - clicked);
      await page.close();
    }
    const paint = paints[paints.length - 1];
    const rate = events / ((done - up) / 1000);
    const verdict = (ok: boolean, text: string) => `${ok ? "" : "NOT "}met (${text})`;
    return [
      `indexer: Ponder 0.12 with PGlite on a hardhat node child; ${HOLDERS.toLocaleString("en-US")} holders sent BTC3L,`,
      `${PER_BLOCK} transfers a transaction; ${events.toLocaleString("en-US")} events of the indexed contracts in ${head} blocks`,
      "",
      table(
        ["figure", "value", "target"],
        [
          [
            "events indexed per second (server up to head)",
            rate.toFixed(0),
            verdict(rate >= EVENTS_TARGET, `>= ${EVENTS_TARGET}`),
          ],
          ["start to head, start-up included (s)", ((done - started) / 1000).toFixed(1), ""],
          [
            "the indexer's CPU, server up to head (s; events per CPU second)",
            cpu === null ? "n/a" : `${cpu.toFixed(1)}; ${(events / cpu).toFixed(0)}`,
            "",
          ],
          [
            `portfolio query p95, ${QUERIES} holders of ${HOLDERS.toLocaleString("en-US")} (ms)`,
            p95.toFixed(1),
            verdict(p95 <= QUERY_TARGET_MS, `<= ${QUERY_TARGET_MS}`),
          ],
          [
            "Portfolio page first paint: wallet chosen to positions drawn, 3rd load (ms)",
            paint.toFixed(0),
            verdict(paint <= PAINT_TARGET_MS, `<= ${PAINT_TARGET_MS}`),
          ],
        ],
      ),
      "",
      "where the indexing time went (Ponder's /metrics):",
      ...profile.map((line) => `  ${line}`),
    ].join("\n");
  } catch (error) {
    throw new Error(`indexer bench, ${stage}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
