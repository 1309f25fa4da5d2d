import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runHardhat, startNode, type LocalNode } from "../helpers/node";

/** The operator's path from the README: a `hardhat node`, `npm run deploy -- --network localhost`, then tasks. */
describe("deployment to a local node (child processes on a loopback port)", function () {
  this.timeout(600_000);
  let node: LocalNode;
  let env: Record<string, string>;

  before(async () => {
    node = await startNode();
    env = { LOCALHOST_RPC_URL: node.url, LT_DEPLOYMENTS_DIR: mkdtempSync(path.join(tmpdir(), "lt-localhost-")) };
  });
  after(async () => node?.stop());

  it("deploys the whole system, writes the address book, and the tasks read it", async () => {
    const deploy = await runHardhat(["deploy", "--network", "localhost"], env);
    expect(deploy.code, deploy.stderr).to.equal(0);
    expect(deploy.stdout).to.contain("address book");
    const book = JSON.parse(readFileSync(path.join(env.LT_DEPLOYMENTS_DIR, "localhost.json"), "utf8"));
    expect(book.chainId).to.equal(31337);
    expect(Object.keys(book.tokens)).to.have.length(9);
    expect(book.dex.pools.BTC3L).to.match(/^0x[0-9a-fA-F]{40}$/);

    const faucet = await runHardhat(["lt:faucet", "--network", "localhost"], env);
    expect(faucet.code, faucet.stderr).to.equal(0);
    const mint = await runHardhat(["lt:mint", "--token", "BTC3S", "--amount", "500", "--network", "localhost"], env);
    expect(mint.code, mint.stderr).to.equal(0);
    const list = await runHardhat(["lt:list", "--network", "localhost"], env);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.match(/BTC3S\s+100\s+-\s+-\s+-3\.00x/); // no pool: no price, no premium

    const refused = await runHardhat(
      ["lt:mint", "--token", "BTC3S", "--amount", "lots", "--network", "localhost"],
      env,
    );
    expect(refused.code).to.equal(1);
    expect(refused.stderr.trim()).to.equal(
      'error: --amount must be a positive decimal number like 1000 or 0.5, not "lots"',
    );
  });
});
