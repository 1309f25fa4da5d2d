import { expect } from "chai";
import hre from "hardhat";
import { HttpProvider } from "hardhat/internal/core/providers/http";
import { Wallet } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import { requestResiliently } from "../../src/rpc/resilient";
import { startFlakyProxy, type Fate, type FlakyProxy } from "../helpers/flakyProxy";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { startNode, type LocalNode } from "../helpers/node";
import { oneMarketSpec } from "../helpers/system";

/**
 * The deployment through an endpoint that fails as public ones do: HTTP 503 pages (before and after the node acted),
 * 429s beyond Hardhat's own Retry-After waits, dropped connections. Reads are asked again with backoff; a send is
 * checked by its nonce before anything is sent again, so that no step is mined twice.
 */
describe("deploying through a flaky endpoint (a proxy on loopback in front of a hardhat node)", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let proxy: FlakyProxy;
  let plan: (method: string, index: number) => Fate = () => "pass";

  before(async () => {
    node = await startNode();
    proxy = await startFlakyProxy(node.url, (method, index) => plan(method, index));
  });
  after(async () => {
    await proxy?.close();
    await node?.stop();
  });

  /** Hardhat's HTTP provider to the proxy, as `--network localhost` has it, made resilient as tasks/plugins.ts does. */
  const resilient = () => {
    const http = new HttpProvider(proxy.url, "localhost");
    return {
      request: ({ method, params }: { method: string; params?: unknown }) =>
        requestResiliently((m, p) => http.request({ method: m, params: p }), method, (params as unknown[]) ?? [], {
          busyBaseMs: 5,
          retries: 8,
        }),
    };
  };

  it("one 503 stops a plain Hardhat provider with HH110 (the failure seen)", async () => {
    plan = () => "busyBefore";
    const http = new HttpProvider(proxy.url, "localhost");
    await expect(http.request({ method: "eth_blockNumber" })).to.be.rejectedWith(
      "Invalid JSON-RPC response received: Service Unavailable",
    );
  });

  it("the deployment completes, every step mined once, through 503s, 429s and dropped connections", async () => {
    let sends = 0;
    plan = (method, index) => {
      if (index < 10) return "rateLimited"; // more than Hardhat's own retries of a 429
      if (method === "eth_sendTransaction")
        return ++sends % 3 === 0 ? "busyAfter" : sends % 5 === 0 ? "busyBefore" : "pass";
      if (index % 7 === 3) return "busyBefore";
      if (index % 11 === 5) return "dropBefore";
      return "pass";
    };
    proxy.seen.splice(0);
    const deployer = new Wallet(hardhatAccountKey(0)).address;
    const nonceOf = async () =>
      Number(
        await fetch(node.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "eth_getTransactionCount",
            params: [deployer, "latest"],
          }),
        })
          .then((r) => r.json())
          .then((j: { result: string }) => j.result),
      );
    const before = await nonceOf();
    const confirmed = new Set<string>();
    const spec = oneMarketSpec(deployer, {}, {}, [{ market: "BTC", leverage: 3 }]);
    const book = await deploySystem(hre, spec, {
      provider: resilient(),
      pollingMs: 20,
      onConfirm: (_id, hash) => confirmed.add(hash),
    });
    expect(book.tokens.BTC3L).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(await nonceOf()).to.equal(before + confirmed.size);
    const fates = (fate: Fate, method?: string) =>
      proxy.seen.filter((s) => s.fate === fate && (method === undefined || s.method === method)).length;
    expect(fates("rateLimited")).to.equal(10);
    expect(fates("busyAfter", "eth_sendTransaction")).to.be.greaterThan(0);
    expect(fates("busyBefore")).to.be.greaterThan(5);
    expect(fates("dropBefore")).to.be.greaterThan(0);
  });
});
