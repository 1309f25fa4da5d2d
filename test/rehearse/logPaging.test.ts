import { expect } from "chai";
import { JsonRpcProvider, NonceManager, Wallet, zeroPadValue } from "ethers";
import { startEndpoint, type Endpoint } from "../../scripts/rehearse/endpoint";
import { holdingSince } from "../../src/holder/holdingPeriod";
import { readTokenHistory } from "../../src/reads/tokenHistory";
import { deployDexSystem } from "../helpers/dexSystem";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { startNode, type LocalNode } from "../helpers/node";
import { feedPrice } from "../helpers/units";

/**
 * The rehearsal's chains are a few hundred blocks long, so its timed run never reaches the endpoint's 10,000-block
 * eth_getLogs limit: here a chain of more than 12,000 blocks (hardhat_mine) is read through the endpoint by the
 * project's own log readers (the token page's history, the trade page's holding period).
 */
describe("eth_getLogs paging through a public-RPC-like endpoint, on a chain of more than 10,000 blocks", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let endpoint: Endpoint;
  const providers: JsonRpcProvider[] = [];

  after(async () => {
    providers.forEach((p) => p.destroy());
    await endpoint?.close();
    await node?.stop();
  });

  it("the history and holding-period readers page through the endpoint's range refusals and find every event", async () => {
    node = await startNode();
    const direct = new JsonRpcProvider(node.url, 31337, { staticNetwork: true });
    providers.push(direct);
    const admin = new NonceManager(new Wallet(hardhatAccountKey(0), direct));
    const s = await deployDexSystem({}, { url: node.url, admin });
    const token = await s.tokens.BTC3L.getAddress();
    const created = await direct.getBlockNumber();
    await direct.send("hardhat_mine", ["0x2ee0"]); // 12,000 blocks
    await (await s.btcFeed.updateAnswer(feedPrice(42_500))).wait();
    const rebalanced = (await (await s.tokens.BTC3L.rebalance()).wait())!.blockNumber;
    expect(rebalanced).to.be.greaterThan(12_000);

    endpoint = await startEndpoint({
      target: node.url,
      seed: 1,
      errorRate: 0,
      dropRate: 0,
      latencyMs: [0, 0],
      ratePerSecond: 1_000,
      burst: 1_000,
    });
    const through = new JsonRpcProvider(`${endpoint.url}/app`, 31337, { staticNetwork: true });
    providers.push(through);
    await expect(through.getLogs({ address: token, fromBlock: 0, toBlock: "latest" })).to.be.rejectedWith(
      /exceeds limit of 10000/,
    );
    const refusedAlone = endpoint.counters.logsRangeRefused;
    expect(refusedAlone).to.equal(1);

    const history = await readTokenHistory(through, s.book, token);
    expect(history.createdAt).to.be.at.most(created);
    expect(history.rebalances.map((r) => r.blockNumber)).to.deep.equal([rebalanced]);
    expect(endpoint.counters.logsRangeRefused, "the readers' first pages were refused").to.be.greaterThan(refusedAlone);

    // The pool's shares came in when it was seeded, 12,000 blocks before the head: found through the pages.
    const { pair } = await s.pool("BTC3L");
    const transfer = s.tokens.BTC3L.interface.getEvent("Transfer").topicHash;
    const seeded = await direct.getLogs({
      address: token,
      topics: [transfer, null, zeroPadValue(pair, 32)],
      fromBlock: 0,
      toBlock: created,
    });
    expect(seeded).to.not.deep.equal([]);
    const since = await holdingSince(through, token, pair);
    expect(since).to.equal((await direct.getBlock(seeded[0].blockNumber))?.timestamp);
  });
});
