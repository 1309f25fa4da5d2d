import { Counter, Gauge, Registry } from "prom-client";

/** Prometheus metrics of one arbitrageur, in their own registry (never prom-client's global one). */
export class ArbitrageMetrics {
  readonly registry = new Registry();
  private readonly gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [this.registry] });
  private readonly counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [this.registry] });

  readonly premium = this.gauge(
    "arb_pool_premium_ratio",
    "Premium (positive) or discount (negative) of each token's pool price to its NAV, as a fraction (0.01 = 1%)",
    ["token"],
  );
  readonly poolPrice = this.gauge("arb_pool_price_usd", "Pool price of each token, in stablecoin", ["token"]);
  readonly nav = this.gauge("arb_token_nav_usd", "NAV per share of each token, in stablecoin", ["token"]);
  readonly expectedProfit = this.gauge(
    "arb_expected_profit_usd",
    "Profit before gas of the best arbitrage of each pool at the last pass (0: none)",
    ["token"],
  );
  readonly profit = this.counter("arb_profit_usd_total", "Stablecoin the mined arbitrages paid to the receiver");
  readonly gasSpent = this.counter("arb_gas_spent_usd_total", "Gas of the mined arbitrages, in stablecoin");
  readonly arbitrages = this.counter(
    "arb_arbitrages_total",
    "Arbitrages by outcome (arbitraged, lost_race, moved, below_min_profit, reverted)",
    ["outcome"],
  );
  readonly losses = this.counter(
    "arb_losses_total",
    "Mined arbitrages whose profit did not cover their gas (a fee raised by replacements, a gas use above the estimate)",
  );
  readonly pendingTransactions = this.gauge("arb_pending_transactions", "Transactions sent and not yet mined");
  readonly errors = this.counter(
    "arb_errors_total",
    "Errors by kind (rpc, simulation, send, timeout, nonce, reverted, pool, tick)",
    ["kind"],
  );
  readonly signerBalance = this.gauge("arb_signer_balance_eth", "Native balance of the arbitrageur's signer");
  readonly signerBalanceLow = this.gauge(
    "arb_signer_balance_low",
    "1 when the signer balance is below ARB_MIN_BALANCE_ETH",
  );
  readonly lastTick = this.gauge("arb_last_tick_timestamp_seconds", "Unix time of the last pass that read every pool");
  readonly ticks = this.counter("arb_ticks_total", "Passes by result (ok, failed)", ["result"]);
}
