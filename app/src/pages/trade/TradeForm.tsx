import { useEffect, useState } from "react";
import {
  formatToken,
  formatUsdc,
  parseAmount,
  parsePercent,
  TOKEN_DECIMALS,
  USDC_DECIMALS,
} from "../../../../src/amounts";
import { CONTRACT_INTERFACES, connectToken } from "../../../../src/contracts";
import type { TradeQuote } from "../../../../src/dex/quotes";
import { describeError } from "../../../../src/errors";
import type { TokenListing } from "../../../../src/lens";
import { valueAtNav } from "../../../../src/tokenState";
import { useSession } from "../../chain/session";
import { ACTIONS, quoteTrade, type Side, type Step } from "./actions";
import { NumberField } from "../../components/NumberField";

const STEPS: { step: Step; label: string }[] = [
  { step: "approve", label: "Approve" },
  { step: "confirm", label: "Confirm" },
  { step: "pending", label: "Pending" },
  { step: "done", label: "Done" },
];
const SUBMIT: Record<Side, string> = { mint: "Mint", redeem: "Redeem", buy: "Buy", sell: "Sell" };
/** A trade's deadline: a few minutes on a public chain; a week of chain time on the local node, whose market
 * moves a day every few seconds. */
const deadlineSeconds = (network: string) => (network === "localhost" || network === "hardhat" ? 7 * 86_400 : 1_200);

type Preview =
  | { kind: "mint"; out: bigint }
  | { kind: "redeem"; out: bigint }
  | { kind: "quote"; quote: TradeQuote }
  | { kind: "error"; message: string };

