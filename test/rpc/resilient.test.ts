import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import { MockStablecoin__factory } from "../../src/chain/contracts";
import { ResilientJsonRpcProvider } from "../../src/rpc/provider";
import { isBusyEndpointError, isTransportError, requestResiliently } from "../../src/rpc/resilient";
import { startFlakyProxy, type Fate, type FlakyProxy } from "../helpers/flakyProxy";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { runHardhat, startNode, stopChild, type LocalNode } from "../helpers/node";
import { oneMarketSpec } from "../helpers/system";
import { usdc } from "../helpers/units";

const socketClosed = () => Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });

/** A new wallet and its signed transfer to itself with `nonce`: a write for the scripted nodes. */
async function signedWrite(nonce: number) {
  const wallet = Wallet.createRandom();
  const raw = await wallet.signTransaction({ to: wallet.address, nonce, gasLimit: 21_000, gasPrice: 1, chainId: 1 });
  return { wallet, raw };
}

describe("JSON-RPC that survives a dropped connection", function () {
  this.timeout(600_000);

  describe("requestResiliently (a scripted node)", () => {
    it("asks a read again after the connection dropped, and gives up on a node that answers", async () => {
      let calls = 0;
      const request = async () => {
        calls += 1;
        if (calls < 3) throw socketClosed();
        return "0x10";
      };
      expect(await requestResiliently(request, "eth_blockNumber", [], { baseMs: 1 })).to.equal("0x10");
      expect(calls).to.equal(3);
      const reverted = Object.assign(new Error("execution reverted"), { code: -32000 });
      let refused = 0;
      const refuse = async () => {
        refused += 1;
        throw reverted;
      };
      await expect(requestResiliently(refuse, "eth_call", [], { baseMs: 1 })).to.be.rejectedWith("execution reverted");
      expect(refused).to.equal(1);
    });

    it("never sends a write again when its nonce was taken meanwhile, and says why", async () => {
      const { wallet, raw } = await signedWrite(7);
      const sent: string[] = [];
      const request = async (method: string) => {
        sent.push(method);
        if (method === "eth_sendRawTransaction") throw socketClosed();
        if (method === "eth_getTransactionByHash") return null;
        if (method === "eth_getTransactionCount") return "0x8"; // nonce 7 is used: not by this transaction
        throw new Error(`unexpected ${method}`);
      };
      await expect(requestResiliently(request, "eth_sendRawTransaction", [raw])).to.be.rejectedWith(
        `nonce 7 of ${wallet.address} has since been used by another transaction: nothing was sent again`,
      );
      expect(sent.filter((m) => m === "eth_sendRawTransaction")).to.have.length(1);
    });
  });

  describe("against a hardhat node behind a proxy that drops connections", () => {
    let node: LocalNode;
    let proxy: FlakyProxy | undefined;
    let book: AddressBook;
    let env: Record<string, string>;
    let plan: (method: string, index: number) => Fate = () => "pass";

    before(async () => {
      node = await startNode();
      const direct = new JsonRpcProvider(node.url, 31337, { staticNetwork: true });
      try {
        const spec = oneMarketSpec(new Wallet(hardhatAccountKey(0)).address, {}, {}, [{ market: "BTC", leverage: 3 }]);
        book = {
          ...(await deploySystem(hre, spec, {
            provider: { request: ({ method, params }) => direct.send(method, (params as unknown[]) ?? []) },
          })),
          network: "localhost",
        };
      } finally {
        direct.destroy();
      }
      const dir = mkdtempSync(path.join(tmpdir(), "lt-resilient-"));
      writeFileSync(path.join(dir, "localhost.json"), JSON.stringify(book));
      proxy = await startFlakyProxy(node.url, (method, index) => plan(method, index));
      env = { LT_DEPLOYMENTS_DIR: dir, LOCALHOST_RPC_URL: proxy.url };
    });
    after(async () => {
      await proxy?.close();
      await node?.stop();
    });
    beforeEach(() => {
      plan = () => "pass";
      proxy?.seen.splice(0);
    });

    /** Drops the first `n` requests of `method` (any, if omitted) with `fate`, passes the rest. */
    const dropFirst = (n: number, fate: Fate, method?: string) => {
      let dropped = 0;
      return (m: string): Fate => {
        if ((method === undefined || m === method) && dropped < n) {
          dropped += 1;
          return fate;
        }
        return "pass";
      };
    };

    it("the proxy does break a plain provider (the failure this guards against)", async () => {
      plan = dropFirst(1, "dropBefore");
      const plain = new JsonRpcProvider(proxy!.url, 31337, { staticNetwork: true });
      try {
        const failure = await plain.getBlockNumber().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure, "a dropped connection must fail a plain provider").to.not.equal(undefined);
      } finally {
        plain.destroy();
      }
    });

    it("the bots' provider: reads survive dropped connections", async () => {
      plan = (_m, i) => (i % 2 === 0 && i < 8 ? "dropBefore" : "pass");
      const provider = new ResilientJsonRpcProvider(proxy!.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
      try {
        expect(await provider.getBlockNumber()).to.be.greaterThan(0);
        expect(await provider.getCode(book.factory)).to.not.equal("0x");
        expect(await provider.getBalance(book.deployer)).to.be.greaterThan(0n);
        expect(proxy!.seen.filter((s) => s.fate === "dropBefore").length).to.be.greaterThan(0);
      } finally {
        provider.destroy();
      }
    });

    for (const fate of ["dropAfter", "dropBefore"] as const) {
      it(`the bots' provider: a transaction whose connection dropped ${fate === "dropAfter" ? "after" : "before"} the node got it is mined exactly once`, async () => {
        plan = dropFirst(1, fate, "eth_sendRawTransaction");
        const provider = new ResilientJsonRpcProvider(proxy!.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
        try {
          const wallet = new Wallet(hardhatAccountKey(7), provider);
          const nonce = await provider.getTransactionCount(wallet.address, "latest");
          const sent = await wallet.sendTransaction({ to: wallet.address, value: parseEther("0.01") });
          const receipt = await sent.wait();
          expect(receipt?.status).to.equal(1);
          expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(nonce + 1);
          const sends = proxy!.seen.filter((s) => s.method === "eth_sendRawTransaction");
          expect(sends.map((s) => s.fate)).to.deep.equal(fate === "dropAfter" ? [fate] : [fate, "pass"]);
        } finally {
          provider.destroy();
        }
      });
    }

    for (const fate of ["dropAfter", "dropBefore"] as const) {
      it(`a task: reads and a node-signed transaction whose connection dropped ${fate === "dropAfter" ? "after" : "before"} arrival are done once`, async () => {
        const stable = MockStablecoin__factory.connect(book.stablecoin, new JsonRpcProvider(node.url, 31337));
        const deployer = new Wallet(hardhatAccountKey(0)).address;
        const before = await stable.faucetDrawn(deployer);
        const reads = dropFirst(3, "dropBefore");
        const send = dropFirst(1, fate, "eth_sendTransaction");
        plan = (m) => (m === "eth_sendTransaction" ? send(m) : reads(m));
        const faucet = await runHardhat(["lt:faucet", "--amount", "100", "--network", "localhost"], env);
        expect(faucet.code, faucet.stderr).to.equal(0);
        expect(await stable.faucetDrawn(deployer)).to.equal(before + usdc(100));
        expect(proxy!.seen.some((s) => s.fate === fate && s.method === "eth_sendTransaction")).to.equal(true);
        (stable.runner as JsonRpcProvider).destroy();
      });
    }

    it("tasks run against the node while the CPU is busy: none fails on a dropped connection", async () => {
      // Two busy loops (bounded: they stop by themselves after 90 s, and are killed at the end) on this 2-core box.
      const busy: ChildProcess[] = [0, 1].map(() =>
        spawn(process.execPath, ["-e", "const end = Date.now() + 90000; while (Date.now() < end) {}"], {
          stdio: "ignore",
        }),
      );
      const direct = { ...env, LOCALHOST_RPC_URL: node.url };
      try {
        for (const args of [
          ["lt:list"],
          ["lt:balance"],
          ["lt:faucet", "--amount", "10"],
          ["lt:info", "--token", "BTC3L"],
        ]) {
          const result = await runHardhat([...args, "--network", "localhost"], direct);
          expect(result.stderr, args.join(" ")).to.not.match(/other side closed|socket hang up|ECONNRESET/);
          expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(0);
        }
      } finally {
        await Promise.all(busy.map((child) => stopChild(child, "SIGKILL")));
      }
    });
  });

  it("knows a dropped connection from an answer of the node", () => {
    expect(isTransportError(socketClosed())).to.equal(true);
    expect(isTransportError(new Error("request failed", { cause: { code: "ECONNRESET" } }))).to.equal(true);
    expect(isTransportError(new Error("execution reverted"))).to.equal(false);
    expect(isTransportError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).to.equal(
      false,
    );
  });

  it("knows a busy endpoint's answer (503 page, 429 past Hardhat's retries, gateway timeout) from the node's", () => {
    expect(isBusyEndpointError(new Error("HH110: Invalid JSON-RPC response received: Service Unavailable"))).to.equal(
      true,
    );
    expect(isBusyEndpointError(new Error("Too Many Requests error received from rpc.example"))).to.equal(true);
    expect(isBusyEndpointError(new Error("server response 502 Bad Gateway"))).to.equal(true);
    expect(
      isBusyEndpointError(new Error("outer", { cause: new Error("HH109: Network connection timed out.") })),
    ).to.equal(true);
    expect(isBusyEndpointError(new Error("execution reverted: 503"))).to.equal(false);
    expect(isBusyEndpointError(new Error("HH108: Cannot connect to the network localhost."))).to.equal(false);
  });

  it("a write refused by a busy endpoint is sent again only after the node says it did not arrive", async () => {
    const { raw } = await signedWrite(3);
    const sent: string[] = [];
    let sends = 0;
    const request = async (method: string) => {
      sent.push(method);
      if (method === "eth_sendRawTransaction" && ++sends === 1) {
        throw new Error("HH110: Invalid JSON-RPC response received: Service Unavailable");
      }
      if (method === "eth_sendRawTransaction") return "0xhash";
      if (method === "eth_getTransactionByHash") return null;
      if (method === "eth_getTransactionCount") return "0x3"; // nonce 3 is still free: it did not arrive
      throw new Error(`unexpected ${method}`);
    };
    expect(await requestResiliently(request, "eth_sendRawTransaction", [raw], { busyBaseMs: 1 })).to.equal("0xhash");
    expect(sent).to.deep.equal([
      "eth_sendRawTransaction",
      "eth_getTransactionByHash",
      "eth_getTransactionCount",
      "eth_sendRawTransaction",
    ]);
  });
});
