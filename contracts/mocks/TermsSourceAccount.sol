// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITermsSource, KeeperReward} from "../libraries/KeeperReward.sol";

/// @title TermsSourceAccount
/// @notice Test-only: an exchange account that answers `keeperRewardTerms` as a leveraged token does, with terms a
/// test sets, and forwards any call (a trade, `tradeToLeverage`, a withdrawal) to the exchange as itself.
contract TermsSourceAccount is ITermsSource {
    address private immutable _exchange;
    uint256 private _terms;

    constructor(address exchange_) {
        _exchange = exchange_;
    }

    /// @notice Sets the terms `keeperRewardTerms` answers with (`KeeperReward.pack`).
    function setTerms(
        uint64 cap,
        uint32 rampTime,
        uint16 maxPerYearBps,
        uint32 lastRebalance,
        uint32 interval,
        uint64 band
    ) external {
        _terms = KeeperReward.pack(cap, rampTime, maxPerYearBps, lastRebalance, interval, band);
    }

    /// @inheritdoc ITermsSource
    function keeperRewardTerms() external view returns (uint256) {
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
