import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * The browser the app's tests and bench drive: Debian's chromium-headless-shell (apt), through playwright-core (which
 * downloads no browser). The flags keep Chromium from calling hosts a closed network refuses.
 */
export const CHROMIUM = process.env.LT_CHROMIUM ?? "/usr/bin/chromium-headless-shell";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install it with apt-get install -y chromium-headless-shell (or set LT_CHROMIUM)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
