/**
 * The app step of the rehearsal: `npm run app` served for the network (its address book in LT_DEPLOYMENTS_DIR), read
 * through a headless Chromium (app/testing/browser.ts, as the app's tests launch it) whose wallet talks to the public-
 * RPC-like endpoint, as a holder's wallet talks to the network's RPC. It times the token list (from the wallet's
 * connection to every token's row) and a token page's history (read from the chain's events in pages of logs).
 */
import { Wallet } from "ethers";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../../app/testing/browser";
import { installInjectedWallet, TEST_WALLET_NAME } from "../../app/testing/injectedWallet";
import { freePort } from "../localNode";
import { finish, npmRun, type Child } from "./processes";

export interface AppReading {
  /** From the click on the wallet to the last token's row in the list; null when it never showed. */
  tokenListMs: number | null;
  /** From the click on a token to its history read from the chain (chart, or "no history yet"); null when not. */
  tokenPageMs: number | null;
  /** What went wrong, one line each (an unmeasured figure says why here). */
  problems: string[];
}

export interface AppOptions {
  /** The tools' environment (LT_DEPLOYMENTS_DIR and the network's RPC variable). */
  env: Record<string, string>;
  /** The endpoint's URL for the app's wallet (e.g. `<endpoint>/app`). */
  rpcUrl: string;
  chainId: number;
  /** How many tokens the address book lists. */
  tokens: number;
  /** The token whose page is opened. */
  symbol: string;
  /** Keeps the child (its log, its stop at the end). */
  keep: (name: string, child: Child) => Child;
  /** How long the list and the history may take before they count as not shown (default 60 s). */
  timeoutMs?: number;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** Serves the app and reads it through the browser; never throws (what failed is in `problems`). */
export async function readAppThroughEndpoint(options: AppOptions): Promise<AppReading> {
  const reading: AppReading = { tokenListMs: null, tokenPageMs: null, problems: [] };
  const timeout = options.timeoutMs ?? 60_000;
  const port = await freePort();
  const app = options.keep("app", npmRun("app", ["--port", String(port)], options.env));
  let browser: Browser | undefined;
  try {
    const url = await served(app, 300_000);
    if (!url) {
      reading.problems.push(`npm run app did not serve the app: ${app.lines.filter(Boolean).slice(-1)[0] ?? "-"}`);
      return reading;
    }
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(installInjectedWallet, {
      rpcUrl: options.rpcUrl,
      account: Wallet.createRandom().address,
      chainId: options.chainId,
      name: TEST_WALLET_NAME,
    });
    await page.goto(`${url}#/`);
    await page.getByRole("button", { name: "Connect wallet" }).click({ timeout });
    const wallet = page.getByRole("button", { name: TEST_WALLET_NAME });
    await wallet.waitFor({ timeout });
    const listStarted = Date.now();
    await wallet.click();
    const table = page.getByRole("table", { name: "Tokens" });
    try {
      // The header row and one row a token.
      await table.getByRole("row").nth(options.tokens).waitFor({ timeout });
      reading.tokenListMs = Date.now() - listStarted;
    } catch {
      const alert = await page.getByRole("alert").allTextContents();
      reading.problems.push(
        `the app listed no tokens in ${timeout / 1000} s${alert.length ? `: ${alert.join("; ")}` : ""}`,
      );
      return reading;
    }
    const pageStarted = Date.now();
    await table.getByRole("link", { name: options.symbol, exact: true }).click();
    const history = page
      .getByRole("img", { name: new RegExp(`^${options.symbol} NAV and`) })
      .or(page.getByText("No history yet"))
      .or(page.getByText(/^Could not read the history/));
    try {
      await history.first().waitFor({ timeout });
      const failed = await page.getByText(/^Could not read the history/).allTextContents();
      if (failed.length > 0) reading.problems.push(`the token page's history: ${failed[0]}`);
      else reading.tokenPageMs = Date.now() - pageStarted;
    } catch {
      reading.problems.push(`the token page's history did not load in ${timeout / 1000} s`);
    }
    return reading;
  } catch (error) {
    reading.problems.push(`the app step failed: ${firstLine(error)}`);
    return reading;
  } finally {
    await browser?.close().catch(() => undefined);
    await app.stop("SIGTERM");
    await finish(app, 10_000);
  }
}

/** The app's URL once `npm run app` says it serves it; undefined when it exits or `timeoutMs` passes first. */
async function served(app: Child, timeoutMs: number): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void app.exited.then(() => (exited = true));
  while (Date.now() < until && !exited) {
    const line = app.stdout.find((l) => /^the app: http/.test(l));
    if (line) return /(http\S+)/.exec(line)?.[1];
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}
