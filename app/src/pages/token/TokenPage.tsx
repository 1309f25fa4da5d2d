import { useMemo } from "react";
import { formatAmount, formatLeverage, formatPercent, formatToken, formatUsdc, formatUsdPrice } from "@lt/text/format";
import { connectExchange, connectToken } from "@lt/chain/contracts";
import { poolPrice, premium } from "@lt/dex/pool";
import { readExchangeAccount } from "@lt/reads/exchangeAccount";
import { describeFees } from "@lt/holder/fees";
import { readTokenHistory, rebased } from "@lt/reads/tokenHistory";
import { readIndexedHistory } from "@lt/indexer/history";
import { useSession } from "../../chain/session";
import { useTokenData } from "../../chain/tokenData";
import { usePoll } from "../../chain/usePoll";
import { LatestTable } from "../../components/LatestTable";
import { LeverageWithGauge } from "../../components/LeverageGauge";
import { LineChart } from "../../components/LineChart";
import { shortAddress } from "../../components/text";
import { href } from "../../route";
import { capHeadroomText, isValued, navText } from "@lt/reads/tokenState";
import { nextRebalance, tokenStatus } from "../tokens/status";

const HISTORY_INTERVAL_MS = 15_000;
const ACCOUNT_INTERVAL_MS = 5_000;
/** The rebalance table shows the latest this many. */
const REBALANCES_SHOWN = 60;

const dateTime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ");

