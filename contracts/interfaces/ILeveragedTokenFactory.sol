// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILeveragedToken} from "./ILeveragedToken.sol";
import {IPerpExchange} from "./IPerpExchange.sol";

/// @title ILeveragedTokenFactory
/// @notice Creates leveraged tokens, one per (market, signed leverage), and lists them for keepers and wallets.
interface ILeveragedTokenFactory {
    /// @notice What a keeper needs of one token (returned in memory only, never stored).
    // solhint-disable-next-line gas-struct-packing
    struct TokenStatus {
        address token;
        ILeveragedToken.RebalanceAction action; // NONE, TIME or DRIFT
        bool retired; // wiped out and retired: redeem only; a successor may be listed
        int256 leverage; // signed WAD
        uint256 equity; // collateral units
        IPerpExchange.PriceStatus priceStatus; // the price leverage and equity are valued at (NONE unless FRESH)
    }

    /// @notice The settings new tokens start with.
    struct TokenDefaults {
        ILeveragedToken.Fees fees;
        ILeveragedToken.RebalanceSettings rebalanceSettings;
        uint256 initialNav; // collateral units per whole token
        uint256 equityCap; // collateral units; the most equity a mint may take a new token to
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
    /// @notice `token` is not one the factory listed.
    error FactoryNotListed(address token);
    /// @notice Only a wiped-out token can be retired; `token` is not.
    error FactoryTokenNotWipedOut(address token);
    /// @notice `token` was retired already.
    error FactoryTokenRetired(address token);

    /// @notice A token was created and listed.
    event TokenCreated(address indexed token, uint256 indexed marketId, int256 leverage, string symbol, uint256 index);
    /// @notice The settings of new tokens changed.
    event TokenDefaultsUpdated(TokenDefaults defaults);
    /// @notice A wiped-out token was retired: it stays listed and redeemable, and (market, leverage) is free again.
    event TokenRetired(address indexed token, uint256 indexed marketId, int256 leverage);

    /// @notice Creates the token for (market, signed whole leverage), named like "BTC 3x Long" / "BTC3L". The
    /// successor of a retired token gets the next version in its name and symbol ("BTC 3x Long v2" / "BTC3Lv2").
    /// Only TOKEN_CREATOR_ROLE.
    function createToken(uint256 marketId, int256 leverage) external returns (ILeveragedToken token);

    /// @notice Retires a wiped-out token so that its market and leverage can be listed again: it stays in the list
    /// (and redeemable, for what is left), `tokenFor` no longer returns it, and `keeperStatuses` reports it retired.
    /// Only TOKEN_CREATOR_ROLE; reverts unless the token is listed, wiped out and not retired yet.
    function retireToken(address token) external;

    /// @notice Changes the settings of tokens created from now on. Only DEFAULT_ADMIN_ROLE.
    function setTokenDefaults(TokenDefaults calldata defaults) external;

    /// @notice The exchange every token trades on.
    function exchange() external view returns (IPerpExchange);

    /// @notice The `LeveragedToken` every token created here runs as a clone of.
    function implementation() external view returns (address);

    /// @notice The settings new tokens start with.
    function tokenDefaults() external view returns (TokenDefaults memory);

    /// @notice How many tokens exist.
    function tokenCount() external view returns (uint256);

    /// @notice Every token, in creation order.
    function allTokens() external view returns (address[] memory);

    /// @notice The live (not retired) token for (market, leverage); reverts with FactoryUnknownToken if none.
    function tokenFor(uint256 marketId, int256 leverage) external view returns (address);

    /// @notice Whether a listed token was retired.
    function isRetired(address token) external view returns (bool);

    /// @notice The token with this symbol (e.g. "BTC3L", or "BTC3Lv2" for a successor), retired or not; reverts with
    /// FactoryUnknownSymbol if none.
    function tokenBySymbol(string calldata symbol) external view returns (address);

    /// @notice The keeper status of tokens `offset` to `offset + limit - 1` (fewer at the end of the list).
    function keeperStatuses(uint256 offset, uint256 limit) external view returns (TokenStatus[] memory statuses);
}
