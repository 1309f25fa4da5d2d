import { useEffect, useState } from "react";
import { FIRST_USER_ACCOUNT } from "@lt/chain/devAccounts";
import { useSession } from "../chain/session";
import { shortAddress } from "./text";

/** How many of the local node's dev accounts the menu offers. */
const DEV_ACCOUNTS_SHOWN = 5;

/** "Connect wallet": the injected wallets found (EIP-6963) and, on the local chain, the node's dev accounts. */
export function ConnectWallet() {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const [devAccounts, setDevAccounts] = useState<string[]>([]);
  const { localNode, connection } = session;

  useEffect(() => {
    if (!open || !localNode) return;
    localNode
      .send("eth_accounts", [])
      .then((accounts: string[]) =>
        setDevAccounts(accounts.slice(FIRST_USER_ACCOUNT, FIRST_USER_ACCOUNT + DEV_ACCOUNTS_SHOWN)),
      )
      .catch(() => setDevAccounts([]));
  }, [open, localNode]);

  if (connection) {
    return (
      <div className="wallet">
        <span aria-label="Connected account">
          {connection.kind === "dev" ? "Dev account " : ""}
          {shortAddress(connection.account)}
        </span>
        <button type="button" onClick={session.disconnect}>
          Disconnect
        </button>
      </div>
    );
  }
  const connect = async (action: () => Promise<void> | void) => {
    setError(undefined);
    try {
      await action();
      setOpen(false);
    } catch (e) {
      setError(e instanceof Error ? e.message.split("\n")[0] : String(e));
    }
  };
  return (
    <div className="wallet">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Connect wallet
      </button>
      {open && (
        <div className="menu" role="group" aria-label="Wallets">
          {session.wallets.length === 0 && <p>No browser wallet found.</p>}
          {session.wallets.map((w) => (
            <button key={w.info.uuid} type="button" onClick={() => connect(() => session.connectInjected(w))}>
              {w.info.icon && <img src={w.info.icon} alt="" width={16} height={16} />} {w.info.name}
            </button>
          ))}
          {devAccounts.length > 0 && <p>Local node accounts (test keys, local chain only):</p>}
          {devAccounts.map((account, i) => (
            <button key={account} type="button" onClick={() => connect(() => session.connectDev(account))}>
              Dev account {FIRST_USER_ACCOUNT + i} {shortAddress(account)}
            </button>
          ))}
          {error && <p role="alert">{error}</p>}
        </div>
      )}
    </div>
  );
}
