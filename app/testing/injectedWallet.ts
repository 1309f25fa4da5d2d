/**
 * A browser wallet for tests: an EIP-1193 provider, announced through EIP-6963 as "Test Wallet", that answers for
 * one of the local node's dev accounts (the node signs) and forwards everything else to the node. It starts on
 * `chainId` (a wrong one shows the app's switch message) and switches on `wallet_switchEthereumChain`. Every method
 * asked is logged in `window.__walletLog`, so a test can tell that nothing was sent.
 */
export interface InjectedWalletOptions {
  rpcUrl: string;
  account: string;
  chainId: number;
}

export const TEST_WALLET_NAME = "Test Wallet";

/** The page script: installed with `page.addInitScript(installInjectedWallet, options)` before the app loads. */
export function installInjectedWallet(options: InjectedWalletOptions & { name: string }): void {
  const log: string[] = [];
  (window as unknown as { __walletLog: string[] }).__walletLog = log;
  let chain = `0x${options.chainId.toString(16)}`;
  const listeners: Record<string, ((...args: unknown[]) => void)[]> = {};
  const emit = (event: string, value: unknown) => (listeners[event] ?? []).forEach((f) => f(value));
  // As a browser wallet's RPC client does (MetaMask's retries up to 5 times): a 429 (after its Retry-After), a 5xx
  // or a dropped connection is asked again, so that a public RPC's hiccup is not the page's error.
  const post = async (body: string): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await fetch(options.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
      } catch (error) {
        if (attempt >= 5) throw error;
      }
      if (response && response.status !== 429 && response.status < 500) return response;
      if (response && attempt >= 5) return response;
      const after = Number(response?.headers.get("retry-after"));
      const waitMs = Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 250 * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  };
  const forward = async (method: string, params: unknown) => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: log.length, method, params }));
    if (!response.ok && !(response.headers.get("content-type") ?? "").includes("json")) {
      throw new Error(`the RPC answered HTTP ${response.status}`);
    }
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  };
  const provider = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      log.push(method);
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [options.account];
        case "eth_chainId":
          return chain;
        case "wallet_switchEthereumChain":
          chain = (params?.[0] as { chainId: string }).chainId;
          emit("chainChanged", chain);
          return null;
        default:
          return forward(method, params ?? []);
      }
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      (listeners[event] ??= []).push(listener);
    },
    removeListener(event: string, listener: (...args: unknown[]) => void) {
      listeners[event] = (listeners[event] ?? []).filter((f) => f !== listener);
    },
  };
  const info = {
    uuid: "7d4a2c8e-test-wallet",
    name: options.name,
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'/%3E",
    rdns: "org.example.testwallet",
  };
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}