/** One token: its NAV against its market since it was created, its rebalances, its exchange account, its fees. */
export default function TokenPage({ symbol }: { symbol: string }) {
  const { book, reader, config } = useSession();
  const indexerUrl = config?.indexerUrl;
  const { list, find } = useTokenData();
  const token = find(symbol);
  const address = token?.address;
  const history = usePoll(
    book && reader && address ? () => readTokenHistory(reader, book, address) : undefined,
    [book, reader, address],
    HISTORY_INTERVAL_MS,
  );
  // With an indexer: the rebalances and the pool's premium over time from it.
  const indexed = usePoll(
    indexerUrl && address ? () => readIndexedHistory(indexerUrl, address) : undefined,
    [indexerUrl, address],
    HISTORY_INTERVAL_MS,
  );
  const marketId = token?.marketId;
  const account = usePoll(
    book && reader && address && marketId !== undefined
      ? async () => {
          const exchange = connectExchange(book.exchange, reader);
          const [state, market, reward] = await Promise.all([
            readExchangeAccount(exchange, address, marketId),
            exchange.market(marketId),
            connectToken(address, reader).rewardSettings(),
          ]);
          return {
            address,
            state,
            funding: market.config.fundingRatePerYear,
            takerFeeBps: market.config.takerFeeBps,
            reward: { cap: reward.cap, maxPerYearBps: reward.maxPerYearBps },
          };
        }
      : undefined,
    [book, reader, address, marketId],
    ACCOUNT_INTERVAL_MS,
  );
  const chart = useMemo(() => {
    const points = history.data?.nav ?? [];
    return {
      x: points.map((p) => p.timestamp),
      series: [
        { label: `${symbol} NAV`, values: rebased(points.map((p) => p.navPerShare)), color: "#2458d6" },
        {
          label: `${token?.marketSymbol ?? "underlying"} price`,
          values: rebased(points.map((p) => p.price)),
          color: "#9a6b00",
        },
      ],
    };
  }, [history.data, symbol, token?.marketSymbol]);

  if (!book) return null;
  if (!token) {
    return list.data ? (
      <p role="alert">
        There is no token {symbol} on {book.network}.
      </p>
    ) : (
      <p aria-busy="true">Reading…</p>
    );
  }
  const now = list.data?.timestamp ?? 0n;
  const pool = token.pool && poolPrice(token.pool);
  const acc = account.data?.address === address ? account.data : undefined;
  const nav = history.data?.nav ?? [];
  const last = nav[nav.length - 1];
  return (
    <section aria-labelledby="token-heading">
      <h1 id="token-heading">
        {token.symbol} <small>{token.name}</small>
      </h1>
      <p>
        <a href={href.trade(token.symbol)}>Trade {token.symbol}</a>
      </p>
      <div className="cards">
        <div className="card">
          <dl>
            <dt>NAV</dt>
            <dd>{isValued(token) ? `${formatUsdc(token.navPerShare, 4)} USDC` : navText(token)}</dd>
            <dt>{token.marketSymbol} price</dt>
            <dd>{formatUsdPrice(token.price)} USD</dd>
            <dt>Pool price</dt>
            <dd>
              {pool === undefined
                ? "no pool"
                : `${formatUsdc(pool, 4)} (${formatPercent(premium(pool, token.navPerShare))})`}
            </dd>
            <dt>Status</dt>
            <dd>{tokenStatus(token)}</dd>
            <dt>Cap headroom</dt>
            <dd>{capHeadroomText(token)}</dd>
          </dl>
        </div>
        <div className="card">
          <dl>
            <dt>Leverage</dt>
            <dd>
              <LeverageWithGauge token={token} />
            </dd>
            <dt>Band</dt>
            <dd>
              {formatAmount(token.bandLower, 18, 2, true)}x to {formatAmount(token.bandUpper, 18, 2, true)}x
            </dd>
            <dt>Next rebalance</dt>
            <dd>{nextRebalance(token, now)}</dd>
            <dt>Equity / supply</dt>
            <dd>
              {formatUsdc(token.equity)} USDC / {formatToken(token.totalSupply, 4)}
            </dd>
          </dl>
        </div>
        <div className="card" aria-label="Exchange account">
          <dl>
            <dt>Exchange margin</dt>
            <dd>{acc ? `${formatUsdc(acc.state.margin)} USDC` : "…"}</dd>
            <dt>Position</dt>
            <dd>
              {acc
                ? `${formatAmount(acc.state.size, 18, 6)} ${acc.state.marketSymbol} at ${formatUsdPrice(acc.state.entryPrice)}`
                : "…"}
            </dd>
            <dt>Unrealized PnL</dt>
            <dd>{acc ? `${formatAmount(acc.state.unrealizedPnl, 18, 2, true)} USD` : "…"}</dd>
            <dt>Funding owed</dt>
            <dd>{acc ? `${formatAmount(acc.state.fundingOwed, 18, 2, true)} USD` : "…"}</dd>
            <dt>Account value</dt>
            <dd>
              {acc
                ? `${formatUsdc(acc.state.accountValue)} USDC (maintenance ${formatUsdc(acc.state.maintenanceMargin)})`
                : "…"}
            </dd>
          </dl>
        </div>
      </div>

      <h2>NAV against {token.marketSymbol}, both rebased to 100</h2>
      {history.error && <p role="alert">Could not read the history: {history.error}</p>}
      {nav.length > 1 ? (
        <LineChart
          label={`${token.symbol} NAV and ${token.marketSymbol} price since ${dateTime(nav[0].timestamp)}, rebased to 100: now ${chart.series[0].values[nav.length - 1]?.toFixed(1)} and ${chart.series[1].values[nav.length - 1]?.toFixed(1)}`}
          x={chart.x}
          series={chart.series}
          time
          yFormat={(v) => v.toFixed(0)}
        />
      ) : (
        <p className="note">
          {history.data ? "No history yet: the chart starts with the first rebalance." : "Reading the chain's events…"}
        </p>
      )}
      {last && (
        <p className="note">
          From the chain: NAV and price at {nav.length} blocks, the last at {dateTime(last.timestamp)} UTC (chain time).
        </p>
      )}

      {indexed.data && indexed.data.premium.length > 1 && (
        <>
          <h2>Pool premium to NAV over time</h2>
          <LineChart
            label={`${token.symbol}'s pool price against its NAV, in percent, at ${indexed.data.premium.length} blocks from the indexer`}
            x={indexed.data.premium.map((p) => p.timestamp)}
            series={[
              {
                label: "premium (%)",
                values: indexed.data.premium.map((p) => Number(p.premiumBps) / 100),
                color: "#2458d6",
              },
            ]}
            time
            yFormat={(v) => `${v.toFixed(1)}%`}
          />
        </>
      )}

      <h2>Rebalance history</h2>
      {indexed.error && <p role="alert">Could not read the indexer: {indexed.error}</p>}
      <RebalanceTable
        records={indexed.data?.rebalances ?? history.data?.rebalances ?? []}
        market={token.marketSymbol}
      />

      <h2>Fees</h2>
      <ul>
        {describeFees({
          mintFeeBps: token.mintFeeBps,
          redeemFeeBps: token.redeemFeeBps,
          managementFeePerYear: token.managementFeePerYear,
          fundingRatePerYear: acc?.funding,
          takerFeeBps: acc?.takerFeeBps,
          reward: acc?.reward,
          long: token.targetLeverage > 0n,
        }).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}

function RebalanceTable({
  records,
  market,
}: {
  records: Awaited<ReturnType<typeof readTokenHistory>>["rebalances"];
  market: string;
}) {
  return (
    <LatestTable
      label="Rebalance history"
      rows={records}
      shown={REBALANCES_SHOWN}
      empty="No rebalance yet."
      columns={[
        "Time (UTC, chain)",
        "Trigger",
        "Leverage before → after",
        `${market} price`,
        "Size change",
        "Transaction",
      ]}
      row={(r) => (
        <tr key={`${r.txHash}-${r.blockNumber}`}>
          <td>{dateTime(r.timestamp)}</td>
          <td>{r.trigger === "drift" ? "drift (left its band)" : "time (daily)"}</td>
          <td className="num">
            {formatLeverage(r.leverageBefore)} → {formatLeverage(r.leverageAfter)}
          </td>
          <td className="num">{formatUsdPrice(r.price)}</td>
          <td className="num">
            {r.sizeDelta > 0n ? "+" : ""}
            {formatAmount(r.sizeDelta, 18, 6)} {market}
          </td>
          <td title={r.txHash}>
            <code>{shortAddress(r.txHash)}</code>
          </td>
        </tr>
      )}
      footer={
        records.length > REBALANCES_SHOWN && (
          <p className="note">
            The latest {REBALANCES_SHOWN} of {records.length} rebalances.
          </p>
        )
      }
    />
  );
}
