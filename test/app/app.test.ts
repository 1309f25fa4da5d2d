import { expect } from "chai";
import { formatUnits, Interface } from "ethers";
import type { Page } from "playwright-core";
import { formatToken, formatUsdc } from "../../src/text/format";
import { connectStablecoin, connectToken, INTERFACES } from "../../src/chain/contracts";
import { readTokenList } from "../../src/reads/lens";
import { loadCandles } from "../../src/backtest/candleFile";
import { costSentence, holdingCost, outcomeRange, rangeOptions } from "../../src/holder/cost";
import { readHolding } from "../../src/holder/costInputs";
import { tokenLimits } from "../../src/holder/limits";
import { recentCloses } from "../../src/holder/volatility";
import { runMonteCarlo } from "../../src/model/monteCarlo";
import { valueAtNav } from "../../src/reads/tokenState";
import { TEST_WALLET_NAME } from "../../app/testing/injectedWallet";
import { pageWidths, screenshot, startAppHarness, type AppHarness } from "./harness";

/**
 * The app in a real browser (Chromium through playwright-core; app/testing/browser.ts picks which) against a local
 * node with the system deployed, a test wallet injected and announced through EIP-6963, every control found by its
 * role and accessible name. The tests run in order on one chain: the holder mints, then redeems half, then buys. Each
 * page saved as a screenshot under out/app/ is first checked by axe-core.
 */
