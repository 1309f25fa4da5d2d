import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcProvider, Network } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import { loadSpec } from "../../src/deployment/spec";
import { buildApp, serveApp, type ServedApp } from "../../app/server/serve";
import { launchBrowser } from "../../app/testing/browser";
import { installInjectedWallet, TEST_WALLET_NAME } from "../../app/testing/injectedWallet";
import { startIndexer } from "../../src/indexer/server";
import { freePort, startNode, type LocalNode } from "../helpers/node";

const ROOT = path.resolve(__dirname, "..", "..");
export const SCREENSHOTS = path.join(ROOT, "out", "app");

/**
 * Everything a browser test of the app needs: a `hardhat node` child, the system deployed to it through the Ignition
 * module with the local parameters (the address book written to a temporary deployments directory as `localhost`),
 * the production build served by Vite's preview server on a free loopback port, and Chromium.
 */
export interface AppHarness {
  node: LocalNode;
  book: AddressBook;
  provider: JsonRpcProvider;
  app: ServedApp;
  browser: Browser;
  /** The indexer's API, when started with `{ indexer: true }`. */
  indexerUrl?: string;
  /**
   * A new page `width` pixels wide (1,400 by default) with the test wallet for `account` on `chainId` (the node's by
   * default), at `hash`.
   */
  open(hash: string, options?: { account?: string; chainId?: number; wallet?: boolean; width?: number }): Promise<Page>;
  stop(): Promise<void>;
}

export async function startAppHarness(options: { indexer?: boolean } = {}): Promise<AppHarness> {
  const node = await startNode();
  const deploymentsDir = mkdtempSync(path.join(os.tmpdir(), "lt-app-"));
  const stops: (() => Promise<void> | void)[] = [() => node.stop(), () => rmSync(deploymentsDir, { recursive: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const network = Network.from(31337);
    const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
    stops.push(() => provider.destroy());
    const deployed = await deploySystem(hre, loadSpec(ROOT, "localhost"), {
      provider: { request: ({ method, params }) => provider.send(method, (params as unknown[]) ?? []) },
    });
    const book: AddressBook = { ...deployed, network: "localhost" };
    writeFileSync(path.join(deploymentsDir, "localhost.json"), JSON.stringify(book, null, 2));
    let indexerUrl: string | undefined;
    if (options.indexer) {
      // The indexer (a Ponder child) for the Portfolio page, its output in its data directory.
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "lt-app-indexer-"));
      const indexer = await startIndexer({
        root: ROOT,
        book,
        rpcUrl: node.url,
        port: await freePort(),
        dataDir,
        output: openSync(path.join(dataDir, "ponder.log"), "a"),
      });
      stops.push(() => indexer.stop());
      indexerUrl = indexer.url;
    }
    await buildApp({ deploymentsDir });
    const app = await serveApp({ port: 0, localRpcUrl: node.url, deploymentsDir, indexerUrl });
    stops.push(() => app.close());
    const browser = await launchBrowser();
    stops.push(() => browser.close());
    mkdirSync(SCREENSHOTS, { recursive: true });
    const open: AppHarness["open"] = async (hash, options = {}) => {
      const page = await browser.newPage({ viewport: { width: options.width ?? 1400, height: 1000 } });
      if (options.wallet ?? true) {
        const account = options.account ?? ((await provider.send("eth_accounts", [])) as string[])[3];
        await page.addInitScript(installInjectedWallet, {
          rpcUrl: node.url,
          account,
          chainId: options.chainId ?? 31337,
          name: TEST_WALLET_NAME,
        });
      }
      await page.goto(`${app.url}${hash}`);
      return page;
    };
    return { node, book, provider, app, browser, open, stop, indexerUrl };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Checks the page as it is with axe-core (injected from the npm package, never part of the app's bundle): throws one
 * line naming every serious or critical violation, the rule and the elements it found.
 */
export async function checkAccessibility(page: Page): Promise<void> {
  await page.addScriptTag({ content: AXE_SOURCE() });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  if (violations.length > 0) throw new Error(`${page.url()}: ${violations.join("; ")}`);
}
let axeSource: string | undefined;
const AXE_SOURCE = () => (axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));

/**
 * The page's width and the width of its content (wider means a horizontal scroll bar), and the boxes inside it that
 * scroll sideways (a table wider than its box), each named by its table's label or its class.
 */
export function pageWidths(page: Page): Promise<{ client: number; scroll: number; scrollers: string[] }> {
  return page.evaluate(() => ({
    client: document.documentElement.clientWidth,
    scroll: document.documentElement.scrollWidth,
    scrollers: [...document.querySelectorAll("body *")]
      .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth)
      .map((e) => e.querySelector("table")?.getAttribute("aria-label") ?? e.className),
  }));
}

/** Checks the page with axe-core, then saves it under out/app/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await checkAccessibility(page);
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
