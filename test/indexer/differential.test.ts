import { expect } from "chai";
import fc from "fast-check";
import { Contract, MaxUint256, NonceManager, Wallet, type ContractTransactionResponse } from "ethers";
import { LeveragedToken__factory, MockStablecoin__factory, TradeRouter__factory } from "../../typechain-types";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import { indexerGet } from "../../src/indexer/client";
import type { FeesBody } from "../../src/indexer/fees";
import { hardhatAccountKey } from "../helpers/keeperChain";
import { usdc, WAD } from "../helpers/units";
import { eventually, startIndexedChain, type IndexedChain } from "./harness";

/*
 * The indexer against the chain: random holders mint, redeem, transfer, buy and sell on the pool (directly and
 * through the TradeRouter, by whichever route it takes) across price moves, rebalances, funding and the management
 * fee. After each run, for every holder: the indexer's realized + unrealized profit equals the stablecoin it
 * received less what it paid (a transfer counted at NAV at its block) plus its holding at the NAV the indexer
 * shows, to the micro-USDC; and every position equals balanceOf.
 */

const TOKENS = ["BTC3L", "BTC3S", "BTC2L"] as const;
const POOLED = ["BTC3L", "BTC3S"] as const;
const HOLDERS = 4;
const DEADLINE = 2n ** 40n;

type Action =
  | { kind: "mint"; holder: number; token: number; usdc: number }
  | { kind: "redeem"; holder: number; token: number; percent: number }
  | { kind: "transfer"; holder: number; to: number; token: number; percent: number }
  | { kind: "poolBuy" | "routerBuy"; holder: number; token: number; usdc: number }
  | { kind: "poolSell" | "routerSell"; holder: number; token: number; percent: number }
  | { kind: "price"; bps: number; seconds: number }
  | { kind: "rebalance" };

