// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TxCaller
/// @notice Test-only: makes calls (views included) from inside a mined transaction and records which succeeded, so
/// that a test can assert on their outcomes and solidity-coverage, which counts only what mined transactions
/// execute, sees the branches they take.
contract TxCaller {
    /// @notice One call's outcome, in order.
    event Called(uint256 indexed index, bool ok, bytes result);

    /// @notice Calls `targets[i]` with `data[i]` for every i; a revert is recorded, not propagated.
    function callAll(address[] calldata targets, bytes[] calldata data) external {
        for (uint256 i; i < targets.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = targets[i].call(data[i]);
            emit Called(i, ok, result);
        }
    }
}
