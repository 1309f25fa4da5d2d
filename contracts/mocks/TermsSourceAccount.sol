// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITermsSource, KeeperReward} from "../libraries/KeeperReward.sol";

/// @title TermsSourceAccount
/// @notice Test-only: an exchange account that answers `keeperRewardTerms` as a leveraged token does, with terms a
/// test sets, and forwards any call (a trade, `tradeToLeverage`, a withdrawal) to the exchange as itself.
contract TermsSourceAccount is ITermsSource {
    address private immutable _exchange;
    KeeperReward.Terms private _terms;

    constructor(address exchange_) {
        _exchange = exchange_;
    }

    function setTerms(KeeperReward.Terms calldata terms) external {
        _terms = terms;
    }

    /// @inheritdoc ITermsSource
    function keeperRewardTerms() external view returns (KeeperReward.Terms memory) {
        return _terms;
    }

    /// @notice Calls the exchange with `data` as this account; bubbles a revert up as it is.
    function forward(bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = _exchange.call(data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
