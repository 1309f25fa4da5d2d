// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {IPerpExchange} from "../interfaces/IPerpExchange.sol";

/// @title InvariantLens
/// @notice Test-only: calls every view of some leveraged tokens and of their exchange in one `eth_call`, so the
/// stateful property test can check its invariants after every command with a single RPC round trip. A view that
/// reverts sets its bit in `failedViews` instead of failing the whole call.
contract InvariantLens {
    struct TokenReport {
        uint256 totalSupply;
        uint256 sumOfBalances; // over `holders`
        uint256 equity;
        uint256 navPerShare;
        int256 currentLeverage;
        int256 positionSize;
        uint256 pendingFeeShares;
        uint256 recipientShares;
        uint256 recipientCollateral;
        uint256 action; // RebalanceAction
        uint256 margin; // the token's margin on the exchange
        uint256 capHeadroom;
        uint256 maxMint; // maxMint(address(0))
        int256 positionNotional; // USD WAD
        uint256 equityCap; // collateral units; type(uint256).max: none
        uint256 bandUpper; // leverageBand's upper bound, WAD
        int256 keeperLeverage; // keeperStatus: at the price priceStatus describes
        uint256 keeperEquity;
        IPerpExchange.PriceStatus priceStatus;
        uint256 failedViews; // bit i: view i reverted
        bool wipedOut;
        bool paused;
        bool previewMintReverted;
        bool previewRedeemReverted;
    }

    struct ExchangeReport {
        uint256 sumOfMargins; // over `holders`, the tokens and `accounts`, market `marketId`
        uint256 fund;
        uint256 balance; // collateral held by the exchange
        IPerpExchange.PriceStatus priceStatus;
        uint256 failedViews; // bit k: view k reverted for some account
    }

    /// @notice Every view of `tokens` and of `exchange`'s market `marketId`, for the accounts of the tokens, of
    /// `holders` (which hold no exchange account: the first one's views stand for them all, their margins are summed)
    /// and of `accounts`.
    /// @param accounts further accounts of the exchange (traders, retired tokens): their margins count in the books,
    /// their views are probed like the tokens', and their `accountState`s are returned after the tokens' (`states[i]`
    /// is token i's for i < tokens.length, then accounts[i - tokens.length]'s).
    function check(
        ILeveragedToken[] calldata tokens,
        address[] calldata holders,
        address[] calldata accounts,
        IPerpExchange exchange,
        uint256 marketId
    )
        external
        view
        returns (TokenReport[] memory reports, ExchangeReport memory ex, IPerpExchange.AccountState[] memory states)
    {
        reports = new TokenReport[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) reports[i] = _token(tokens[i], holders);
        states = new IPerpExchange.AccountState[](tokens.length + accounts.length);
        address[] memory all = new address[](holders.length + states.length);
        for (uint256 j; j < all.length; ++j) {
            if (j < holders.length) {
                all[j] = holders[j];
                continue;
            }
            uint256 i = j - holders.length;
            all[j] = i < tokens.length ? address(tokens[i]) : accounts[i - tokens.length];
            states[i] = exchange.accountState(all[j], marketId);
        }
        ex = _exchange(exchange, marketId, all, holders.length);
    }

    function _token(ILeveragedToken t, address[] calldata holders) private view returns (TokenReport memory r) {
        IERC20 shares = IERC20(address(t));
        r.totalSupply = shares.totalSupply();
        for (uint256 j; j < holders.length; ++j) r.sumOfBalances += shares.balanceOf(holders[j]);
        r.paused = Pausable(address(t)).paused();
        r.wipedOut = t.wipedOut();
        address recipient = t.fees().recipient;
        r.recipientShares = shares.balanceOf(recipient);
        r.recipientCollateral = t.exchange().collateral().balanceOf(recipient);
        r.margin = t.exchange().accountState(address(t), t.marketId()).margin;

        bytes[15] memory calls = [
            abi.encodeCall(ILeveragedToken.equity, ()),
            abi.encodeCall(ILeveragedToken.navPerShare, ()),
            abi.encodeCall(ILeveragedToken.currentLeverage, ()),
            abi.encodeCall(ILeveragedToken.positionSize, ()),
            abi.encodeCall(ILeveragedToken.pendingManagementFeeShares, ()),
            abi.encodeCall(ILeveragedToken.rebalanceAction, ()),
            abi.encodeCall(ILeveragedToken.positionNotional, ()),
            abi.encodeCall(ILeveragedToken.leverageBand, ()),
            abi.encodeCall(ILeveragedToken.keeperStatus, ()),
            abi.encodeCall(ILeveragedToken.maxMint, (address(0))),
            abi.encodeCall(ILeveragedToken.nextRebalanceTime, ()),
            abi.encodeCall(ILeveragedToken.rebalanceSettings, ()),
            abi.encodeCall(ILeveragedToken.lastRebalanceTime, ()),
            abi.encodeCall(ILeveragedToken.capHeadroom, ()),
            abi.encodeCall(ILeveragedToken.equityCap, ())
        ];
        bytes[15] memory results;
        for (uint256 k; k < calls.length; ++k) {
            bool ok;
            (ok, results[k]) = _probe(address(t), calls[k]);
            if (!ok) r.failedViews |= 1 << k;
        }
        _decode(r, results);
        (bool mintOk, ) = _probe(address(t), abi.encodeCall(ILeveragedToken.previewMint, (1e9)));
        (bool redeemOk, ) = _probe(address(t), abi.encodeCall(ILeveragedToken.previewRedeem, (r.totalSupply / 2)));
        r.previewMintReverted = !mintOk;
        r.previewRedeemReverted = !redeemOk;
    }

    /// @dev Each view that answered (the valuing ones revert while a position meets a price that is not fresh).
    function _decode(TokenReport memory r, bytes[15] memory results) private pure {
        if (r.failedViews & (1 << 0) == 0) r.equity = abi.decode(results[0], (uint256));
        if (r.failedViews & (1 << 1) == 0) r.navPerShare = abi.decode(results[1], (uint256));
        if (r.failedViews & (1 << 2) == 0) r.currentLeverage = abi.decode(results[2], (int256));
        if (r.failedViews & (1 << 3) == 0) r.positionSize = abi.decode(results[3], (int256));
        if (r.failedViews & (1 << 4) == 0) r.pendingFeeShares = abi.decode(results[4], (uint256));
        if (r.failedViews & (1 << 5) == 0) r.action = abi.decode(results[5], (uint256));
        if (r.failedViews & (1 << 6) == 0) r.positionNotional = abi.decode(results[6], (int256));
        if (r.failedViews & (1 << 7) == 0) (, r.bandUpper) = abi.decode(results[7], (uint256, uint256));
        if (r.failedViews & (1 << 8) == 0) {
            (, r.keeperLeverage, r.keeperEquity, r.priceStatus) = abi.decode(
                results[8],
                (uint256, int256, uint256, IPerpExchange.PriceStatus)
            );
        }
        if (r.failedViews & (1 << 9) == 0) r.maxMint = abi.decode(results[9], (uint256));
        if (r.failedViews & (1 << 13) == 0) r.capHeadroom = abi.decode(results[13], (uint256));
        if (r.failedViews & (1 << 14) == 0) r.equityCap = abi.decode(results[14], (uint256));
    }

    function _exchange(
        IPerpExchange exchange,
        uint256 marketId,
        address[] memory accounts,
        uint256 holders
    ) private view returns (ExchangeReport memory ex) {
        ex.fund = exchange.fundBalance();
        ex.balance = exchange.collateral().balanceOf(address(exchange));
        for (uint256 j; j < accounts.length; ++j) {
            address account = accounts[j];
            ex.sumOfMargins += exchange.accountState(account, marketId).margin;
            // The holders' accounts are alike (they hold no position): the first one's views stand for them all.
            if (j > 0 && j < holders) continue;
            bytes[3] memory calls = [
                abi.encodeCall(IPerpExchange.accountState, (account, marketId)),
                abi.encodeCall(IPerpExchange.isLiquidatable, (account, marketId)),
                abi.encodeCall(IPerpExchange.position, (account, marketId))
            ];
            for (uint256 k; k < calls.length; ++k) {
                (bool ok, ) = _probe(address(exchange), calls[k]);
                if (!ok) ex.failedViews |= 1 << k;
            }
        }
        (bool marketOk, ) = _probe(address(exchange), abi.encodeCall(IPerpExchange.market, (marketId)));
        if (!marketOk) ex.failedViews |= 1 << 3;
        (bool feeOk, ) = _probe(address(exchange), abi.encodeCall(IPerpExchange.takerFeeBps, (marketId)));
        if (!feeOk) ex.failedViews |= 1 << 4;
        ex.priceStatus = exchange.accountState(address(this), marketId).priceStatus;
    }

    function _probe(address target, bytes memory data) private view returns (bool ok, bytes memory result) {
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.staticcall(data);
    }
}
