import {
  formatPercent,
  formatToken,
  formatUsdc,
  formatBps,
  formatChange,
  formatRatePerYear,
  formatUsdPrice,
} from "@lt/text/format";
import { poolPrice, premium } from "@lt/dex/pool";
import { valueAtNav, capHeadroomText, isValued, navText } from "@lt/reads/tokenState";
import { useSession } from "../../chain/session";
import { useTokenData } from "../../chain/tokenData";
import { LeverageWithGauge } from "../../components/LeverageGauge";
import { href } from "../../route";
import { nextRebalance, tokenStatus } from "./status";

/** Every listed token: NAV and its 24 h change, the underlying, the pool and its premium, leverage in its band. */
export function TokensPage() {
  const { connection, book } = useSession();
  const { list, dayAgo } = useTokenData();
  if (!book) return null;
  const data = list.data;
  return (
    <section aria-labelledby="tokens-heading">
      <h1 id="tokens-heading">Tokens</h1>
      <p className="note">
        Each token holds a perpetual-futures position worth its target leverage times its equity, rebalanced daily and
        whenever leverage leaves its band. Mint and redeem at NAV, or trade on the pool.
      </p>
      {list.error && <p role="alert">Could not read the tokens: {list.error}</p>}
      {!data && !list.error && <p aria-busy="true">Reading the tokens…</p>}
      {data && (
        <div className="table-scroll">
          <table aria-label="Tokens" className="token-list">
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">NAV (USDC)</th>
                <th scope="col">24 h</th>
                <th scope="col">Underlying (USD)</th>
                <th scope="col">Pool (premium)</th>
                <th scope="col">Leverage</th>
                <th scope="col">Next rebalance</th>
                <th scope="col" className="col-fees">
                  Fees mint / redeem / year
                </th>
                <th scope="col">Equity (USDC)</th>
                <th scope="col">Cap headroom (USDC)</th>
                <th scope="col">Status</th>
                {connection && <th scope="col">You hold</th>}
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.tokens.map((t) => {
                const before = dayAgo?.tokens.find((d) => d.address === t.address);
                const pool = t.pool && poolPrice(t.pool);
                return (
                  <tr key={t.address} aria-label={t.symbol} className={t.wipedOut || t.retired ? "dead" : undefined}>
                    <th scope="row">
                      <a href={href.token(t.symbol)}>{t.symbol}</a>
                      <small>{t.name}</small>
                    </th>
                    <td className="num" data-label="NAV (USDC)">
                      {navText(t)}
                    </td>
                    <td className="num" data-label="24 h">
                      {before && isValued(t) && isValued(before)
                        ? formatChange(t.navPerShare, before.navPerShare)
                        : "-"}
                    </td>
                    <td className="num" data-label="Underlying (USD)">
                      {formatUsdPrice(t.price)}
                    </td>
                    <td className="num" data-label="Pool (premium)">
                      {pool === undefined || !isValued(t)
                        ? "-"
                        : `${formatUsdc(pool, 4)} (${formatPercent(premium(pool, t.navPerShare))})`}
                    </td>
                    <td data-label="Leverage">{t.equity === 0n ? "no position" : <LeverageWithGauge token={t} />}</td>
                    <td data-label="Next rebalance">{nextRebalance(t, data.timestamp)}</td>
                    <td className="num col-fees" data-label="Fees mint / redeem / year">
                      {formatBps(t.mintFeeBps)} / {formatBps(t.redeemFeeBps)} /{" "}
                      {formatRatePerYear(t.managementFeePerYear)}
                    </td>
                    <td className="num" data-label="Equity (USDC)">
                      {formatUsdc(t.equity)}
                    </td>
                    <td className="num" data-label="Cap headroom (USDC)">
                      {capHeadroomText(t)}
                    </td>
                    <td data-label="Status">{tokenStatus(t)}</td>
                    {connection && (
                      <td className="num holding" data-label="You hold">
                        {t.balance > 0n
                          ? `${formatToken(t.balance, 4)} (${formatUsdc(valueAtNav(t.balance, t.navPerShare))} USDC)`
                          : "-"}
                      </td>
                    )}
                    <td className="action">
                      <a href={href.trade(t.symbol)} aria-label={`Trade ${t.symbol}`}>
                        Trade
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {data && (
        <p className="note">
          Block {data.blockNumber.toString()}, chain time{" "}
          {new Date(Number(data.timestamp) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC.
        </p>
      )}
    </section>
  );
}
