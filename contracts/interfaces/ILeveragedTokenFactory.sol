// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILeveragedToken} from "./ILeveragedToken.sol";
import {IPerpExchange} from "./IPerpExchange.sol";

/// @title ILeveragedTokenFactory
/// @notice Creates leveraged tokens, one per (market, signed leverage), and lists them for keepers and wallets.
interface ILeveragedTokenFactory {
    /// @notice What a keeper needs of one token.
    struct TokenStatus {
        address token;
        ILeveragedToken.RebalanceAction action; // NONE, TIME or DRIFT
        int256 leverage; // signed WAD
        uint256 equity; // collateral units
    }

    /// @notice The settings new tokens start with.
    struct TokenDefaults {
        ILeveragedToken.Fees fees;
        ILeveragedToken.RebalanceSettings rebalanceSettings;
        uint256 initialNav; // collateral units per whole token
        address tokenAdmin; // gets every role of new tokens
    }

    /// @notice Leverage must be a whole, non-zero number of times (1e18, 2e18, ...) up to 10x, long or short.
    error FactoryInvalidLeverage(int256 leverage);
    /// @notice A token for this market and leverage exists already.
    error FactoryDuplicateToken(uint256 marketId, int256 leverage, address existing);
    /// @notice No token has this symbol.
    error FactoryUnknownSymbol(string symbol);
    /// @notice No token exists for this market and leverage.
    error FactoryUnknownToken(uint256 marketId, int256 leverage);
    /// @notice The zero address was given.
    error FactoryZeroAddress();

    /// @notice A token was created and listed.
    event TokenCreated(address indexed token, uint256 indexed marketId, int256 leverage, string symbol, uint256 index);
    /// @notice The settings of new tokens changed.
    event TokenDefaultsUpdated(TokenDefaults defaults);

    /// @notice Creates the token for (market, signed whole leverage), named like "BTC 3x Long" / "BTC3L".
    /// Only TOKEN_CREATOR_ROLE.
    function createToken(uint256 marketId, int256 leverage) external returns (ILeveragedToken token);

    /// @notice Changes the settings of tokens created from now on. Only DEFAULT_ADMIN_ROLE.
    function setTokenDefaults(TokenDefaults calldata defaults) external;

    /// @notice The exchange every token trades on.
    function exchange() external view returns (IPerpExchange);

    /// @notice The settings new tokens start with.
    function tokenDefaults() external view returns (TokenDefaults memory);

    /// @notice How many tokens exist.
    function tokenCount() external view returns (uint256);

    /// @notice Every token, in creation order.
    function allTokens() external view returns (address[] memory);

    /// @notice The token for (market, leverage); reverts with FactoryUnknownToken if none.
    function tokenFor(uint256 marketId, int256 leverage) external view returns (address);

    /// @notice The token with this symbol (e.g. "BTC3L"); reverts with FactoryUnknownSymbol if none.
    function tokenBySymbol(string calldata symbol) external view returns (address);

    /// @notice The keeper status of tokens `offset` to `offset + limit - 1` (fewer at the end of the list).
    function keeperStatuses(uint256 offset, uint256 limit) external view returns (TokenStatus[] memory statuses);
}
