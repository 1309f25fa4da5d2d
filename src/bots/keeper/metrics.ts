import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one keeper, in their own registry (never prom-client's global one). */
export class KeeperMetrics {
  readonly registry = new Registry();
  readonly leverage = new Gauge({
    name: "keeper_token_leverage",
    help: "Current signed leverage of each token",
    labelNames: ["token"],
    registers: [this.registry],
  });
  readonly nav = new Gauge({
    name: "keeper_token_nav_usd",
    help: "NAV per share of each token, in stablecoin",
    labelNames: ["token"],
    registers: [this.registry],
  });
  readonly equity = new Gauge({
    name: "keeper_token_equity_usd",
    help: "Equity of each token, in stablecoin",
    labelNames: ["token"],
    registers: [this.registry],
  });
  readonly rebalanceDue = new Gauge({
    name: "keeper_token_rebalance_due",
    help: "Due rebalance of each token: 0 none, 1 time, 2 drift",
    labelNames: ["token"],
    registers: [this.registry],
  });
  readonly lastRebalance = new Gauge({
    name: "keeper_last_rebalance_timestamp_seconds",
    help: "Unix time of this keeper's last successful rebalance of each token",
    labelNames: ["token"],
    registers: [this.registry],
  });
  readonly rebalances = new Counter({
    name: "keeper_rebalances_total",
    help: "Rebalances this keeper got mined, by outcome (rebalanced, lost_race)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly pendingTransactions = new Gauge({
    name: "keeper_pending_transactions",
    help: "Transactions sent and not yet mined",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "keeper_errors_total",
    help: "Errors by kind (rpc, simulation, send, timeout, nonce, reverted, tick)",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly signerBalance = new Gauge({
    name: "keeper_signer_balance_eth",
    help: "Native balance of the keeper's signer",
    registers: [this.registry],
  });
  readonly signerBalanceLow = new Gauge({
    name: "keeper_signer_balance_low",
    help: "1 when the signer balance is below KEEPER_MIN_BALANCE_ETH",
    registers: [this.registry],
  });
  readonly lastTick = new Gauge({
    name: "keeper_last_tick_timestamp_seconds",
    help: "Unix time of the last pass that read every token",
    registers: [this.registry],
  });
  readonly rewards = new Counter({
    name: "keeper_rewards_usd_total",
    help: "Keeper rewards paid to the signer by its mined rebalances (MarginTransferred to it), in USDC",
    registers: [this.registry],
  });
  readonly gasSpentEth = new Counter({
    name: "keeper_gas_spent_eth_total",
    help: "Gas paid by the signer's mined transactions (gas used x effective gas price), in ETH",
    registers: [this.registry],
  });
  readonly gasSpentUsd = new Counter({
    name: "keeper_gas_spent_usd_total",
    help: "Gas paid by the signer's mined transactions, in USDC at the ETH price of the pass that saw them mined",
    registers: [this.registry],
  });
  readonly net = new Gauge({
    name: "keeper_net_usd",
    help: "Rewards less gas (in USDC) since start",
    registers: [this.registry],
  });
  readonly latencySeconds = new Histogram({
    name: "keeper_rebalance_latency_seconds",
    help: "From due (nextRebalanceTime for the time trigger, else the first pass that saw it due) to the block that mined this keeper's rebalance",
    buckets: [1, 2, 5, 12, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly latencyBlocks = new Histogram({
    name: "keeper_rebalance_latency_blocks",
    help: "Blocks from the first pass that saw a token due to the block that mined this keeper's rebalance",
    buckets: [1, 2, 3, 5, 10, 25, 50, 100],
    registers: [this.registry],
  });
  readonly waiting = new Gauge({
    name: "keeper_tokens_waiting",
    help: "Profit mode: due tokens whose reward at the next block did not cover the gas x margin at the last pass",
    registers: [this.registry],
  });
  readonly ticks = new Counter({
    name: "keeper_ticks_total",
    help: "Passes by result (ok, failed)",
    labelNames: ["result"],
    registers: [this.registry],
  });
}
