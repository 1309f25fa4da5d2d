import { useState } from "react";
import { formatLeverage, formatToken, formatUsdc } from "@lt/text/format";
import { CONTRACT_INTERFACES, connectStablecoin } from "@lt/chain/contracts";
import { describeError } from "@lt/chain/reverts";
import { HOLDING_WARNING_DAYS, holdingSince } from "@lt/holder/holdingPeriod";
import { isValued, navText, valueAtNav } from "@lt/reads/tokenState";
import { useSession } from "../../chain/session";
import { useTokenData } from "../../chain/tokenData";
import { usePoll } from "../../chain/usePoll";
import { href } from "../../route";
import type { HolderAction as Side } from "@lt/holder/flows";
import { TradeForm } from "./TradeForm";

const SIDES: { side: Side; label: string; what: string }[] = [
  { side: "mint", label: "Mint", what: "Pay USDC, get new tokens at NAV (less the mint fee)." },
  { side: "redeem", label: "Redeem", what: "Give tokens back, get USDC at NAV (less the redeem fee)." },
  { side: "buy", label: "Buy", what: "Pay USDC, get tokens by the better of the pool and a mint, in one transaction." },
  { side: "sell", label: "Sell", what: "Give tokens, get USDC by the better of the pool and a redeem." },
];
const HOLDING_INTERVAL_MS = 10_000;

/** Mint, redeem, buy or sell one token; the account's balances valued at NAV; the faucet on test chains. */
export default function TradePage(props: { token?: string; side?: string }) {
  const { book, connection, reader, revision } = useSession();
  const { list, find } = useTokenData();
  const [symbol, setSymbol] = useState(props.token ?? "BTC3L");
  const [side, setSide] = useState<Side>(SIDES.some((s) => s.side === props.side) ? (props.side as Side) : "mint");
  const tokens = list.data?.tokens ?? [];
  const token = find(symbol) ?? tokens[0];
  const account = connection?.account;
  const held = usePoll(
    reader && token && account && token.balance > 0n
      ? async () => ({ token: token.address, since: await holdingSince(reader, token.address, account) })
      : undefined,
    [reader, token?.address, account, token?.balance !== undefined && token.balance > 0n, revision],
    HOLDING_INTERVAL_MS,
  );
  if (!book) return null;
  const now = Number(list.data?.timestamp ?? 0n);
  const since = held.data?.token === token?.address ? held.data?.since : undefined;
  const days = since === undefined ? 0 : Math.floor((now - since) / 86_400);

  return (
    <section aria-labelledby="trade-heading">
      <h1 id="trade-heading">Trade</h1>
      <div className="form">
        <label>
          Token
          <select aria-label="Token" value={token?.symbol ?? ""} onChange={(e) => setSymbol(e.target.value)}>
            {tokens.map((t) => (
              <option key={t.address} value={t.symbol}>
                {t.symbol} ({t.name})
              </option>
            ))}
          </select>
        </label>
        {token && (
          <p className="note">
            NAV {isValued(token) ? `${formatUsdc(token.navPerShare, 4)} USDC` : navText(token)} ·{" "}
            <a href={href.token(token.symbol)}>details</a>
          </p>
        )}
      </div>
      <div role="tablist" aria-label="Trade" className="tabs">
        {SIDES.map((s, i) => (
          <button
            key={s.side}
            id={`tab-${s.side}`}
            type="button"
            role="tab"
            aria-selected={side === s.side}
            aria-controls="trade-panel"
            tabIndex={side === s.side ? 0 : -1}
            onClick={() => setSide(s.side)}
            onKeyDown={(event) => {
              const next = tabKeys(event.key, i, SIDES.length);
              if (next === undefined) return;
              event.preventDefault();
              setSide(SIDES[next].side);
              document.getElementById(`tab-${SIDES[next].side}`)?.focus();
            }}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="trade-panel" aria-labelledby={`tab-${side}`}>
        <p className="note">{SIDES.find((s) => s.side === side)?.what}</p>
        {token && <TradeForm key={`${token.address}-${side}`} side={side} token={token} />}
      </div>
      {days > HOLDING_WARNING_DAYS && token && (
        <p className="warning" role="note">
          You have held {token.symbol} for {days} days. These tokens are built for holding a few days: over weeks the
          daily rebalancing makes the result drift from {formatLeverage(token.targetLeverage)} the market&apos;s move,
          and in a choppy market it loses even when the market ends where it started. See <a href={href.decay}>Decay</a>
          .
        </p>
      )}
      <p className="note">
        Holding for more than two weeks? Read <a href={href.decay}>Decay</a> first: a leveraged token follows its
        multiple day by day, not over the whole period.
      </p>
      {connection && list.data && <Balances />}
    </section>
  );
}

/** The tab an arrow key, Home or End moves to from tab `i` of `count` (wrapping around), or undefined for another key. */
function tabKeys(key: string, i: number, count: number): number | undefined {
  if (key === "ArrowRight") return (i + 1) % count;
  if (key === "ArrowLeft") return (i - 1 + count) % count;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return undefined;
}

/** The connected account's stablecoin and tokens, valued at NAV, and the faucet. */
function Balances() {
  const { book, connection, signer, refresh } = useSession();
  const { list } = useTokenData();
  const [faucetError, setFaucetError] = useState<string>();
  const [drawing, setDrawing] = useState(false);
  const data = list.data;
  if (!data || !book || !connection) return null;
  const held = data.tokens.filter((t) => t.balance > 0n);
  const total = held.reduce((sum, t) => sum + valueAtNav(t.balance, t.navPerShare), data.usdcBalance);
  const draw = async () => {
    setFaucetError(undefined);
    setDrawing(true);
    try {
      const stablecoin = connectStablecoin(book.stablecoin, await signer());
      const amount = await stablecoin.faucetAmountPerCall();
      await stablecoin.faucet.staticCall(amount);
      await (await stablecoin.faucet(amount)).wait();
      refresh();
    } catch (e) {
      setFaucetError(describeError(e, CONTRACT_INTERFACES));
    } finally {
      setDrawing(false);
    }
  };
  return (
    <>
      <h2>Your balances</h2>
      <table aria-label="Your balances">
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Balance</th>
            <th scope="col">Value at NAV (USDC)</th>
          </tr>
        </thead>
        <tbody>
          <tr aria-label="USDC">
            <th scope="row">USDC</th>
            <td className="num">{formatUsdc(data.usdcBalance)}</td>
            <td className="num">{formatUsdc(data.usdcBalance)}</td>
          </tr>
          {held.map((t) => (
            <tr key={t.address} aria-label={t.symbol}>
              <th scope="row">{t.symbol}</th>
              <td className="num">{formatToken(t.balance, 6)}</td>
              <td className="num">{formatUsdc(valueAtNav(t.balance, t.navPerShare))}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Total</th>
            <td />
            <td className="num">{formatUsdc(total)}</td>
          </tr>
        </tbody>
      </table>
      <p>
        <button type="button" className="secondary" disabled={drawing} onClick={() => void draw()}>
          Get test USDC from the faucet
        </button>
      </p>
      {faucetError && <p role="alert">{faucetError}</p>}
    </>
  );
}
