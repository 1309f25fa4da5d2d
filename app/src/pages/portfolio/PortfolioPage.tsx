import { useSession } from "../../chain/session";
import { usePoll } from "../../chain/usePoll";
import { formatToken, formatUsdc } from "@lt/text/format";
import {
  feesPaidOf,
  parsePortfolio,
  portfolioCsv,
  portfolioTotals,
  type Portfolio,
  type PortfolioActivity,
} from "@lt/indexer/portfolio";
import { LatestTable } from "../../components/LatestTable";
import { href } from "../../route";

const INTERVAL_MS = 5_000;
const ACTIVITY_SHOWN = 200;

const dateTime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ");
const signed = (v: bigint) => `${v > 0n ? "+" : ""}${formatUsdc(v)}`;

async function readPortfolio(indexerUrl: string, account: string): Promise<Portfolio> {
  let response: Response;
  try {
    response = await fetch(`${indexerUrl}/portfolio/${account}`, { cache: "no-store" });
  } catch {
    throw new Error(`the indexer at ${indexerUrl} does not answer: is it running (npm run indexer)?`);
  }
  if (!response.ok) throw new Error(`the indexer at ${indexerUrl} answered HTTP ${response.status}`);
  return parsePortfolio(await response.json());
}

function download(portfolio: Portfolio) {
  const blob = new Blob([portfolioCsv(portfolio.activity)], { type: "text/csv" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `portfolio-${portfolio.account}.csv`;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * The connected account's positions from the indexer: shares, cost basis (average cost), realized and unrealized
 * profit and loss at the latest NAV, fees paid, one row per transaction, and the CSV of them.
 */
export default function PortfolioPage() {
  const { config, connection, revision } = useSession();
  const indexerUrl = config?.indexerUrl;
  const account = connection?.account;
  const portfolio = usePoll(
    indexerUrl && account ? () => readPortfolio(indexerUrl, account) : undefined,
    [indexerUrl, account, revision],
    INTERVAL_MS,
  );
  if (!indexerUrl || !account) {
    return (
      <section aria-labelledby="portfolio-heading">
        <h1 id="portfolio-heading">Portfolio</h1>
        <p className="note">
          {!indexerUrl
            ? "No indexer is configured for this app: positions, cost and profit come from the indexer (npm run indexer, and INDEXER_URL for the app's server)."
            : "Connect a wallet to see its positions, what they cost and what they earned."}
        </p>
      </section>
    );
  }
  const data = portfolio.data;
  const totals = data ? portfolioTotals(data.positions) : undefined;
  return (
    <section aria-labelledby="portfolio-heading">
      <h1 id="portfolio-heading">Portfolio</h1>
      {portfolio.error && <p role="alert">Could not read the portfolio: {portfolio.error}</p>}
      {!data && !portfolio.error && <p aria-busy="true">Reading the indexer…</p>}
      {data && totals && (
        <>
          <div className="cards">
            <div className="card">
              <dl>
                <dt>Value at NAV</dt>
                <dd>{formatUsdc(totals.value)} USDC</dd>
                <dt>Cost basis</dt>
                <dd>{formatUsdc(totals.costBasis)} USDC</dd>
              </dl>
            </div>
            <div className="card">
              <dl>
                <dt>Realized profit and loss</dt>
                <dd>{signed(totals.realizedPnl)} USDC</dd>
                <dt>Unrealized profit and loss</dt>
                <dd>{signed(totals.unrealizedPnl)} USDC</dd>
                <dt>Fees paid</dt>
                <dd>
                  {formatUsdc(totals.feesPaid)} USDC{" "}
                  <span className="note">(management fee {formatUsdc(totals.managementFee)})</span>
                </dd>
              </dl>
            </div>
          </div>
          <h2>Positions</h2>
          {data.positions.length === 0 ? (
            <p className="note">
              No position yet: <a href={href.trade()}>mint or buy a token</a>.
            </p>
          ) : (
            <div className="table-scroll">
              <table aria-label="Positions">
                <thead>
                  <tr>
                    <th scope="col">Token</th>
                    <th scope="col">Shares</th>
                    <th scope="col">NAV</th>
                    <th scope="col">Value</th>
                    <th scope="col">Cost basis</th>
                    <th scope="col">Realized</th>
                    <th scope="col">Unrealized</th>
                    <th scope="col">Fees paid</th>
                    <th scope="col">Of which management fee</th>
                  </tr>
                </thead>
                <tbody>
                  {data.positions.map((p) => (
                    <tr key={p.token}>
                      <td>
                        <a href={href.token(p.symbol)}>{p.symbol}</a>
                      </td>
                      <td className="num">{formatToken(p.shares, 4)}</td>
                      <td className="num">{formatUsdc(p.nav, 4)}</td>
                      <td className="num">{formatUsdc(p.value)}</td>
                      <td className="num">{formatUsdc(p.costBasis)}</td>
                      <td className="num">{signed(p.realizedPnl)}</td>
                      <td className="num">{signed(p.unrealizedPnl)}</td>
                      <td className="num">{formatUsdc(feesPaidOf(p))}</td>
                      <td className="num">{formatUsdc(p.dilution)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Transactions</h2>
          <p>
            <button type="button" onClick={() => download(data)} disabled={data.activity.length === 0}>
              Download CSV
            </button>{" "}
            <span className="note">date, token, action, shares, USDC, NAV, fee, tx hash: what a tax tool imports</span>
          </p>
          <ActivityTable rows={data.activity} />
          <p className="note">
            From the indexer at {indexerUrl}: average cost in USDC; a transfer in counts at NAV at its block; unrealized
            at each token&apos;s latest indexed NAV. Fees paid: the mint and redeem fees, and the management fee (its
            dilution of the shares held, already inside the NAV); funding and the exchange&apos;s fees are the
            token&apos;s, inside its NAV, not split per holder.
          </p>
        </>
      )}
    </section>
  );
}

const ACTIVITY_COLUMNS = ["Time (UTC, chain)", "Token", "Action", "Shares", "USDC", "NAV", "Fee", "Transaction"];

function ActivityTable({ rows }: { rows: PortfolioActivity[] }) {
  return (
    <LatestTable
      label="Transactions"
      rows={rows}
      shown={ACTIVITY_SHOWN}
      empty="No transaction yet."
      columns={ACTIVITY_COLUMNS}
      row={(a, i) => (
        <tr key={`${a.txHash}-${i}`}>
          <td>{dateTime(a.timestamp)}</td>
          <td>{a.symbol}</td>
          <td>{a.action}</td>
          <td className="num">{formatToken(a.shares, 4)}</td>
          <td className="num">{signed(a.usdc)}</td>
          <td className="num">{formatUsdc(a.nav, 4)}</td>
          <td className="num">{formatUsdc(a.fee)}</td>
          <td>
            <code title={a.txHash}>{`${a.txHash.slice(0, 10)}…`}</code>
          </td>
        </tr>
      )}
    />
  );
}
