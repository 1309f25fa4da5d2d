import { expect } from "chai";
import { id, JsonRpcProvider, parseEther, Wallet } from "ethers";
import { startChain, type RehearsalChain } from "../../scripts/rehearse/chain";
import { devPrivateKey } from "../../src/chain/devAccounts";
import { driveFeeds, FIRST_ROUND, plantNetworkFeeds } from "../../scripts/rehearse/feeds";
import { BaseFeeSchedule, DEFAULT_SHAPE_RULES, isDropped, NETWORK_SHAPES } from "../../scripts/rehearse/chainShape";

type Block = { number: number; timestamp: number; baseFeePerGas: bigint };

describe("A chain shaped like a public network", function () {
  this.timeout(120_000);

  describe("BaseFeeSchedule and isDropped (the seeded rules)", () => {
    const floor = 1_000n;
    const run = (seed: number, blocks: number) => {
      const schedule = new BaseFeeSchedule({ ...DEFAULT_SHAPE_RULES, seed, spikeChance: 0.05 }, floor);
      return Array.from({ length: blocks }, (_, i) => schedule.next(i, 2_000n));
    };

    it("spikes the base fee tenfold for 2 to 5 blocks, then restores it, the same way for the same seed", () => {
      const fees = run(1, 2_000);
      expect(run(1, 2_000)).to.deep.equal(fees);
      expect(run(2, 2_000)).to.not.deep.equal(fees);
      const runs: number[] = [];
      for (let i = 0; i < fees.length; i++) {
        if (fees[i] !== 20_000n || (i > 0 && fees[i - 1] === 20_000n)) continue;
        let length = 0;
        while (fees[i + length] === 20_000n) length += 1;
        runs.push(length);
        if (i + length < fees.length) expect(fees[i + length], `after the spike at ${i}`).to.equal(2_000n);
      }
      expect(runs.length).to.be.within(40, 120);
      expect(Math.min(...runs)).to.be.at.least(2);
      expect(Math.max(...runs)).to.be.at.most(5 * 2); // two spikes may follow each other
      expect(fees.filter((f) => f === undefined).length, "EIP-1559 sets the rest").to.be.greaterThan(1_500);
    });

    it("lifts a base fee under the floor to the floor, and spikes from the floor", () => {
      const schedule = new BaseFeeSchedule({ ...DEFAULT_SHAPE_RULES, spikeChance: 0 }, floor);
      expect(schedule.next(1, 999n)).to.equal(1_000n);
      expect(schedule.next(2, 1_000n)).to.equal(undefined);
      const spiking = new BaseFeeSchedule({ ...DEFAULT_SHAPE_RULES, spikeChance: 1 }, floor);
      expect(spiking.next(1, 10n)).to.equal(10_000n);
    });

    it("drops about the share of transactions asked, the same ones for the same seed", () => {
      const hashes = Array.from({ length: 5_000 }, (_, i) => id(`transaction ${i}`));
      const dropped = (seed: number) => hashes.filter((h) => isDropped({ ...DEFAULT_SHAPE_RULES, seed }, h));
      expect(dropped(1).length / hashes.length).to.be.within(0.012, 0.028);
      expect(dropped(1)).to.deep.equal(dropped(1));
      expect(dropped(2)).to.not.deep.equal(dropped(1));
    });
  });

  describe("an Arbitrum-Sepolia-shaped node (a block every 0.25 s)", () => {
    let chain: RehearsalChain;
    let provider: JsonRpcProvider;
    const block = async (tag: number | "latest"): Promise<Block> => {
      const b = (await provider.send("eth_getBlockByNumber", [
        typeof tag === "number" ? `0x${tag.toString(16)}` : tag,
        false,
      ])) as Record<string, string>;
      return { number: Number(b.number), timestamp: Number(b.timestamp), baseFeePerGas: BigInt(b.baseFeePerGas) };
    };
    const until = async <T>(what: string, probe: () => Promise<T | undefined>, tries = 200): Promise<T> => {
      for (let i = 0; i < tries; i++) {
        const found = await probe();
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`never saw ${what}`);
    };

    before(async () => {
      chain = await startChain("arbitrumSepolia", { seed: 1, spikeChance: 0, dropChance: 0 });
      provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    });
    after(async () => {
      provider?.destroy();
      await chain?.stop();
    });

    it("has the network's chain id, mines empty blocks on an interval, and lets blocks share a timestamp", async () => {
      expect(Number(await provider.send("eth_chainId", []))).to.equal(421614);
      const first = (await block("latest")).number;
      const last = await until("12 more blocks", async () => {
        const latest = await block("latest");
        return latest.number >= first + 12 ? latest : undefined;
      });
      const blocks = await Promise.all(Array.from({ length: 12 }, (_, i) => block(last.number - 11 + i)));
      const shared = blocks.slice(1).filter((b, i) => b.timestamp === blocks[i].timestamp);
      expect(shared.length, "blocks within the same second").to.be.greaterThan(0);
      // Empty blocks: without the floor, 12 blocks would have taken the base fee below a fifth of it (0.875^12).
      const floor = NETWORK_SHAPES.arbitrumSepolia.baseFeeFloorWei;
      expect(
        blocks.every((b) => b.baseFeePerGas >= floor / 2n),
        "the floor holds (a lagging shaper aside)",
      ).to.equal(true);
    });

    it("drops a pending transaction now and then: it is gone, and its nonce is free to be sent again", async () => {
      // Signed here and sent raw: ethers' JsonRpcSigner would wait forever for a transaction dropped before it saw it.
      const signer = new Wallet(devPrivateKey(5), provider);
      const sent: string[] = [];
      chain.rules.dropChance = 1;
      try {
        // A transaction mined before the shaper's next look escapes; at a drop chance of 1 the next one will not.
        const hash = await until(
          "a dropped transaction",
          async () => {
            const tx = await signer.sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.001") });
            sent.push(tx.hash);
            await until("the transaction mined or dropped", async () =>
              chain.droppedHashes.includes(tx.hash) || (await provider.getTransactionReceipt(tx.hash))
                ? true
                : undefined,
            );
            return chain.droppedHashes.includes(tx.hash) ? tx.hash : undefined;
          },
          10,
        );
        chain.rules.dropChance = 0;
        expect(await provider.getTransaction(hash)).to.equal(null);
        const mined = sent.length - 1;
        expect(await provider.getTransactionCount(signer.address, "pending")).to.equal(mined);
        const again = await signer.sendTransaction({ to: signer.address, nonce: mined });
        expect((await again.wait())?.status).to.equal(1);
        expect(chain.counters.dropped).to.equal(1);
      } finally {
        chain.rules.dropChance = 0;
      }
    });

    it("carries the network's planted feeds, which take a round as their price moves block after block", async () => {
      const owner = new Wallet(devPrivateKey(6), provider);
      const start = (await block("latest")).timestamp;
      // Ten days from the June 2022 crash played in 30 s: a 0.5% move every second or so.
      const paths = { minutes: 0.5, days: 10, seed: 1, from: "2022-06-10" };
      const drivers = await plantNetworkFeeds((m, p) => provider.send(m, p), "arbitrumSepolia", owner, start, paths);
      let stopping = false;
      const errors: unknown[] = [];
      const driving = driveFeeds(drivers, provider, {
        stopping: () => stopping,
        everyMs: 50,
        onError: (_, e) => errors.push(e),
      });
      try {
        await until("three BTC rounds mined", async () => {
          const [roundId] = await drivers.BTC.feed.latestRoundData();
          return roundId >= FIRST_ROUND + 3n ? true : undefined;
        });
      } finally {
        stopping = true;
        await driving;
      }
      expect(errors).to.deep.equal([]);
      const btc = drivers.BTC;
      const [roundId, answer] = await btc.feed.latestRoundData();
      const mined = Number(roundId - FIRST_ROUND);
      expect(btc.sent.slice(0, mined).every((s) => s.reason === "deviation")).to.equal(true);
      expect(answer).to.equal(btc.sent[mined - 1].answer);
      for (let i = 1; i <= mined; i++) {
        const [, previous] = await btc.feed.getRoundData(FIRST_ROUND + BigInt(i - 1));
        const moved = btc.sent[i - 1].answer - previous;
        expect((moved < 0n ? -moved : moved) * 10_000n, `round ${i}`).to.be.at.least(50n * previous);
      }
    });

    it("spikes the base fee tenfold for a few blocks, then lets it come back", async () => {
      const floor = NETWORK_SHAPES.arbitrumSepolia.baseFeeFloorWei;
      chain.rules.spikeChance = 1;
      const spiked = await until("a spike", async () => {
        const latest = await block("latest");
        return latest.baseFeePerGas >= floor * 10n ? latest : undefined;
      }).finally(() => (chain.rules.spikeChance = 0));
      await until("the base fee back", async () => {
        const latest = await block("latest");
        return latest.number > spiked.number && latest.baseFeePerGas < floor * 2n ? true : undefined;
      });
      expect(chain.counters.spikes).to.be.at.least(1);
    });
  });
});
