import { lazy, Suspense } from "react";
import { SessionProvider, useSession } from "./chain/session";
import { TokenDataProvider } from "./chain/tokenData";
import { ConnectWallet } from "./components/ConnectWallet";
import { NetworkBanner } from "./components/NetworkBanner";
import { TokensPage } from "./pages/tokens/TokensPage";
import { href, useRoute, type Route } from "./route";

const TokenPage = lazy(() => import("./pages/token/TokenPage"));
const TradePage = lazy(() => import("./pages/trade/TradePage"));
const DecayPage = lazy(() => import("./pages/decay/DecayPage"));
const PortfolioPage = lazy(() => import("./pages/portfolio/PortfolioPage"));

export function App() {
  return (
    <SessionProvider>
      <TokenDataProvider>
        <Shell />
      </TokenDataProvider>
    </SessionProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { book } = useSession();
  const link = (page: Route["page"], to: string, label: string) => (
    <a href={to} aria-current={route.page === page ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <a className="brand" href={href.tokens}>
          Leveraged tokens
        </a>
        <nav aria-label="Pages">
          {link("tokens", href.tokens, "Tokens")}
          {link("trade", href.trade(), "Trade")}
          {link("portfolio", href.portfolio, "Portfolio")}
          {link("decay", href.decay, "Decay")}
        </nav>
        {book && <span className="network">{book.network}</span>}
        <ConnectWallet />
      </header>
      <main>
        <NetworkBanner />
        <Suspense fallback={<p aria-busy="true">Loading…</p>}>
          {route.page === "tokens" && <TokensPage />}
          {route.page === "token" && <TokenPage symbol={route.param as string} />}
          {route.page === "trade" && (
            <TradePage token={route.query.get("token") ?? undefined} side={route.query.get("side") ?? undefined} />
          )}
          {route.page === "decay" && <DecayPage />}
          {route.page === "portfolio" && <PortfolioPage />}
        </Suspense>
      </main>
    </>
  );
}
