/**
 * Typed access to the contracts (TypeChain). The factories are imported one by one, never through
 * typechain-types/index.ts: that index pulls in every contract's factory, test mocks included, and loading it is most
 * of a task's start-up time.
 */
import type { ContractRunner, Interface } from "ethers";
import type {
  LeveragedToken,
  LeveragedTokenFactory,
  MockStablecoin,
  PerpExchange,
  SettablePriceFeed,
  TradeRouter,
} from "../typechain-types";
import { BatchRebalancer__factory } from "../typechain-types/factories/contracts/keepers/BatchRebalancer__factory";
import { LeveragedToken__factory } from "../typechain-types/factories/contracts/LeveragedToken__factory";
import { LeveragedTokenFactory__factory } from "../typechain-types/factories/contracts/LeveragedTokenFactory__factory";
import { MockStablecoin__factory } from "../typechain-types/factories/contracts/perp/MockStablecoin__factory";
import { PerpExchange__factory } from "../typechain-types/factories/contracts/perp/PerpExchange__factory";
import { SettablePriceFeed__factory } from "../typechain-types/factories/contracts/perp/SettablePriceFeed__factory";
import { FlashArbitrage__factory } from "../typechain-types/factories/contracts/periphery/FlashArbitrage__factory";
import { TradeRouter__factory } from "../typechain-types/factories/contracts/periphery/TradeRouter__factory";
import type { AddressBook } from "./addressBook";

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
import { UserError } from "./errors";

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
    stablecoin: MockStablecoin__factory.connect(book.stablecoin, runner),
    exchange: PerpExchange__factory.connect(book.exchange, runner),
    factory: LeveragedTokenFactory__factory.connect(book.factory, runner),
  };
}

/** A leveraged token of the system. */
export const connectToken = (address: string, runner: ContractRunner): LeveragedToken =>
  LeveragedToken__factory.connect(address, runner);

/** A market's settable price feed (local chains). */
export const connectSettableFeed = (address: string, runner: ContractRunner): SettablePriceFeed =>
  SettablePriceFeed__factory.connect(address, runner);

/** The deployment's TradeRouter (best-price buy and sell). */
export const connectTradeRouter = (address: string, runner: ContractRunner): TradeRouter =>
  TradeRouter__factory.connect(address, runner);

/** Every interface whose custom errors a transaction of ours can revert with. */
export const CONTRACT_INTERFACES: Interface[] = [
  LeveragedToken__factory.createInterface(),
  LeveragedTokenFactory__factory.createInterface(),
  PerpExchange__factory.createInterface(),
  MockStablecoin__factory.createInterface(),
  SettablePriceFeed__factory.createInterface(),
  TradeRouter__factory.createInterface(),
  FlashArbitrage__factory.createInterface(),
];

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
    return LeveragedToken__factory.connect(match, runner);
  }
  const symbols = await Promise.all(listed.map((a) => LeveragedToken__factory.connect(a, runner).symbol()));
  const index = symbols.findIndex((s) => s.toUpperCase() === symbolOrAddress.toUpperCase());
  if (index < 0) {
    throw new UserError(`unknown token "${symbolOrAddress}": this deployment has ${symbols.join(", ") || "no tokens"}`);
  }
  return LeveragedToken__factory.connect(listed[index], runner);
}
