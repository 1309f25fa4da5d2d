import { createContext, useContext, useMemo, useRef, type ReactNode } from "react";
import { findBlockByTime } from "@lt/chain/blocks";
import { readTokenList, type TokenList, type TokenListing } from "@lt/reads/lens";
import { useSession } from "./session";
import { usePoll, type Polled } from "./usePoll";

const DAY = 86_400;
/** How often the token list is read again. */
export const LIST_INTERVAL_MS = 3_000;
/** How often the list as it was 24 hours (of chain time) ago is read again. */
const DAY_AGO_INTERVAL_MS = 10_000;

export interface TokenData {
  list: Polled<TokenList>;
  /** The list 24 hours of chain time before the latest read; undefined while unknown or on a younger chain. */
  dayAgo?: TokenList;
  /** A token of the latest list by symbol (case-insensitive) or address. */
  find(symbolOrAddress: string | undefined): TokenListing | undefined;
}

const TokenDataContext = createContext<TokenData | undefined>(undefined);

export function useTokenData(): TokenData {
  const data = useContext(TokenDataContext);
  if (!data) throw new Error("useTokenData outside TokenDataProvider");
  return data;
}

/** Reads the token list once for every page (through the lens: one or two round trips), and the list a day ago. */
export function TokenDataProvider({ children }: { children: ReactNode }) {
  const { book, reader, connection, revision } = useSession();
  const account = connection?.account;
  const list = usePoll(
    book && reader ? () => readTokenList(book, reader, { account }) : undefined,
    [book, reader, account, revision],
    LIST_INTERVAL_MS,
  );
  const latestRef = useRef(list.data);
  latestRef.current = list.data;
  const dayAgo = usePoll(
    book && reader && list.data
      ? async () => {
          const latest = latestRef.current as TokenList;
          const at = await findBlockByTime(reader, Number(latest.timestamp) - DAY, {
            number: Number(latest.blockNumber),
            timestamp: Number(latest.timestamp),
          });
          return at === undefined ? undefined : readTokenList(book, reader, { blockTag: at });
        }
      : undefined,
    [book, reader, list.data !== undefined],
    DAY_AGO_INTERVAL_MS,
  );
  const value = useMemo<TokenData>(
    () => ({
      list,
      dayAgo: dayAgo.data,
      find: (key) => {
        if (!key) return undefined;
        const k = key.toLowerCase();
        return list.data?.tokens.find((t) => t.symbol.toLowerCase() === k || t.address.toLowerCase() === k);
      },
    }),
    [list, dayAgo.data],
  );
  return <TokenDataContext.Provider value={value}>{children}</TokenDataContext.Provider>;
}
