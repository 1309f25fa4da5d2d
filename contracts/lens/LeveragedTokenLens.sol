// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {IUniswapV2FactoryView, IUniswapV2PairView} from "./LensViews.sol";

/// @title LeveragedTokenLens
/// @notice Read-only: everything a wallet page shows of every listed token, in one `eth_call` per page of tokens,
/// instead of some twenty calls per token. Holds no state and no funds; deployed beside the factory, but any
/// deployment's factory can be passed in.
contract LeveragedTokenLens {
    /// @notice One token as a wallet sees it. Units as on chain: leverage and prices WAD, collateral in its own units.
    /// Only ever built in memory and returned, so its fields follow the page's reading order, not storage packing.
    // solhint-disable-next-line gas-struct-packing
    struct TokenView {
        address token;
        string name; // e.g. "BTC 3x Long"
        string symbol;
        uint256 marketId;
        string marketSymbol; // the exchange market's base asset, e.g. "BTC"
        int256 targetLeverage; // signed WAD
        int256 leverage; // signed WAD, current, at `price`
        uint256 navPerShare; // collateral units per whole token (pending management fee shares counted); 0 while a
        // position is valued at a price that is not FRESH (`navPerShare()` then reverts, as a mint or redeem would)
        uint256 equity; // collateral units, at `price`
        uint256 totalSupply; // 18 decimals, without pending management fee shares
        uint256 bandLower; // WAD, |leverage| below which a drift rebalance is due
        uint256 bandUpper; // WAD, |leverage| above which a drift rebalance is due
        ILeveragedToken.RebalanceAction action; // what a keeper would do now
        uint256 lastRebalance; // unix seconds
        uint256 nextRebalance; // unix seconds: the next time-triggered rebalance
        int256 positionSize; // base asset, 18 decimals, signed
        uint256 price; // WAD, the price leverage and equity are valued at (see `priceStatus`)
        IPerpExchange.PriceStatus priceStatus; // FRESH; STALE: the feed's old answer; INVALID: the last accepted
        // price. Unless FRESH, a mint, redeem or rebalance would revert, and NAV and the headroom are not given
        ILeveragedToken.Fees fees;
        uint256 pendingFeeShares; // management fee shares accrued but not minted yet
        bool paused; // minting paused by the operator
        bool wipedOut;
        bool retired; // wiped out and retired by the factory: redeem only; a successor may be listed
        uint256 equityCap; // collateral units; type(uint256).max: no cap
        uint256 capHeadroom; // collateral units a mint may still deposit under the cap (0 once wiped out, and 0 while
        // a position is valued at a price that is not FRESH)
        uint256 maxMint; // the token's maxMint: the most collateral a mint takes in now, its fee included (0 when
        // paused, wiped out or not FRESH; type(uint256).max: no cap)
        address pool; // the token/collateral Uniswap V2 pair, or 0
        uint256 poolTokenReserve; // 18 decimals
        uint256 poolCollateralReserve; // collateral units
        uint256 balance; // the token balance of the account asked about (0 for address 0)
        uint256 maxRedeem; // the token's maxRedeem for that account: its balance, or 0 while the price is not FRESH
    }

    /// @notice What the page shows around the tokens: the time it was read at, and the account's collateral.
    struct Context {
        uint256 blockNumber;
        uint256 timestamp; // unix seconds of the block read
        uint256 tokenCount; // tokens listed by the factory (all pages)
        uint256 collateralBalance; // the account's collateral (0 for address 0)
    }

    /// @notice Up to `limit` tokens of `factory` from index `offset` (fewer at the end, none past it), with pool
    /// reserves from the Uniswap V2 factory `dexFactory` (0: none) and balances of `account` (0: none).
    /// @param factory the token factory whose listed tokens are read
    /// @param dexFactory a Uniswap V2 factory holding token/collateral pairs, or address(0)
    /// @param account whose token and collateral balances to include, or address(0)
    /// @param offset index of the first token
    /// @param limit at most this many tokens
    /// @return context the block read, the number of tokens and the account's collateral
    /// @return views one entry per token, in the factory's order
    function tokens(
        ILeveragedTokenFactory factory,
        address dexFactory,
        address account,
        uint256 offset,
        uint256 limit
    ) external view returns (Context memory context, TokenView[] memory views) {
        IERC20 collateral = factory.exchange().collateral();
        context = Context({
            blockNumber: block.number,
            timestamp: block.timestamp,
            tokenCount: factory.tokenCount(),
            collateralBalance: account == address(0) ? 0 : collateral.balanceOf(account)
        });
        // The factory's keeper view gives the page's tokens with their due action, leverage and equity, without
        // reading the whole token list (a cold storage read per token listed).
        ILeveragedTokenFactory.TokenStatus[] memory statuses = factory.keeperStatuses(offset, limit);
        views = new TokenView[](statuses.length);
        // Market symbols read once per market of the page (a page of 100 tokens has a handful of markets).
        string[] memory symbols = new string[](factory.exchange().marketCount());
        for (uint256 i = 0; i < statuses.length; ++i) {
            TokenView memory v = _tokenView(
                ILeveragedToken(statuses[i].token),
                dexFactory,
                address(collateral),
                account
            );
            (v.action, v.leverage, v.equity, v.retired) = (
                statuses[i].action,
                statuses[i].leverage,
                statuses[i].equity,
                statuses[i].retired
            );
            if (bytes(symbols[v.marketId]).length == 0) {
                symbols[v.marketId] = _marketSymbol(ILeveragedToken(v.token), v.marketId);
            }
            v.marketSymbol = symbols[v.marketId];
            views[i] = v;
        }
    }

    /// @notice One token's view (see `tokens`).
    /// @param factory the factory that listed the token (says whether it is retired)
    /// @param token the leveraged token
    /// @param dexFactory a Uniswap V2 factory holding the token/collateral pair, or address(0)
    /// @param account whose balance to include, or address(0)
    /// @return v the token's view
    function tokenView(
        ILeveragedTokenFactory factory,
        ILeveragedToken token,
        address dexFactory,
        address account
    ) external view returns (TokenView memory v) {
        v = _tokenView(token, dexFactory, address(factory.exchange().collateral()), account);
        (v.action, v.leverage, v.equity, ) = token.keeperStatus();
        v.retired = factory.isRetired(address(token));
        v.marketSymbol = _marketSymbol(token, v.marketId);
    }

    /// @dev Everything but the keeper's status and the market's symbol, which a page reads in bulk.
    function _tokenView(
        ILeveragedToken token,
        address dexFactory,
        address collateral,
        address account
    ) private view returns (TokenView memory v) {
        v.token = address(token);
        v.name = IERC20Metadata(address(token)).name();
        v.symbol = IERC20Metadata(address(token)).symbol();
        v.marketId = token.marketId();
        IPerpExchange exchange = token.exchange();
        v.targetLeverage = token.targetLeverage();
        v.totalSupply = IERC20(address(token)).totalSupply();
        (v.bandLower, v.bandUpper) = token.leverageBand();
        v.lastRebalance = token.lastRebalanceTime();
        v.nextRebalance = token.nextRebalanceTime();
        IPerpExchange.AccountState memory account_ = exchange.accountState(address(token), v.marketId);
        (v.positionSize, v.price, v.priceStatus) = (account_.size, account_.price, account_.priceStatus);
        // NAV and the headroom value the account: given only at a price a mint or redeem would use (or without a
        // position, when they do not depend on the price), where the token's own views answer them.
        if (v.positionSize == 0 || v.priceStatus == IPerpExchange.PriceStatus.FRESH) {
            v.navPerShare = token.navPerShare();
            v.capHeadroom = token.capHeadroom();
        }
        v.fees = token.fees();
        v.pendingFeeShares = token.pendingManagementFeeShares();
        v.paused = token.paused();
        v.wipedOut = token.wipedOut();
        v.equityCap = token.equityCap();
        v.maxMint = token.maxMint(account);
        if (account != address(0)) {
            v.balance = IERC20(address(token)).balanceOf(account);
            v.maxRedeem = token.maxRedeem(account);
        }
        if (dexFactory != address(0)) _readPool(v, dexFactory, collateral);
    }

    function _marketSymbol(ILeveragedToken token, uint256 marketId) private view returns (string memory) {
        return token.exchange().market(marketId).symbol;
    }

    function _readPool(TokenView memory v, address dexFactory, address collateral) private view {
        address pair = IUniswapV2FactoryView(dexFactory).getPair(v.token, collateral);
        if (pair == address(0)) return;
        (uint112 reserve0, uint112 reserve1, ) = IUniswapV2PairView(pair).getReserves();
        bool tokenIs0 = IUniswapV2PairView(pair).token0() == v.token;
        v.pool = pair;
        (v.poolTokenReserve, v.poolCollateralReserve) = tokenIs0 ? (reserve0, reserve1) : (reserve1, reserve0);
    }
}
