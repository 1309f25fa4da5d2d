/**
 * The app's informational figures for `npm run bench` (printed, never checked): the production bundle's size
 * gzipped, and, with 200 tokens listed, the JSON-RPC round trips the page makes before its token list is drawn and
 * the time until it is, measured in Chromium against the in-process chain served over HTTP.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { buildApp, serveApp } from "../app/server/serve";
import { launchBrowser } from "../app/testing/browser";
import { APP_DIST } from "../app/viteConfig";
import type { AddressBook } from "../src/chain/addressBook";
import { table } from "../src/text/format";

/** The budgets of the app, from its issue: shown beside the figures, never enforced. */
const BUNDLE_BUDGET_KB = 300;
const ROUND_TRIP_BUDGET = 3;

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** Gzipped sizes (level 9) of the built app's code (JS and CSS) and of the price data the decay page fetches. */
export function bundleSizes(dir = APP_DIST): { code: number; data: number; files: number } {
  const assets = path.join(dir, "assets");
  let code = 0;
  let data = 0;
  let files = 0;
  for (const file of readdirSync(assets)) {
    const size = gzipSync(readFileSync(path.join(assets, file)), { level: 9 }).length;
    if (/\.(js|css)$/.test(file)) {
      code += size;
      files += 1;
    } else data += size;
  }
  return { code, data, files };
}

interface PageLoad {
  roundTrips: number;
  calls: number;
  ms: number;
  rows: number;
}

export async function measureApp(hre: HardhatRuntimeEnvironment, book: AddressBook): Promise<string> {
  await buildApp();
  const sizes = bundleSizes();
  const deployments = mkdtempSync(path.join(os.tmpdir(), "lt-bench-app-"));
  writeFileSync(path.join(deployments, "localhost.json"), JSON.stringify({ ...book, network: "localhost" }));
  const node = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await node.listen();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const app = await serveApp({ port: 0, localRpcUrl: rpcUrl, deploymentsDir: deployments });
  const browser = await launchBrowser().catch(async (error: Error) => {
    await app.close();
    await node.close();
    rmSync(deployments, { recursive: true });
    throw error;
  });
  const expected = await tokenCount(hre, book);
  try {
    const load = async (): Promise<PageLoad> => {
      const page = await browser.newPage();
      // In the page: when each JSON-RPC request to the node was sent (and how many calls it held), and when the
      // list first had every row; the requests sent after that belong to what the page reads next.
      await page.addInitScript(
        ({ url, rows }) => {
          const w = window as unknown as { __rpc: { at: number; calls: number }[]; __listAt?: number };
          w.__rpc = [];
          const fetchBefore = window.fetch.bind(window);
          window.fetch = (input, init) => {
            const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
            const raw = init?.body;
            if (target.startsWith(url) && raw) {
              const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw as Uint8Array);
              const body = JSON.parse(text) as unknown;
              w.__rpc.push({ at: performance.now(), calls: Array.isArray(body) ? body.length : 1 });
            }
            return fetchBefore(input, init);
          };
          new MutationObserver(() => {
            if (
              w.__listAt === undefined &&
              document.querySelectorAll("table[aria-label=Tokens] tbody tr").length >= rows
            ) {
              w.__listAt = performance.now();
            }
          }).observe(document, { childList: true, subtree: true });
        },
        { url: rpcUrl, rows: expected },
      );
      await page.goto(app.url);
      const rows = page.getByRole("table", { name: "Tokens" }).locator("tbody tr");
      await rows.nth(expected - 1).waitFor({ timeout: 300_000 });
      const seen = await page.evaluate(() => {
        const w = window as unknown as { __rpc: { at: number; calls: number }[]; __listAt: number };
        const before = w.__rpc.filter((r) => r.at <= w.__listAt);
        return { listAt: w.__listAt, roundTrips: before.length, calls: before.reduce((n, r) => n + r.calls, 0) };
      });
      const count = await rows.count();
      await page.close();
      // What the page had asked for is still being answered: wait until the node is idle again.
      await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      });
      return { roundTrips: seen.roundTrips, calls: seen.calls, ms: seen.listAt, rows: count };
    };
    const cold = await load();
    const warm = await load();
    const row = (label: string, l: PageLoad) => [
      label,
      String(l.rows),
      `${l.roundTrips} (${l.calls} calls)`,
      l.roundTrips <= ROUND_TRIP_BUDGET ? `<= ${ROUND_TRIP_BUDGET} met` : `> ${ROUND_TRIP_BUDGET} NOT met`,
      l.ms.toFixed(0),
    ];
    return [
      `app: production bundle (vite build), gzipped`,
      "",
      table(
        ["what", "KB gzipped", "budget"],
        [
          [
            `code: ${sizes.files} JS and CSS files`,
            kb(sizes.code),
            sizes.code / 1024 <= BUNDLE_BUDGET_KB ? `<= ${BUNDLE_BUDGET_KB} met` : `> ${BUNDLE_BUDGET_KB} NOT met`,
          ],
          ["price data (fetched by the decay page only)", kb(sizes.data), ""],
        ],
      ),
      "",
      `app: the token list with ${expected} tokens in Chromium, no wallet, JSON-RPC over HTTP to the in-process chain;`,
      `time from navigation start to the list's last row; round trips sent before it`,
      "",
      table(
        ["page load", "rows", "JSON-RPC round trips", "budget", "time to the list (ms)"],
        [row("first (empty cache)", cold), row("again", warm)],
      ),
    ].join("\n");
  } finally {
    await browser.close();
    await app.close();
    await node.close();
    rmSync(deployments, { recursive: true });
  }
}

async function tokenCount(hre: HardhatRuntimeEnvironment, book: AddressBook): Promise<number> {
  const factory = await hre.ethers.getContractAt("LeveragedTokenFactory", book.factory);
  return Number(await factory.tokenCount());
}