const holder = fc.integer({ min: 0, max: HOLDERS - 1 });
const amount = fc.integer({ min: 5, max: 400 });
const percent = fc.integer({ min: 1, max: 100 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("mint" as const), holder, token: fc.nat(2), usdc: amount }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("redeem" as const), holder, token: fc.nat(2), percent }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("transfer" as const), holder, to: holder, token: fc.nat(2), percent }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom("poolBuy" as const, "routerBuy" as const),
      holder,
      token: fc.nat(1),
      usdc: amount,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("poolSell" as const, "routerSell" as const),
      holder,
      token: fc.nat(1),
      percent,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("price" as const),
      bps: fc.integer({ min: -900, max: 900 }),
      seconds: fc.integer({ min: 0, max: 3000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rebalance" as const) }) },
);

describe("indexer: differential property against the chain (hardhat node + Ponder, child processes)", function () {
  this.timeout(600_000);
  let chain: IndexedChain;
  let holders: (NonceManager & { address: string })[];
  let price = 50_000_00000000n; // the feed's answer (8 decimals)
  const start = new Map<string, bigint>(); // each holder's stablecoin after funding
  const transfers = new Map<string, bigint>(); // + value at NAV sent, - received

  const wait = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!;

  before(async () => {
    chain = await startIndexedChain({ fundingRatePerYear: "0.2", managementFeePerYear: "0.0365" });
    const { s, provider } = chain;
    holders = Array.from({ length: HOLDERS }, (_, i) => {
      const wallet = new Wallet(hardhatAccountKey(3 + i), provider);
      return Object.assign(new NonceManager(wallet), { address: wallet.address });
    });
    for (const h of holders) {
      await wait(s.usdc.mint(h.address, usdc("100000")));
      const coin = MockStablecoin__factory.connect(s.book.stablecoin, h);
      for (const spender of [...TOKENS.map((t) => s.book.tokens[t]), s.book.dex!.router, s.book.dex!.tradeRouter!]) {
        await wait(coin.approve(spender, MaxUint256));
      }
      for (const t of POOLED) {
        const token = LeveragedToken__factory.connect(s.book.tokens[t], h);
        await wait(token.approve(s.book.dex!.router, MaxUint256));
        await wait(token.approve(s.book.dex!.tradeRouter!, MaxUint256));
      }
      start.set(h.address, await s.usdc.balanceOf(h.address));
      transfers.set(h.address, 0n);
    }
  });

  after(async () => {
    await chain?.stop();
  });

  async function play(a: Action): Promise<void> {
    const { s } = chain;
    if (a.kind === "price") {
      if (a.seconds > 0) await chain.provider.send("evm_increaseTime", [a.seconds]);
      price = (price * BigInt(10_000 + a.bps)) / 10_000n;
      await wait(s.btcFeed.updateAnswer(price));
      return;
    }
    if (a.kind === "rebalance") {
      for (const t of TOKENS) {
        if ((await s.tokens[t].rebalanceAction()) !== 0n) await wait(s.tokens[t].rebalance());
      }
      return;
    }
    const h = holders[a.holder];
    const symbol = "percent" in a && (a.kind === "poolSell" || a.kind === "routerSell") ? POOLED[a.token] : null;
    const tokenSymbol = symbol ?? (a.kind === "poolBuy" || a.kind === "routerBuy" ? POOLED[a.token] : TOKENS[a.token]);
    const token = LeveragedToken__factory.connect(s.book.tokens[tokenSymbol], h);
    const part = async (p: number) => ((await token.balanceOf(h.address)) * BigInt(p)) / 100n;
    const router = new Contract(s.book.dex!.router, uniswapV2.router.abi as never, h);
    const tradeRouter = TradeRouter__factory.connect(s.book.dex!.tradeRouter!, h);
    switch (a.kind) {
      case "mint":
        await wait(token.mint(usdc(a.usdc), 0n, h.address));
        return;
      case "redeem": {
        const shares = await part(a.percent);
        if (shares > 0n) await wait(token.redeem(shares, 0n, h.address));
        return;
      }
      case "transfer": {
        const shares = await part(a.percent);
        const to = holders[a.to];
        if (shares === 0n || to.address === h.address) return;
        const receipt = await wait(token.transfer(to.address, shares));
        const nav = await token.navPerShare({ blockTag: receipt.blockNumber });
        const value = (shares * nav) / WAD;
        transfers.set(h.address, transfers.get(h.address)! + value);
        transfers.set(to.address, transfers.get(to.address)! - value);
        return;
      }
      case "poolBuy":
        await wait(
          router.swapExactTokensForTokens(usdc(a.usdc), 0n, [s.book.stablecoin, token.target], h.address, DEADLINE),
        );
        return;
      case "routerBuy":
        await wait(tradeRouter.buy(token.target, usdc(a.usdc), 0n, h.address, DEADLINE));
        return;
      case "poolSell": {
        const shares = await part(a.percent);
        if (shares > 0n) {
          await wait(
            router.swapExactTokensForTokens(shares, 0n, [token.target, s.book.stablecoin], h.address, DEADLINE),
          );
        }
        return;
      }
      case "routerSell": {
        const shares = await part(a.percent);
        if (shares > 0n) await wait(tradeRouter.sell(token.target, shares, 0n, h.address, DEADLINE));
        return;
      }
    }
  }

  async function check(): Promise<void> {
    const { s } = chain;
    // A price at the head: every BTC token gets its NAV read at the latest block.
    await wait(s.btcFeed.updateAnswer(price));
    await chain.synced();
    await eventually(checkHolders);
    await eventually(checkRebalances);
    await eventually(checkOperatorFees);
  }

  async function checkHolders(): Promise<void> {
    const { s } = chain;
    let dilution = 0n;
    for (const h of holders) {
      const portfolio = await chain.portfolio(h.address);
      let indexed = 0n;
      let holdings = 0n;
      for (const t of TOKENS) {
        const token = s.tokens[t];
        const balance = await token.balanceOf(h.address);
        const p = portfolio.positions.find((x) => x.symbol === t);
        expect(p?.shares ?? 0n, `${t} shares of holder ${h.address}`).to.equal(balance);
        if (!p) continue;
        indexed += p.realizedPnl + p.unrealizedPnl;
        dilution += p.dilution;
        holdings += (balance * (await token.navPerShare({ blockTag: p.navBlock }))) / WAD;
      }
      const usdcDelta = (await s.usdc.balanceOf(h.address)) - start.get(h.address)!;
      const expected = usdcDelta + transfers.get(h.address)! + holdings;
      expect(indexed, `realized + unrealized of ${h.address}`).to.equal(expected);
    }
    // The management fee's value is apportioned to the shares held at each accrual: the holders' parts are some of
    // it (the pools' and the fee recipient's shares take the rest), never more.
    const fees = await indexerGet<FeesBody>(chain.indexer.url, "/fees");
    const managementFees = fees.tokens.reduce((sum, t) => sum + BigInt(String(t.managementFeeUsdc)), 0n);
    expect(dilution, "the holders' share of the management fee").to.be.greaterThan(0n);
    expect(dilution, "the holders' share of the management fee").to.be.at.most(managementFees);
  }

  /** Every rebalance, with the exchange's taker fee it paid. */
  async function checkRebalances(): Promise<void> {
    const { s } = chain;
    const fees = await indexerGet<FeesBody>(chain.indexer.url, "/fees");
    for (const t of TOKENS) {
      const token = s.tokens[t];
      const onChain = await token.queryFilter(token.filters.Rebalanced());
      const indexed = fees.rebalances.filter((r) => r.token === s.book.tokens[t].toLowerCase());
      expect(indexed.length, `${t} rebalances`).to.equal(onChain.length);
      for (const r of indexed) expect(BigInt(String(r.takerFee)), `${t} rebalance taker fee`).to.be.greaterThan(0n);
    }
  }

  /**
   * Each token's fee recipient (from its FeesUpdated, which comes before the factory's TokenCreated) earned the mint
   * and redeem fees of every Minted and Redeemed.
   */
  async function checkOperatorFees(): Promise<void> {
    const { s } = chain;
    const fees = await indexerGet<FeesBody>(chain.indexer.url, "/fees");
    for (const t of TOKENS) {
      const token = s.tokens[t];
      const address = s.book.tokens[t].toLowerCase();
      const recipient = (await token.fees()).recipient.toLowerCase();
      const row = fees.tokens.find((r) => r.address === address);
      expect(row?.feeRecipient, `${t} fee recipient`).to.equal(recipient);
      const minted = await token.queryFilter(token.filters.Minted());
      const redeemed = await token.queryFilter(token.filters.Redeemed());
      const operator = fees.operators.find((r) => r.token === address && r.operator === recipient);
      const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
      expect(BigInt(String(operator?.mintFees ?? 0)), `${t} mint fees`).to.equal(sum(minted.map((e) => e.args.fee)));
      expect(BigInt(String(operator?.redeemFees ?? 0)), `${t} redeem fees`).to.equal(
        sum(redeemed.map((e) => e.args.fee)),
      );
      expect(minted.length, `${t} minted`).to.be.greaterThan(0);
    }
  }

  /** Every kind of action at least once, whatever the random runs draw. */
  const opening: Action[] = [
    { kind: "mint", holder: 0, token: 0, usdc: 300 },
    { kind: "mint", holder: 1, token: 1, usdc: 200 },
    { kind: "mint", holder: 2, token: 2, usdc: 100 },
    { kind: "poolBuy", holder: 3, token: 0, usdc: 150 },
    { kind: "routerBuy", holder: 2, token: 1, usdc: 120 },
    { kind: "price", bps: 800, seconds: 90_000 }, // a day and more: a rebalance by time falls due
    { kind: "rebalance" },
    { kind: "transfer", holder: 0, to: 3, token: 0, percent: 40 },
    { kind: "poolSell", holder: 3, token: 0, percent: 50 },
    { kind: "routerSell", holder: 1, token: 1, percent: 30 },
    { kind: "price", bps: -1200, seconds: 600 },
    { kind: "redeem", holder: 0, token: 0, percent: 100 },
    { kind: "rebalance" },
  ];

  it("realized + unrealized = received - paid + holding x NAV for every holder, and positions = balanceOf", async () => {
    for (const a of opening) await play(a);
    await check();
    const rebalances = await chain.s.tokens.BTC3L.queryFilter(chain.s.tokens.BTC3L.filters.Rebalanced());
    expect(rebalances.length, "BTC3L rebalanced in the opening").to.be.greaterThan(0);
    let actions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 12, maxLength: 20 }), async (run) => {
        for (const a of run) await play(a);
        actions += run.length;
        await check();
      }),
      { numRuns: 2, endOnFailure: true },
    );
    expect(actions).to.be.greaterThan(20);
  });
});
