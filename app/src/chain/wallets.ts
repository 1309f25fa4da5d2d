/**
 * Injected wallets, found by EIP-6963 (each wallet announces itself with its name and icon) and, for a wallet too
 * old for it, the legacy `window.ethereum`.
 */

/** EIP-1193: what the app asks of a wallet. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** EIP-6963's provider info. */
export interface WalletInfo {
  uuid: string;
  name: string;
  icon: string; // data URI
  rdns: string;
}

export interface InjectedWallet {
  info: WalletInfo;
  provider: Eip1193Provider;
}

interface AnnounceEvent extends Event {
  detail: InjectedWallet;
}

/**
 * Calls `onChange` with every wallet announced so far (now and whenever another announces itself); returns the
 * function that stops listening.
 */
export function discoverWallets(onChange: (wallets: InjectedWallet[]) => void): () => void {
  const found = new Map<string, InjectedWallet>();
  const announce = (event: Event) => {
    const { detail } = event as AnnounceEvent;
    if (!detail?.info?.uuid || typeof detail.provider?.request !== "function") return;
    found.set(detail.info.uuid, detail);
    onChange([...found.values()]);
  };
  window.addEventListener("eip6963:announceProvider", announce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  // A wallet that predates EIP-6963 only sets window.ethereum; offered when nothing announces itself.
  const legacy = (window as { ethereum?: Eip1193Provider }).ethereum;
  const timer = window.setTimeout(() => {
    if (found.size === 0 && legacy) {
      onChange([{ info: { uuid: "legacy", name: "Browser wallet", icon: "", rdns: "" }, provider: legacy }]);
    }
  }, 300);
  return () => {
    window.removeEventListener("eip6963:announceProvider", announce);
    window.clearTimeout(timer);
  };
}

/** Asks the wallet to switch to `chainId`, adding the chain first when the wallet does not know it (error 4902). */
export async function switchChain(
  provider: Eip1193Provider,
  chainId: number,
  add?: { chainName: string; rpcUrl: string },
): Promise<void> {
  const hexId = `0x${chainId.toString(16)}`;
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hexId }] });
  } catch (error) {
    if ((error as { code?: number }).code !== 4902 || !add) throw error;
    await provider.request({
      method: "wallet_addEthereumChain",
      params: [
        {
          chainId: hexId,
          chainName: add.chainName,
          rpcUrls: [add.rpcUrl],
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        },
      ],
    });
  }
}
