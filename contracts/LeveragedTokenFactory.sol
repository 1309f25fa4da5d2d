// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {ILeveragedToken} from "./interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "./interfaces/ILeveragedTokenFactory.sol";
import {IPerpExchange} from "./interfaces/IPerpExchange.sol";
import {LeverageMath} from "./libraries/LeverageMath.sol";
import {TokenArgs} from "./libraries/TokenArgs.sol";

/// @title LeveragedTokenFactory
/// @notice Creates the leveraged tokens of one exchange and is their registry.
/// @dev Each token is a minimal clone of one `LeveragedToken` implementation carrying its fixed arguments
/// (`TokenArgs`: the exchange, market, collateral, leverage and initial NAV), set up by `initialize` in the same
/// transaction: about 510,000 gas a token instead of the 5,400,000 a whole token's code costs to deploy. Each of the
/// token's calls pays for it: a DELEGATECALL to the implementation and its arguments read from its code (about
/// 4,300 gas on a rebalance, 2,650 on a transfer; README, "Tokens are clones").
contract LeveragedTokenFactory is ILeveragedTokenFactory, AccessControl {
    /// @notice May create tokens.
    bytes32 public constant TOKEN_CREATOR_ROLE = keccak256("TOKEN_CREATOR_ROLE");

    uint256 private constant WAD = 1e18;

    /// @inheritdoc ILeveragedTokenFactory
    IPerpExchange public immutable exchange;
    /// @inheritdoc ILeveragedTokenFactory
    address public immutable implementation;

    TokenDefaults private _defaults;
    address[] private _tokens;
    mapping(uint256 marketId => mapping(int256 leverage => address token)) private _tokenFor;
    mapping(bytes32 symbolHash => address token) private _tokenBySymbol;
    mapping(uint256 marketId => mapping(int256 leverage => uint256 count)) private _versions;
    mapping(address token => TokenListing) private _listings;

    /// @dev What the factory knows of a token it created.
    struct TokenListing {
        uint64 marketId;
        bool listed;
        bool retired;
        int128 leverage; // signed WAD, |L| <= 10e18
    }

    /// @param exchange_ the exchange every token trades on
    /// @param implementation_ the `LeveragedToken` every token's clone runs (deployed without arguments)
    /// @param admin DEFAULT_ADMIN_ROLE and TOKEN_CREATOR_ROLE
    /// @param defaults the settings new tokens start with
    constructor(IPerpExchange exchange_, address implementation_, address admin, TokenDefaults memory defaults) {
        if (address(exchange_) == address(0) || implementation_.code.length == 0 || admin == address(0)) {
            revert FactoryZeroAddress();
        }
        exchange = exchange_;
        implementation = implementation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(TOKEN_CREATOR_ROLE, admin);
        _setTokenDefaults(defaults);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function createToken(
        uint256 marketId,
        int256 leverage
    ) external onlyRole(TOKEN_CREATOR_ROLE) returns (ILeveragedToken token) {
        // A whole number of times, at most the token's bound.
        uint256 times = SignedMath.abs(leverage) / WAD;
        if (
            leverage == 0 || SignedMath.abs(leverage) % WAD != 0 || SignedMath.abs(leverage) > LeverageMath.MAX_LEVERAGE
        ) {
            revert FactoryInvalidLeverage(leverage);
        }
        address existing = _tokenFor[marketId][leverage];
        if (existing != address(0)) revert FactoryDuplicateToken(marketId, leverage, existing);

        string memory asset = exchange.market(marketId).symbol; // reverts with PerpUnknownMarket
        uint256 version = ++_versions[marketId][leverage];
        string memory suffix = version == 1 ? "" : string.concat("v", Strings.toString(version));
        string memory symbol = string.concat(asset, Strings.toString(times), leverage > 0 ? "L" : "S", suffix);
        string memory name = string.concat(asset, " ", Strings.toString(times), "x ", leverage > 0 ? "Long" : "Short");
        if (version > 1) name = string.concat(name, " ", suffix);
        TokenDefaults memory d = _defaults;
        token = ILeveragedToken(
            Clones.cloneWithImmutableArgs(implementation, TokenArgs.encode(exchange, marketId, leverage, d.initialNav))
        );
        token.initialize(
            ILeveragedToken.InitParams({
                name: name,
                symbol: symbol,
                admin: d.tokenAdmin,
                fees: d.fees,
                rebalanceSettings: d.rebalanceSettings,
                equityCap: d.equityCap
            })
        );
        _tokenFor[marketId][leverage] = address(token);
        _tokenBySymbol[keccak256(bytes(symbol))] = address(token);
        _tokens.push(address(token));
        _listings[address(token)] = TokenListing(uint64(marketId), true, false, int128(leverage));
        emit TokenCreated(address(token), marketId, leverage, symbol, _tokens.length - 1);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function retireToken(address token) external onlyRole(TOKEN_CREATOR_ROLE) {
        TokenListing storage listing = _listings[token];
        if (!listing.listed) revert FactoryNotListed(token);
        if (listing.retired) revert FactoryTokenRetired(token);
        if (!ILeveragedToken(token).wipedOut()) revert FactoryTokenNotWipedOut(token);
        listing.retired = true;
        (uint256 marketId, int256 leverage) = (listing.marketId, listing.leverage);
        delete _tokenFor[marketId][leverage];
        emit TokenRetired(token, marketId, leverage);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function setTokenDefaults(TokenDefaults calldata defaults) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTokenDefaults(defaults);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function tokenDefaults() external view returns (TokenDefaults memory) {
        return _defaults;
    }

    /// @inheritdoc ILeveragedTokenFactory
    function tokenCount() external view returns (uint256) {
        return _tokens.length;
    }

    /// @inheritdoc ILeveragedTokenFactory
    function allTokens() external view returns (address[] memory) {
        return _tokens;
    }

    /// @inheritdoc ILeveragedTokenFactory
    function tokenFor(uint256 marketId, int256 leverage) external view returns (address token) {
        token = _tokenFor[marketId][leverage];
        if (token == address(0)) revert FactoryUnknownToken(marketId, leverage);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function isRetired(address token) external view returns (bool) {
        return _listings[token].retired;
    }

    /// @inheritdoc ILeveragedTokenFactory
    function tokenBySymbol(string calldata symbol) external view returns (address token) {
        token = _tokenBySymbol[keccak256(bytes(symbol))];
        if (token == address(0)) revert FactoryUnknownSymbol(symbol);
    }

    /// @inheritdoc ILeveragedTokenFactory
    function keeperStatuses(uint256 offset, uint256 limit) external view returns (TokenStatus[] memory statuses) {
        uint256 end = Math.min(_tokens.length, offset + Math.min(limit, type(uint256).max - offset));
        if (offset >= end) return statuses;
        statuses = new TokenStatus[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            address token = _tokens[i];
            (
                ILeveragedToken.RebalanceAction action,
                int256 leverage,
                uint256 equity,
                IPerpExchange.PriceStatus priceStatus
            ) = ILeveragedToken(token).keeperStatus();
            statuses[i - offset] = TokenStatus(token, action, _listings[token].retired, leverage, equity, priceStatus);
        }
    }

    function _setTokenDefaults(TokenDefaults memory defaults) private {
        if (defaults.tokenAdmin == address(0) || defaults.fees.recipient == address(0)) revert FactoryZeroAddress();
        _defaults = defaults;
        emit TokenDefaultsUpdated(defaults);
    }
}