describe("the app in a browser", function () {
  this.timeout(600_000);
  let h: AppHarness;
  let holder: string;
  const pages: Page[] = [];

  before(async () => {
    h = await startAppHarness();
    holder = ((await h.provider.send("eth_accounts", [])) as string[])[3];
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });
  after(async () => {
    await h?.stop();
  });

  const open = async (hash: string, options?: Parameters<AppHarness["open"]>[1]) => {
    const page = await h.open(hash, options);
    pages.push(page);
    return page;
  };
  const connect = async (page: Page) => {
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.getByRole("button", { name: TEST_WALLET_NAME }).click();
    await page.getByLabel("Connected account").waitFor();
  };
  const sent = (page: Page) =>
    page.evaluate(() => (window as unknown as { __walletLog: string[] }).__walletLog.slice());
  const token = (symbol: string) => connectToken(h.book.tokens[symbol], h.provider);
  /**
   * Mints `amount` USDC of `symbol` on the trade page, connected, and checks that nothing was sent (no transaction,
   * the nonce unchanged); the page and the alert's text.
   */
  const refusedMint = async (symbol: string, amount: string) => {
    const page = await open(`#/trade?token=${symbol}`);
    await connect(page);
    const nonce = await h.provider.getTransactionCount(holder);
    await page.getByLabel("Amount").fill(amount);
    await page.getByRole("button", { name: "Mint", exact: true }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await sent(page)).to.not.include("eth_sendTransaction");
    expect(await h.provider.getTransactionCount(holder)).to.equal(nonce);
    return { page, alert: await alert.textContent() };
  };

  it("lists every deployed token with its NAV, read from the chain", async () => {
    const page = await open("#/");
    const table = page.getByRole("table", { name: "Tokens" });
    await table.getByRole("row").nth(Object.keys(h.book.tokens).length).waitFor();
    const list = await readTokenList(h.book, h.provider);
    for (const t of list.tokens) {
      const row = table.getByRole("row", { name: t.symbol, exact: true });
      expect(await row.getByRole("cell").first().textContent(), t.symbol).to.equal(formatUsdc(t.navPerShare, 4));
    }
    expect(list.tokens.map((t) => t.symbol)).to.deep.equal(Object.keys(h.book.tokens));
    await screenshot(page, "1-tokens");
  });

  it("connects the injected wallet, draws test USDC and mints 100 USDC of BTC3L with one permit signature and one transaction, the cost of holding shown first", async () => {
    const page = await open("#/trade?token=BTC3L");
    await connect(page);
    await page.getByRole("button", { name: "Get test USDC from the faucet" }).click();
    const balances = page.getByRole("table", { name: "Your balances" });
    await balances.getByRole("row", { name: "USDC", exact: true }).getByText("10,000").first().waitFor();

    await page.getByRole("tab", { name: "Mint" }).click();
    await page.getByLabel("Amount").fill("100");
    await page.getByText(/You get about .* BTC3L/).waitFor();
    // The cost of holding 30 days, the sentence src/holder/cost.ts makes of the chain's figures and data/'s closes
    // (the local feed has too few rounds), its range from the Monte Carlo in the page's worker.
    const cost = page.getByLabel("Cost of holding");
    await cost.waitFor();
    const holding = await readHolding(
      h.provider,
      h.book.tokens.BTC3L,
      { amount: 100_000_000n, route: "nav", days: 30 },
      async (market) => recentCloses(loadCandles(`data/${market.toLowerCase()}-usd-daily.csv`)),
    );
    const volatility = holding.input.volatility!;
    const range = outcomeRange(runMonteCarlo(rangeOptions({ ...holding.input, volatility })).summary);
    expect(await cost.textContent()).to.equal(
      `${costSentence(holding.input, holdingCost(holding.input), holding.names, range)} (volatility from ${holding.volatilitySource}); more on the Decay page.`,
    );
    expect(await cost.getByRole("link", { name: "Decay page" }).getAttribute("href")).to.equal("#/decay");
    const nonce = await h.provider.getTransactionCount(holder);
    const before = (await sent(page)).length; // the faucet's transaction came before
    await page.getByRole("button", { name: "Mint", exact: true }).click();
    const done = page.getByRole("status");
    await done.getByText(/^Done/).waitFor({ timeout: 120_000 });
    // One signature (the stablecoin's permit) and one transaction (mintWithPermit): no approval.
    const asked = (await sent(page)).slice(before);
    expect(asked.filter((m) => m === "eth_signTypedData_v4")).to.have.length(1);
    expect(asked.filter((m) => m === "eth_sendTransaction")).to.have.length(1);
    expect(await h.provider.getTransactionCount(holder)).to.equal(nonce + 1);
    const mined = await h.provider.getBlock("latest", false);
    const tx = await h.provider.getTransaction(mined!.transactions[0]);
    expect(INTERFACES.token.parseTransaction(tx!)?.name).to.equal("mintWithPermit");

    const btc3l = token("BTC3L");
    const shares = await btc3l.balanceOf(holder);
    expect(shares > 0n).to.equal(true);
    const text = await done.textContent();
    expect(text).to.contain(`you now hold ${formatToken(shares, 6)} BTC3L`);
    // The NAV is the one of the mint's own block, and the line says which.
    const block = await h.provider.getBlockNumber();
    const nav = await btc3l.navPerShare({ blockTag: block });
    expect(text).to.contain(
      `worth ${formatUsdc(valueAtNav(shares, nav))} USDC at NAV as of block ${block} (the trade's)`,
    );
    const value = /worth ([\d,.]+) USDC at NAV/.exec(text ?? "")?.[1];
    // Worth 100 USDC less the 0.1% mint fee and the taker fee, at the NAV of the moment it was read.
    expect(Number(value?.replace(/,/g, ""))).to.be.within(99.5, 100);
    await balances.getByRole("row", { name: "BTC3L", exact: true }).getByText(formatToken(shares, 6)).waitFor();
    expect(await connectStablecoin(h.book.stablecoin, h.provider).balanceOf(holder)).to.equal(9_900_000_000n);
    await screenshot(page, "2-mint");
  });

  it("redeems half of the BTC3L and shows what is left", async () => {
    const btc3l = token("BTC3L");
    const before = await btc3l.balanceOf(holder);
    const page = await open("#/trade?token=BTC3L&side=redeem");
    await connect(page);
    await page.getByLabel("Amount").fill(formatUnits(before / 2n, 18));
    await page.getByText(/You get about .* USDC/).waitFor();
    await page.getByRole("button", { name: "Redeem", exact: true }).click();
    await page.getByRole("status").getByText(/^Done/).waitFor({ timeout: 120_000 });
    const after = await btc3l.balanceOf(holder);
    expect(after).to.equal(before - before / 2n);
    expect(await page.getByRole("status").textContent()).to.contain(`you now hold ${formatToken(after, 6)} BTC3L`);
    await screenshot(page, "3-redeem");
  });

  it("buys BTC3L through the better of the pool and a mint, both quoted, in one transaction with a permit", async () => {
    const page = await open("#/trade?token=BTC3L&side=buy");
    await connect(page);
    await page.getByLabel("Amount").fill("50");
    const routes = page.getByRole("list", { name: "Routes" });
    await routes.getByText("(better: chosen)").waitFor();
    const chosen = (await routes.getByText("(better: chosen)").textContent()) ?? "";
    const expected = chosen.startsWith("Pool") ? 0n : 1n; // the TradeRouter's Route enum: POOL, NAV
    expect(await routes.getByRole("listitem").count()).to.equal(2);
    const before = await token("BTC3L").balanceOf(holder);
    await page.getByRole("button", { name: "Buy", exact: true }).click();
    await page.getByRole("status").getByText(/^Done/).waitFor({ timeout: 120_000 });
    // The Bought event of the last block: the route the page chose, and the shares the holder got.
    const block = await h.provider.getBlock("latest", false);
    const receipt = await h.provider.getTransactionReceipt(block!.transactions[0]);
    const router = INTERFACES.tradeRouter as Interface;
    const bought = receipt!.logs.map((l) => router.parseLog(l)).find((e) => e?.name === "Bought");
    expect(bought?.args.route).to.equal(expected);
    expect(await token("BTC3L").balanceOf(holder)).to.equal(before + (bought?.args.sharesOut as bigint));
    expect((await sent(page)).filter((m) => m === "eth_signTypedData_v4")).to.have.length(1);
    await screenshot(page, "4-buy");
  });

  it("a mint beyond the balance shows one readable sentence and sends nothing", async () => {
    const { page, alert } = await refusedMint("BTC3L", "1000000");
    const usdc = await connectStablecoin(h.book.stablecoin, h.provider).balanceOf(holder);
    expect(alert).to.equal(
      `not enough USDC: you have ${formatUsdc(usdc)}, the mint needs ${formatUsdc(1_000_000_000_000n)} (pay at most ${formatUsdc(usdc)})`,
    );
    await screenshot(page, "5-mint-too-much");
  });

  it("a mint above the token's equity cap shows the headroom in one sentence and sends nothing", async () => {
    // The operator (the node's first dev account) caps ETH2L at 10 USDC of equity.
    const admin = await h.provider.getSigner(0);
    const eth2l = token("ETH2L").connect(admin);
    await (await eth2l.setEquityCap(10_000_000n)).wait();
    const headroom = await eth2l.capHeadroom();
    const { maxMint } = await tokenLimits(eth2l, holder);

    const list = await open("#/");
    const row = list.getByRole("table", { name: "Tokens" }).getByRole("row", { name: "ETH2L", exact: true });
    await row.getByText(formatUsdc(headroom), { exact: true }).waitFor();

    const { page, alert } = await refusedMint("ETH2L", "100");
    expect(alert).to.equal(
      `ETH2L is at its equity cap: a mint can take at most ${formatUsdc(maxMint, 6)} USDC now (its fee included), asked for 100 USDC (mint less or later)`,
    );
    await screenshot(page, "5b-mint-above-cap");
  });

  it("a wallet on another chain gets the wrong-network message and a switch button that works", async () => {
    const page = await open("#/", { chainId: 1 });
    await connect(page);
    const alert = page.getByRole("alert");
    await alert.getByText(/^Wrong network: your wallet is on chain 1/).waitFor();
    await screenshot(page, "6-wrong-network");
    await page.getByRole("button", { name: "Switch network to localhost" }).click();
    await page.getByRole("table", { name: "Tokens" }).waitFor();
    expect(await sent(page)).to.include("wallet_switchEthereumChain");
    // The value of the holder's tokens at NAV is shown in the list once connected.
    const list = await readTokenList(h.book, h.provider, { account: holder });
    const btc3l = list.tokens.find((t) => t.symbol === "BTC3L")!;
    await page.getByText(`${formatToken(btc3l.balance, 4)} (`).waitFor();
    expect(valueAtNav(btc3l.balance, btc3l.navPerShare) > 0n).to.equal(true);
  });

  it("the decay page draws the outcome distribution, the flat-market cost and a real year", async () => {
    const page = await open("#/decay", { wallet: false });
    await page
      .getByRole("img", { name: /^Distribution of 5000 simulated outcomes over 30 days/ })
      .locator("canvas")
      .waitFor();
    await page
      .getByRole("img", { name: /^BTC 2021, rebased to 100/ })
      .locator("canvas")
      .waitFor();
    expect(await page.getByLabel("Flat-market cost").textContent()).to.match(/a 3x long token is expected to be -\d/);
    await page.getByLabel("Holding days").fill("90");
    await page.getByRole("img", { name: /over 90 days/ }).waitFor();
    await screenshot(page, "7-decay");
  });

  it("the trade tabs are tabs: arrow keys, Home and End move between them, each shows its own panel", async () => {
    const page = await open("#/trade?token=BTC3L");
    const tab = (name: string) => page.getByRole("tab", { name, exact: true });
    const selected = async () => {
      const focused = await page.evaluate(() => document.activeElement?.textContent);
      const current = await page.getByRole("tab", { selected: true }).textContent();
      const panel = await page.getByRole("tabpanel").getAttribute("aria-labelledby");
      const panelTab = panel ? await page.locator(`#${panel}`).textContent() : undefined;
      return { focused, current, panelTab };
    };
    // The panel's form appears once the token list has loaded; the tabs are there before it.
    await page.getByRole("textbox", { name: "Amount", exact: true }).waitFor();
    await tab("Mint").focus();
    await page.keyboard.press("ArrowRight");
    expect(await selected()).to.deep.equal({ focused: "Redeem", current: "Redeem", panelTab: "Redeem" });
    await page.keyboard.press("End");
    expect(await selected()).to.deep.equal({ focused: "Sell", current: "Sell", panelTab: "Sell" });
    await page.keyboard.press("ArrowRight"); // wraps around
    expect(await selected()).to.deep.equal({ focused: "Mint", current: "Mint", panelTab: "Mint" });
    await page.keyboard.press("ArrowLeft");
    expect(await selected()).to.deep.equal({ focused: "Sell", current: "Sell", panelTab: "Sell" });
    await page.keyboard.press("Home");
    expect(await selected()).to.deep.equal({ focused: "Mint", current: "Mint", panelTab: "Mint" });
    // Only the selected tab is in the tab order; Tab goes from it into its panel's first field.
    expect(await tab("Redeem").getAttribute("tabindex")).to.equal("-1");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).to.equal("Amount");
  });

  for (const width of [1280, 390]) {
    it(`every page at ${width} px wide: no horizontal scroll, no serious accessibility violation, a screenshot`, async () => {
      const pages: { name: string; hash: string; ready: (page: Page) => Promise<unknown> }[] = [
        {
          name: "tokens",
          hash: "#/",
          ready: async (p) => {
            await connect(p); // the widest list: with the "You hold" column
            await p.getByRole("link", { name: `Trade ${Object.keys(h.book.tokens).at(-1)}` }).waitFor();
          },
        },
        { name: "token", hash: "#/token/BTC3L", ready: (p) => p.getByRole("heading", { name: "Fees" }).waitFor() },
        {
          name: "trade",
          hash: "#/trade?token=BTC3L",
          ready: async (p) => {
            await connect(p);
            await p.getByRole("table", { name: "Your balances" }).waitFor();
          },
        },
        { name: "decay", hash: "#/decay", ready: (p) => p.locator("canvas").nth(1).waitFor() },
      ];
      for (const { name, hash, ready } of pages) {
        const page = await open(hash, { width });
        await ready(page);
        // Settled: nothing still reading or computing (a figure or a line ending in "…").
        await page.waitForFunction(
          () =>
            !document.querySelector('[aria-busy="true"]') &&
            ![...document.querySelectorAll("p, dd")].some((e) => e.textContent?.endsWith("…")),
        );
        const widths = await pageWidths(page);
        expect(widths.scroll, `${name} at ${width} px`).to.be.at.most(widths.client);
        // On a laptop's screen nothing is cut off inside the page either; on a phone a long table (the rebalance
        // history) may scroll in its own box.
        if (width >= 1280) expect(widths.scrollers, `${name} at ${width} px`).to.deep.equal([]);
        await screenshot(page, `page-${name}-${width}`);
      }
    });
  }
});
