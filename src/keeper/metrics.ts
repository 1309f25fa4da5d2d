import { Counter, Gauge, Registry } from "prom-client";

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
  readonly ticks = new Counter({
    name: "keeper_ticks_total",
    help: "Passes by result (ok, failed)",
    labelNames: ["result"],
    registers: [this.registry],
  });
}
