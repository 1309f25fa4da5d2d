import { Contract, type ContractRunner, Interface, type InterfaceAbi } from "ethers";
import { abi as tokenAbi } from "../../artifacts/contracts/LeveragedToken.sol/LeveragedToken.json";
import { abi as factoryAbi } from "../../artifacts/contracts/LeveragedTokenFactory.sol/LeveragedTokenFactory.json";
import { abi as lensAbi } from "../../artifacts/contracts/lens/LeveragedTokenLens.sol/LeveragedTokenLens.json";
import { abi as stablecoinAbi } from "../../artifacts/contracts/perp/MockStablecoin.sol/MockStablecoin.json";
import { abi as exchangeAbi } from "../../artifacts/contracts/perp/PerpExchange.sol/PerpExchange.json";
import { abi as feedAbi } from "../../artifacts/contracts/perp/SettablePriceFeed.sol/SettablePriceFeed.json";
import { abi as tradeRouterAbi } from "../../artifacts/contracts/periphery/TradeRouter.sol/TradeRouter.json";
import { abi as arbitrageAbi } from "../../artifacts/contracts/periphery/FlashArbitrage.sol/FlashArbitrage.json";
import type {
  FlashArbitrage,
  LeveragedToken,
  LeveragedTokenFactory,
  LeveragedTokenLens,
  MockStablecoin,
  PerpExchange,
  SettablePriceFeed,
  TradeRouter,
} from "../../typechain-types";
import type { AddressBook } from "./addressBook";
// The TypeChain factories (with the bytecode), one by one, for Node code that deploys or needs them: never through
// typechain-types/index.ts, which loads every contract's factory and is most of a task's start-up time.
import { BatchRebalancer__factory } from "../../typechain-types/factories/contracts/keepers/BatchRebalancer__factory";
import { LeveragedToken__factory } from "../../typechain-types/factories/contracts/LeveragedToken__factory";
import { LeveragedTokenFactory__factory } from "../../typechain-types/factories/contracts/LeveragedTokenFactory__factory";
import { MockStablecoin__factory } from "../../typechain-types/factories/contracts/perp/MockStablecoin__factory";
import { PerpExchange__factory } from "../../typechain-types/factories/contracts/perp/PerpExchange__factory";
import { SettablePriceFeed__factory } from "../../typechain-types/factories/contracts/perp/SettablePriceFeed__factory";
import { FlashArbitrage__factory } from "../../typechain-types/factories/contracts/periphery/FlashArbitrage__factory";
import { TradeRouter__factory } from "../../typechain-types/factories/contracts/periphery/TradeRouter__factory";

export {
  BatchRebalancer__factory,
  FlashArbitrage__factory,
  LeveragedToken__factory,
  LeveragedTokenFactory__factory,
  MockStablecoin__factory,
  PerpExchange__factory,
  SettablePriceFeed__factory,
  TradeRouter__factory,
};
import { UserError } from "../text/userError";

/*
 * Typed handles on deployed contracts: TypeChain's types over the compiled ABIs. Only the artifacts' `abi` is
 * imported (what TypeChain's `connect` does too), so that the app's bundle carries no contract bytecode.
 */
const connector =
  <T>(abi: unknown) =>
  (address: string, runner?: ContractRunner | null): T =>
    new Contract(address, abi as InterfaceAbi, runner) as unknown as T;

/** A leveraged token of the system. */
export const connectToken = connector<LeveragedToken>(tokenAbi);
export const connectFactory = connector<LeveragedTokenFactory>(factoryAbi);
export const connectStablecoin = connector<MockStablecoin>(stablecoinAbi);
export const connectExchange = connector<PerpExchange>(exchangeAbi);
/** A market's settable price feed (local chains). */
export const connectSettableFeed = connector<SettablePriceFeed>(feedAbi);
export const connectLensContract = connector<LeveragedTokenLens>(lensAbi);
export const connectTradeRouter = connector<TradeRouter>(tradeRouterAbi);
export const connectArbitrage = connector<FlashArbitrage>(arbitrageAbi);

/** Typed handles on a deployed system. */
export interface System {
  book: AddressBook;
  stablecoin: MockStablecoin;
  exchange: PerpExchange;
  factory: LeveragedTokenFactory;
}

export function connectSystem(book: AddressBook, runner: ContractRunner): System {
  return {
    book,
    stablecoin: connectStablecoin(book.stablecoin, runner),
    exchange: connectExchange(book.exchange, runner),
    factory: connectFactory(book.factory, runner),
  };
}

/** The contracts' interfaces (events, errors, calldata). */
export const INTERFACES = {
  token: new Interface(tokenAbi as InterfaceAbi),
  factory: new Interface(factoryAbi as InterfaceAbi),
  exchange: new Interface(exchangeAbi as InterfaceAbi),
  stablecoin: new Interface(stablecoinAbi as InterfaceAbi),
  feed: new Interface(feedAbi as InterfaceAbi),
  tradeRouter: new Interface(tradeRouterAbi as InterfaceAbi),
  arbitrage: new Interface(arbitrageAbi as InterfaceAbi),
};

/** Every interface whose custom errors a transaction of ours can revert with. */
export const CONTRACT_INTERFACES: Interface[] = Object.values(INTERFACES);

/** A token by symbol (BTC3L) or address, as listed by the factory; an unknown one is a UserError. */
export async function resolveToken(
  system: System,
  symbolOrAddress: string,
  runner: ContractRunner,
): Promise<LeveragedToken> {
  const listed = await system.factory.allTokens();
  if (/^0x[0-9a-fA-F]{40}$/.test(symbolOrAddress)) {
    const match = listed.find((a) => a.toLowerCase() === symbolOrAddress.toLowerCase());
    if (!match) throw new UserError(`${symbolOrAddress} is not a token of this factory; lt:list shows them`);
    return connectToken(match, runner);
  }
  const symbols = await Promise.all(listed.map((a) => connectToken(a, runner).symbol()));
  const index = symbols.findIndex((s) => s.toUpperCase() === symbolOrAddress.toUpperCase());
  if (index < 0) {
    throw new UserError(`unknown token "${symbolOrAddress}": this deployment has ${symbols.join(", ") || "no tokens"}`);
  }
  return connectToken(listed[index], runner);
}
