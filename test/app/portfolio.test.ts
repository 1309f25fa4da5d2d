import { expect } from "chai";
import { readFileSync } from "node:fs";
import { MaxUint256 } from "ethers";
import type { Page } from "playwright-core";
import { TEST_WALLET_NAME } from "../../app/testing/injectedWallet";
import { connectToken } from "../../src/chain/contracts";
import { feesPaidOf, portfolioCsv } from "../../src/indexer/portfolio";
import { formatUsdc } from "../../src/text/format";
import { readPortfolio } from "../../src/indexer/client";
import { MockStablecoin__factory } from "../../typechain-types";
import { eventually } from "../indexer/harness";
import { usdc } from "../helpers/units";
import { screenshot, startAppHarness, type AppHarness } from "./harness";

/*
 * The Portfolio page in a browser against the indexer: a holder mints, sends part away and redeems part (sent
 * straight to the node, not through the app), and the page shows the indexer's position, its profit and loss and
 * every transaction, and "Download CSV" saves exactly the indexer's rows.
 */
describe("the app's Portfolio page in a browser, from the indexer", function () {
  this.timeout(600_000);
  let h: AppHarness;
  let holder: string;
  let receiver: string;
  let page: Page;

  before(async () => {
    h = await startAppHarness({ indexer: true });
    const accounts = (await h.provider.send("eth_accounts", [])) as string[];
    holder = accounts[3];
    receiver = accounts[4];
    const signer = await h.provider.getSigner(holder);
    const coin = MockStablecoin__factory.connect(h.book.stablecoin, signer);
    const token = connectToken(h.book.tokens.BTC3L, signer);
    await (await coin.faucet(usdc("1000"))).wait();
    await (await coin.approve(token.target, MaxUint256)).wait();
    await (await token.mint(usdc("500"), 0n, holder)).wait();
    await (await token.transfer(receiver, (await token.balanceOf(holder)) / 4n)).wait();
    await (await token.redeem((await token.balanceOf(holder)) / 3n, 0n, holder)).wait();
    await eventually(async () => {
      const p = await readPortfolio(h.indexerUrl!, holder);
      expect(p.activity.map((a) => a.action)).to.deep.equal(["mint", "transfer-out", "redeem"]);
    });
  });
  after(async () => {
    await page?.close();
    await h?.stop();
  });

  it("shows the connected account's position, profit and loss and transactions, and downloads them as CSV", async () => {
    page = await h.open("#/portfolio");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.getByRole("button", { name: TEST_WALLET_NAME }).click();
    const positions = page.getByRole("table", { name: "Positions" });
    await positions.waitFor();
    const indexed = await readPortfolio(h.indexerUrl!, holder);
    const row = positions.getByRole("row").nth(1);
    expect((await row.textContent()) ?? "").to.contain("BTC3L");
    const balance = await connectToken(h.book.tokens.BTC3L, h.provider).balanceOf(holder);
    expect(indexed.positions[0].shares).to.equal(balance);
    // Fees paid: the mint and redeem fees and the management fee's dilution, which has its own column.
    const header = (await positions.getByRole("row").first().textContent()) ?? "";
    expect(header).to.contain("Fees paid").and.to.contain("Of which management fee");
    expect((await row.textContent()) ?? "").to.contain(formatUsdc(feesPaidOf(indexed.positions[0])));
    const rows = page.getByRole("table", { name: "Transactions" }).getByRole("row");
    await eventually(async () => {
      expect(await rows.count()).to.equal(4); // the header and three transactions
    });

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv).to.equal(portfolioCsv(indexed.activity));
    expect(csv.split("\n")[0]).to.equal("date,token,action,shares,USDC,NAV,fee,tx hash");
    await screenshot(page, "portfolio");
  });

  it("a transfer between two holders is one indexed row that each reads from its own side", async () => {
    const sent = (await readPortfolio(h.indexerUrl!, holder)).activity[1];
    const received = (await readPortfolio(h.indexerUrl!, receiver)).activity.find((a) => a.txHash === sent.txHash);
    expect(sent.action).to.equal("transfer-out");
    expect(sent.shares < 0n && sent.usdc > 0n, "the sender's shares out and their value at NAV in").to.equal(true);
    expect(received?.action).to.equal("transfer-in");
    expect(received?.shares).to.equal(-sent.shares);
    expect(received?.usdc).to.equal(-sent.usdc);
  });

  it("the token page draws the pool's premium over time and lists the rebalances from the indexer", async () => {
    await page.goto(`${h.app.url}#/token/BTC3L`);
    await page.getByRole("heading", { name: "Pool premium to NAV over time" }).waitFor();
    await page.getByRole("heading", { name: "Rebalance history" }).waitFor();
    await screenshot(page, "token-indexed");
  });
});
