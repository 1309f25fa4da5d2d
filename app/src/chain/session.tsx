import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { BrowserProvider, JsonRpcProvider, Network, getAddress, type Provider, type Signer } from "ethers";
import type { AddressBook } from "@lt/chain/addressBook";
import { bookFor, loadChainConfig, localBook, type ChainConfig } from "./chainConfig";
import { discoverWallets, switchChain, type InjectedWallet } from "./wallets";

/** Who signs: an injected wallet, or (local chain only) one of the node's dev accounts. */
export type Connection =
  | { kind: "injected"; wallet: InjectedWallet; account: string; chainId: number }
  | { kind: "dev"; account: string; chainId: number };

export interface Session {
  config?: ChainConfig;
  /** Set when the app's server could not be read. */
  configError?: string;
  wallets: InjectedWallet[];
  connection?: Connection;
  /** The chain the app shows: the wallet's, or the local node's while no wallet is connected. */
  chainId?: number;
  /** The deployment on that chain; undefined on a chain without one (the wrong network). */
  book?: AddressBook;
  /** Reads the chain: the local node directly (batched JSON-RPC) when it is the chain, else the wallet. */
  reader?: Provider;
  /** The local node, when the app's server knows one (for its dev accounts). */
  localNode?: JsonRpcProvider;
  /** Bumped after every transaction, so that every view reads again at once. */
  revision: number;
  refresh(): void;
  connectInjected(wallet: InjectedWallet): Promise<void>;
  connectDev(account: string): void;
  disconnect(): void;
  /** Asks the wallet to switch to the chain of `book`. */
  switchTo(book: AddressBook): Promise<void>;
  signer(): Promise<Signer>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

function localProvider(url: string, chainId: number): JsonRpcProvider {
  const network = Network.from(chainId);
  return new JsonRpcProvider(url, network, { staticNetwork: network, batchMaxCount: 100, cacheTimeout: -1 });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<ChainConfig>();
  const [configError, setConfigError] = useState<string>();
  const [wallets, setWallets] = useState<InjectedWallet[]>([]);
  const [connection, setConnection] = useState<Connection>();
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    loadChainConfig().then(setConfig, (error: Error) => setConfigError(error.message));
    return discoverWallets(setWallets);
  }, []);

  const local = config ? localBook(config) : undefined;
  const chainId = connection?.chainId ?? local?.chainId;
  const book = config ? bookFor(config, chainId) : undefined;

  const local_ = useMemo(
    () => (local && config?.localRpcUrl ? localProvider(config.localRpcUrl, local.chainId) : undefined),
    [local, config?.localRpcUrl],
  );
  const injectedProvider = connection?.kind === "injected" ? connection.wallet.provider : undefined;
  const browser = useMemo(
    () => (injectedProvider && chainId ? new BrowserProvider(injectedProvider, chainId) : undefined),
    [injectedProvider, chainId],
  );
  const reader = book && local_ && book.chainId === local?.chainId ? local_ : browser;

  // Follow the wallet: another account or another chain chosen in it.
  const injectedWallet = connection?.kind === "injected" ? connection.wallet : undefined;
  useEffect(() => {
    if (!injectedWallet) return;
    const { provider } = injectedWallet;
    const onAccounts = (...args: unknown[]) => {
      const accounts = args[0] as string[];
      setConnection((c) =>
        c?.kind === "injected" && accounts[0] ? { ...c, account: getAddress(accounts[0]) } : undefined,
      );
    };
    const onChain = (...args: unknown[]) => {
      const id = Number(BigInt(args[0] as string));
      setConnection((c) => (c?.kind === "injected" ? { ...c, chainId: id } : c));
    };
    provider.on?.("accountsChanged", onAccounts);
    provider.on?.("chainChanged", onChain);
    return () => {
      provider.removeListener?.("accountsChanged", onAccounts);
      provider.removeListener?.("chainChanged", onChain);
    };
  }, [injectedWallet]);

  const connectInjected = useCallback(async (wallet: InjectedWallet) => {
    const accounts = (await wallet.provider.request({ method: "eth_requestAccounts" })) as string[];
    if (!accounts[0]) throw new Error(`${wallet.info.name} gave no account`);
    const id = Number(BigInt((await wallet.provider.request({ method: "eth_chainId" })) as string));
    setConnection({ kind: "injected", wallet, account: getAddress(accounts[0]), chainId: id });
  }, []);

  const connectDev = useCallback(
    (account: string) => {
      if (local) setConnection({ kind: "dev", account: getAddress(account), chainId: local.chainId });
    },
    [local],
  );

  const switchTo = useCallback(
    async (target: AddressBook) => {
      if (connection?.kind !== "injected") return;
      const add =
        local && config?.localRpcUrl && target.chainId === local.chainId
          ? { chainName: `Local node (${target.network})`, rpcUrl: config.localRpcUrl }
          : undefined;
      await switchChain(connection.wallet.provider, target.chainId, add);
      const id = Number(BigInt((await connection.wallet.provider.request({ method: "eth_chainId" })) as string));
      setConnection({ ...connection, chainId: id });
    },
    [connection, local, config?.localRpcUrl],
  );

  const signer = useCallback(async (): Promise<Signer> => {
    if (!connection) throw new Error("connect a wallet first");
    if (connection.kind === "dev") {
      if (!local_) throw new Error("dev accounts exist on the local chain only");
      return local_.getSigner(connection.account);
    }
    if (!browser) throw new Error("the wallet is not ready");
    return browser.getSigner(connection.account);
  }, [connection, local_, browser]);

  const value: Session = {
    config,
    configError,
    wallets,
    connection,
    chainId,
    book,
    reader,
    localNode: local_,
    revision,
    refresh: useCallback(() => setRevision((r) => r + 1), []),
    connectInjected,
    connectDev,
    disconnect: useCallback(() => setConnection(undefined), []),
    switchTo,
    signer,
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
