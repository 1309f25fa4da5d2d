import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium-headless-shell (`apt-get install -y chromium-headless-shell`), used when it is installed. */
export const APT_CHROMIUM = "/usr/bin/chromium-headless-shell";

/**
 * `LT_CHROMIUM`: a browser's path, or `npm` to take the npm one even where the apt one is installed (how the npm path
 * is checked on a machine that has both).
 */
const CHOICE = process.env.LT_CHROMIUM;

/** The flags that keep Chromium from calling hosts a closed network refuses. */
const QUIET = ["--disable-background-networking", "--disable-component-update", "--no-first-run"];

/**
 * The browser the app's tests and bench drive, through playwright-core (which downloads no browser): `LT_CHROMIUM`'s
 * path when set; else Debian's chromium-headless-shell when installed; else the Chromium that `npm ci` brings
 * (`@sparticuz/chromium`, unpacked into the temporary directory at its first launch), so that `npm ci && npm test`
 * needs nothing else.
 */
export async function launchBrowser(): Promise<Browser> {
  if (CHOICE && CHOICE !== "npm") {
    if (!existsSync(CHOICE)) throw new Error(`no browser at ${CHOICE} (LT_CHROMIUM): unset it or point it at one`);
    return chromium.launch({ executablePath: CHOICE, args: ["--no-sandbox", "--disable-gpu", ...QUIET] });
  }
  if (CHOICE !== "npm" && existsSync(APT_CHROMIUM)) {
    return chromium.launch({ executablePath: APT_CHROMIUM, args: ["--no-sandbox", "--disable-gpu", ...QUIET] });
  }
  // The npm Chromium links the system's NSS (libnss3, libnspr4), which a machine without a browser may lack: the
  // package ships them (for Amazon Linux), unpacked beside the browser and put first on the library path.
  const { default: npmChromium, inflate } = await import("@sparticuz/chromium");
  const bin = path.join(path.dirname(require.resolve("@sparticuz/chromium")), "..", "bin");
  const [executablePath, libs] = await Promise.all([
    npmChromium.executablePath(bin),
    inflate(path.join(bin, "al2023.tar.br")),
  ]);
  const libraryPath = [path.join(libs, "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const browser = await chromium.launch({
    executablePath,
    // Its flags are for a serverless function: in --single-process the browser ends with its last page.
    args: [...npmChromium.args.filter((a) => a !== "--single-process"), ...QUIET],
    // Under the C locale its pages' language is "en-US@posix", which Intl refuses (the charts' dates).
    env: { ...process.env, LD_LIBRARY_PATH: libraryPath, LC_ALL: "en_US.UTF-8" },
  });
  // The package reuses whatever browser an earlier version unpacked at the same place.
  const wanted = (JSON.parse(readFileSync(path.join(bin, "..", "package.json"), "utf8")) as { version: string })
    .version;
  if (browser.version().split(".")[0] !== wanted.split(".")[0]) {
    await browser.close();
    throw new Error(
      `${executablePath} is Chromium ${browser.version()}, unpacked by another version of @sparticuz/chromium than ${wanted}: delete it`,
    );
  }
  return browser;
}
