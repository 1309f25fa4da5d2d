import { parseAbi } from "viem";

/*
 * The events the indexer reads and the few views it calls, in viem's human-readable form (typed for Ponder's
 * handlers). They are the contracts' own declarations (contracts/interfaces/*.sol, contracts/perp/SettablePriceFeed.sol,
 * Uniswap V2's pair); test/indexer/abis.test.ts checks each against the compiled artifacts.
 */

export const factoryAbi = parseAbi([
  "event TokenCreated(address indexed token, uint256 indexed marketId, int256 leverage, string symbol, uint256 index)",
  "event TokenRetired(address indexed token, uint256 indexed marketId, int256 leverage)",
]);

export const tokenAbi = parseAbi([
  "struct Fees { uint16 mintFeeBps; uint16 redeemFeeBps; uint64 managementFeePerYear; address recipient; }",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Minted(address indexed caller, address indexed receiver, uint256 collateralIn, uint256 fee, uint256 shares)",
  "event Redeemed(address indexed owner, address indexed receiver, uint256 shares, uint256 collateralOut, uint256 fee)",
  "event Rebalanced(uint8 indexed trigger, int256 leverageBefore, int256 leverageAfter, int256 sizeDelta, uint256 price, uint256 equity)",
  "event WipedOut(uint256 price, int256 accountValue, uint256 marginLeft)",
  "event ManagementFeeAccrued(address indexed recipient, uint256 shares)",
  "event UnclaimedEquityAssigned(address indexed recipient, uint256 value, uint256 shares)",
  "event FeesUpdated(Fees fees)",
  "function navPerShare() view returns (uint256)",
  "function equity() view returns (uint256)",
  "function currentLeverage() view returns (int256)",
  "function fees() view returns (Fees)",
]);

export const exchangeAbi = parseAbi([
  "struct Settlement { int256 realizedPnl; int256 fundingPaid; uint256 fee; int256 marginDelta; uint256 badDebt; }",
  "event Traded(address indexed account, uint256 indexed marketId, int256 sizeDelta, uint256 price, int256 newSize, int256 newOpenNotional, Settlement settlement)",
  "event AccountSettled(address indexed account, uint256 indexed marketId, int256 realizedPnl, int256 fundingPaid, uint256 fee, int256 marginDelta, uint256 badDebt)",
  "event MarginTransferred(address indexed from, address indexed to, uint256 indexed marketId, uint256 amount)",
]);

export const pairAbi = parseAbi([
  "event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)",
  "event Sync(uint112 reserve0, uint112 reserve1)",
  "event Mint(address indexed sender, uint256 amount0, uint256 amount1)",
  "event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to)",
]);

export const feedAbi = parseAbi([
  "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
]);