/** The amount, slippage, live preview, submit button, steps and outcome of one side of the trade page. */
export function TradeForm({ side, token }: { side: Side; token: TokenListing }) {
  const { book, reader, connection, signer, refresh } = useSession();
  const [amountText, setAmountText] = useState("");
  const [slippageText, setSlippageText] = useState("0.5");
  const [preview, setPreview] = useState<Preview>();
  const [step, setStep] = useState<Step>();
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState<string>();
  const paysUsdc = side === "mint" || side === "buy";
  const decimals = paysUsdc ? USDC_DECIMALS : TOKEN_DECIMALS;
  const unit = paysUsdc ? "USDC" : token.symbol;
  const busy = step !== undefined && step !== "done";

  // Live preview, a moment after the amount stops changing.
  useEffect(() => {
    setPreview(undefined);
    if (!book || !reader || amountText.trim() === "") return;
    let amount: bigint;
    try {
      amount = parseAmount(amountText, decimals, "Amount");
    } catch (e) {
      setPreview({ kind: "error", message: describeError(e, CONTRACT_INTERFACES) });
      return;
    }
    let live = true;
    const timer = window.setTimeout(async () => {
      try {
        const read = connectToken(token.address, reader);
        const next: Preview =
          side === "mint"
            ? { kind: "mint", out: await read.previewMint(amount) }
            : side === "redeem"
              ? { kind: "redeem", out: await read.previewRedeem(amount) }
              : {
                  kind: "quote",
                  quote: await quoteTrade({
                    side,
                    book,
                    token: token.address,
                    pool: token.pool?.pair,
                    amount,
                    runner: reader,
                  }),
                };
        if (live) setPreview(next);
      } catch (e) {
        if (live) setPreview({ kind: "error", message: describeError(e, CONTRACT_INTERFACES) });
      }
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [amountText, side, token.address, token.pool?.pair, book, reader, decimals, token.navPerShare]);

  const submit = async () => {
    setError(undefined);
    setOutcome(undefined);
    if (!book || !connection || !reader) return;
    let hash: string | undefined;
    try {
      const amount = parseAmount(amountText, decimals, "Amount");
      const slippagePercent = parsePercent(slippageText, "Slippage", 50);
      await ACTIONS[side]({
        side,
        book,
        signer: await signer(),
        account: connection.account,
        token: token.address,
        pool: token.pool?.pair,
        amount,
        slippagePercent,
        deadlineSeconds: deadlineSeconds(book.network),
        onStep: (s, detail) => {
          setStep(s);
          if (s === "done") hash = detail;
        },
      });
      // The balance and NAV as of the trade's own block: under `npm start` the market moves while the trade is pending
      // and after, so the line names the block its NAV is from.
      const receipt = hash ? await reader.getTransactionReceipt(hash) : null;
      const blockTag = receipt?.blockNumber ?? (await reader.getBlockNumber());
      const read = connectToken(token.address, reader);
      const [shares, nav] = await Promise.all([
        read.balanceOf(connection.account, { blockTag }),
        read.navPerShare({ blockTag }),
      ]);
      setOutcome(
        `Done: you now hold ${formatToken(shares, 6)} ${token.symbol}, worth ${formatUsdc(valueAtNav(shares, nav))} USDC at NAV as of block ${blockTag}${receipt ? " (the trade's)" : ""}.`,
      );
      refresh();
    } catch (e) {
      setStep(undefined);
      setError(describeError(e, CONTRACT_INTERFACES));
    }
  };

  return (
    <form
      className="form"
      aria-label={`${SUBMIT[side]} ${token.symbol}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <NumberField
        label={`Amount (${unit})`}
        name="Amount"
        value={amountText}
        onChange={setAmountText}
        placeholder={paysUsdc ? "100" : "1"}
      />
      <NumberField label="Slippage (%)" name="Slippage" value={slippageText} onChange={setSlippageText} size={5} />
      <button type="submit" disabled={!connection || busy}>
        {SUBMIT[side]}
      </button>
      <div className="preview" aria-live="polite" style={{ flexBasis: "100%" }}>
        <PreviewText preview={preview} side={side} token={token} />
      </div>
      {step && (
        <ol className="steps" aria-label="Progress">
          {STEPS.map(({ step: s, label }, i) => {
            const current = STEPS.findIndex((x) => x.step === step);
            return (
              <li
                key={s}
                aria-current={s === step ? "step" : undefined}
                className={i < current || step === "done" ? "done" : undefined}
              >
                {label}
              </li>
            );
          })}
        </ol>
      )}
      {error && (
        <p role="alert" style={{ flexBasis: "100%" }}>
          {error}
        </p>
      )}
      {outcome && (
        <p role="status" style={{ flexBasis: "100%" }}>
          {outcome}
        </p>
      )}
      {!connection && <p className="note">Connect a wallet to trade.</p>}
    </form>
  );
}

function PreviewText({ preview, side, token }: { preview?: Preview; side: Side; token: TokenListing }) {
  if (!preview) return null;
  if (preview.kind === "error") return <p>{preview.message}</p>;
  if (preview.kind === "mint") {
    return (
      <p>
        You get about {formatToken(preview.out, 6)} {token.symbol} (worth{" "}
        {formatUsdc(valueAtNav(preview.out, token.navPerShare))} USDC at NAV, after the mint fee).
      </p>
    );
  }
  if (preview.kind === "redeem") return <p>You get about {formatUsdc(preview.out)} USDC (after the redeem fee).</p>;
  const { quote } = preview;
  const fmt = (v: bigint) => (side === "buy" ? `${formatToken(v, 6)} ${token.symbol}` : `${formatUsdc(v)} USDC`);
  const route = (name: "pool" | "nav", label: string) => {
    const q = quote[name];
    return (
      <li>
        {label}: {q.unavailable ? `unavailable (${q.unavailable})` : fmt(q.amountOut)}
        {quote.best === name ? " (better: chosen)" : ""}
      </li>
    );
  };
  return (
    <div>
      <p>
        {quote.best
          ? `You get about ${fmt(quote.amountOut)} by the better route.`
          : "Neither route can take this trade now."}
      </p>
      <ul aria-label="Routes">
        {route("pool", "Pool")}
        {route("nav", side === "buy" ? "Mint at NAV" : "Redeem at NAV")}
      </ul>
    </div>
  );
}
