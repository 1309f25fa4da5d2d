import { useEffect, useState } from "react";
import { formatToken, formatUsdc } from "@lt/text/format";
import { parseAmount, parsePercent } from "@lt/text/input";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "@lt/text/units";
import { CONTRACT_INTERFACES, connectToken } from "@lt/chain/contracts";
import type { TradeQuote } from "@lt/dex/quotes";
import { describeError } from "@lt/chain/reverts";
import {
  FLOWS,
  quoteTrade,
  redeem,
  resultLine,
  type FlowStep,
  type HolderAction as Side,
  type TradeResult,
} from "@lt/holder/flows";
import { DEFAULT_HOLDING_DAYS } from "@lt/holder/cost";
import type { TokenListing } from "@lt/reads/lens";
import { valueAtNav } from "@lt/reads/tokenState";
import { useSession } from "../../chain/session";
import { NumberField } from "../../components/NumberField";
import { CostLine } from "./CostLine";

/** The steps of a trade as the page draws them (src/holder/flows.ts reports them). */
type Step = "check" | "authorize" | "simulate" | "confirm" | "pending" | "done";
const STEP_LABELS: Record<Exclude<Step, "authorize">, string> = {
  check: "Check",
  simulate: "Simulate",
  confirm: "Confirm",
  pending: "Pending",
  done: "Done",
};
const STEP_ORDER: Step[] = ["check", "authorize", "simulate", "confirm", "pending", "done"];

/** A flow's step as the page's; an approval's own transaction stays under "authorize". */
function pageStep(step: FlowStep, current: Step | undefined): Step | undefined {
  switch (step.step) {
    case "check":
    case "quote":
    case "routes":
      return "check";
    case "permit":
    case "approve":
      return "authorize";
    case "mined":
      return current;
    default:
      return step.label.startsWith("approve ") ? "authorize" : step.step;
  }
}
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
  const [authorize, setAuthorize] = useState("Permit");
  const [daysText, setDaysText] = useState(String(DEFAULT_HOLDING_DAYS));
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
              : { kind: "quote", quote: (await quoteTrade(reader, book, side, token.address, amount)).quote };
        if (live) setPreview(next);
      } catch (e) {
        if (live) setPreview({ kind: "error", message: describeError(e, CONTRACT_INTERFACES) });
      }
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [amountText, side, token.address, book, reader, decimals, token.navPerShare]);

  const submit = async () => {
    setError(undefined);
    setOutcome(undefined);
    if (!book || !connection || !reader) return;
    try {
      const amount = parseAmount(amountText, decimals, "Amount");
      const slippagePercent = parsePercent(slippageText, "Slippage", 50);
      const session = {
        signer: await signer(),
        book,
        deadlineSeconds: deadlineSeconds(book.network),
        onStep: (flowStep: FlowStep) => {
          if (flowStep.step === "permit") setAuthorize("Sign permit");
          if (flowStep.step === "approve") setAuthorize("Approve");
          setStep((current) => pageStep(flowStep, current));
        },
      };
      const input = { token: token.address, amount, slippagePercent };
      const result: TradeResult = side === "redeem" ? await redeem(session, input) : await FLOWS[side](session, input);
      setStep("done");
      // The balance and NAV as of the trade's own block: under `npm start` the market moves while the trade is pending
      // and after, so the line names the block its NAV is from.
      const blockTag = result.blockNumber;
      const read = connectToken(token.address, reader);
      const [shares, nav] = await Promise.all([
        read.balanceOf(connection.account, { blockTag }),
        read.navPerShare({ blockTag }),
      ]);
      setOutcome(
        `Done: ${resultLine(result)}; you now hold ${formatToken(shares, 6)} ${token.symbol}, worth ${formatUsdc(valueAtNav(shares, nav))} USDC at NAV as of block ${blockTag} (the trade's).`,
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
      {paysUsdc && (
        <NumberField label="Days held" name="Days held" value={daysText} onChange={setDaysText} whole size={4} />
      )}
      <button type="submit" disabled={!connection || busy}>
        {SUBMIT[side]}
      </button>
      <div className="preview" aria-live="polite" style={{ flexBasis: "100%" }}>
        <PreviewText preview={preview} side={side} token={token} />
        {paysUsdc && preview && preview.kind !== "error" && preview.kind !== "redeem" && (
          <CostLine
            token={token}
            amountText={amountText}
            route={preview.kind === "quote" ? preview.quote.best : "nav"}
            daysText={daysText}
          />
        )}
      </div>
      {step && (
        <ol className="steps" aria-label="Progress">
          {STEP_ORDER.filter((s) => s !== "authorize" || side !== "redeem").map((s) => {
            const current = STEP_ORDER.indexOf(step);
            return (
              <li
                key={s}
                aria-current={s === step ? "step" : undefined}
                className={STEP_ORDER.indexOf(s) < current || step === "done" ? "done" : undefined}
              >
                {s === "authorize" ? authorize : STEP_LABELS[s]}
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
