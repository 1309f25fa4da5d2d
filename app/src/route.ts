import { useEffect, useState } from "react";

/** The page from the URL's hash: `#/`, `#/token/BTC3L`, `#/trade?token=BTC3L`, `#/decay`, `#/portfolio`. */
export interface Route {
  page: "tokens" | "token" | "trade" | "decay" | "portfolio";
  param?: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#/, "").split("?");
  const [, page = "", param] = path.split("/");
  const query = new URLSearchParams(search);
  if (page === "token" && param) return { page: "token", param: decodeURIComponent(param), query };
  if (page === "trade" || page === "decay" || page === "portfolio") return { page, query };
  return { page: "tokens", query };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return parseRoute(hash);
}

export const href = {
  tokens: "#/",
  token: (symbol: string) => `#/token/${encodeURIComponent(symbol)}`,
  trade: (symbol?: string, side?: string) =>
    `#/trade${symbol ? `?token=${encodeURIComponent(symbol)}${side ? `&side=${side}` : ""}` : ""}`,
  decay: "#/decay",
  portfolio: "#/portfolio",
};
