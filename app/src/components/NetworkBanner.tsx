import { useState } from "react";
import { useSession } from "../chain/session";

/**
 * Why nothing can be shown, in one sentence, and what to do: the server cannot be read, nothing is deployed, no
 * wallet on a testnet-only build, or the wallet is on a chain without these tokens (with a switch button).
 */
export function NetworkBanner() {
  const session = useSession();
  const [error, setError] = useState<string>();
  const { config, connection, book } = session;
  if (session.configError) {
    return <p role="alert">The app cannot read its configuration: {session.configError}.</p>;
  }
  if (!config) return null;
  if (config.books.length === 0) {
    return (
      <p role="alert">
        Nothing is deployed yet: run <code>npm start</code> (or <code>npm run deploy -- --network localhost</code>) and
        reload.
      </p>
    );
  }
  if (!connection && !book) return <p className="note">Connect a wallet to see the tokens on its network.</p>;
  if (!connection || book) return null;
  const target =
    config.books.find((b) => config.localRpcUrl && ["localhost", "hardhat"].includes(b.network)) ?? config.books[0];
  const networks = config.books.map((b) => `${b.network} (chain ${b.chainId})`).join(", ");
  return (
    <div role="alert" className="wrong-network">
      <p>
        Wrong network: your wallet is on chain {connection.chainId}, where these tokens are not deployed. They are on{" "}
        {networks}.
      </p>
      {connection.kind === "injected" && (
        <button
          type="button"
          onClick={() => {
            setError(undefined);
            session.switchTo(target).catch((e: Error) => setError(e.message.split("\n")[0]));
          }}
        >
          Switch network to {target.network}
        </button>
      )}
      {error && <p>{error}</p>}
    </div>
  );
}
