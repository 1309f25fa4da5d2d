import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TASKS_NEED_A_NODE } from "../../tasks/context";
import { runHardhat } from "../helpers/node";

const KEY = `0x${"11".repeat(32)}`;
const SEE = "(set it in the environment or .env, see .env.example)";

/** Network settings as a new user gets them wrong: one line each, exit code 1, and only where it matters. */
describe("choosing a network (child processes)", function () {
  this.timeout(300_000);
  const deployments = mkdtempSync(path.join(tmpdir(), "lt-networks-"));

  async function refused(args: string[], env: Record<string, string>, line: string) {
    const result = await runHardhat(args, { LT_DEPLOYMENTS_DIR: deployments, ...env });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr.trim()).to.equal(`error: ${line}`);
  }

  it("a malformed DEPLOYER_PRIVATE_KEY does not affect the local networks", async () => {
    const env = { DEPLOYER_PRIVATE_KEY: "0x1234", LOCALHOST_RPC_URL: "http://127.0.0.1:1" };
    await refused(
      ["lt:list", "--network", "localhost"],
      env,
      `no address book for network "localhost" (${path.join(deployments, "localhost.json")}): run npm run deploy -- --network localhost`,
    );
    // With an address book, the task goes as far as the node (which is not there).
    const address = `0x${"ab".repeat(20)}`;
    const book = { network: "localhost", chainId: 31337, deployedAt: "", deployer: address, stablecoin: address };
    writeFileSync(
      path.join(deployments, "localhost.json"),
      JSON.stringify({ ...book, exchange: address, factory: address, markets: {}, tokens: {} }),
    );
    await refused(
      ["lt:list", "--network", "localhost"],
      env,
      "cannot reach network localhost at http://127.0.0.1:1: is the node running (npx hardhat node)?",
    );
  });

  it("a testnet with a malformed key or URL stops with one line naming the variable", async () => {
    await refused(
      ["lt:list", "--network", "sepolia"],
      { DEPLOYER_PRIVATE_KEY: "0x1234", SEPOLIA_RPC_URL: "https://rpc.example" },
      `network sepolia: DEPLOYER_PRIVATE_KEY is not a private key (64 hex digits) ${SEE}`,
    );
    await refused(
      ["lt:list", "--network", "sepolia"],
      { DEPLOYER_PRIVATE_KEY: KEY, SEPOLIA_RPC_URL: "notaurl" },
      `network sepolia: SEPOLIA_RPC_URL is not an http(s) or ws(s) URL ${SEE}`,
    );
    await refused(
      ["deploy", "--network", "baseSepolia"],
      { DEPLOYER_PRIVATE_KEY: KEY, BASE_SEPOLIA_RPC_URL: "" },
      `network baseSepolia: BASE_SEPOLIA_RPC_URL is not set ${SEE}`,
    );
  });

  it("an unknown network is one line listing the networks", async () => {
    await refused(
      ["lt:list", "--network", "foo"],
      {},
      'there is no network "foo": choose one of hardhat, localhost, sepolia, arbitrumSepolia, baseSepolia',
    );
  });

  it("a task on the in-process network says that tasks need a running node", async () => {
    await refused(["lt:list"], {}, TASKS_NEED_A_NODE);
    await refused(["lt:mint", "--token", "BTC3L", "--amount", "10", "--network", "hardhat"], {}, TASKS_NEED_A_NODE);
  });
});
