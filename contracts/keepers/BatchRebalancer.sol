// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";

/// @title BatchRebalancer
/// @notice Rebalances many tokens in one transaction, for keepers watching many tokens. Permissionless, like each
/// token's own `rebalance()`. A token with nothing due is skipped instead of reverting the batch, and so is one
/// whose rebalance reverts (a stale price, say); the result says which were done. A rebalance that could run out of
/// gas, at any depth, reverts the whole batch instead: before each token the batch must still hold
/// `GAS_RESERVE_PER_TOKEN`, enough for the most expensive rebalance (a wipe-out) with room to spare, so that no gas
/// limit (nor an eth_estimateGas that searches for the least gas that does not revert) can leave a due token out as
/// if it were not due. Each rebalance's keeper reward goes to the batch's caller (`rebalance`) or to whom it names
/// (`rebalanceFor`): the batch pays out the sum of the rewards of what it rebalanced and keeps nothing.
contract BatchRebalancer {
    /// @notice Gas the batch must hold before each token's rebalance (a rebalance costs about 100,000 at most).
    uint256 public constant GAS_RESERVE_PER_TOKEN = 300_000;

    /// @notice A batch ran: `done` has bit i set when `tokens[i]` was rebalanced; `keeper` was paid their rewards.
    event BatchRebalanced(address indexed keeper, uint256 attempted, uint256 rebalanced, uint256 done);

    /// @notice Rebalances every token of `tokens` whose rebalance is due (at most 256 tokens); the caller is paid
    /// their rewards.
    /// @return done bit i is set when `tokens[i]` was rebalanced
    /// @return rebalanced how many were
    function rebalance(ILeveragedToken[] calldata tokens) external returns (uint256 done, uint256 rebalanced) {
        return _rebalance(tokens, msg.sender);
    }

    /// @notice `rebalance`, the rewards paid to `keeper` (a contract that forwards them to its own caller).
    function rebalanceFor(
        ILeveragedToken[] calldata tokens,
        address keeper
    ) external returns (uint256 done, uint256 rebalanced) {
        return _rebalance(tokens, keeper);
    }

    function _rebalance(
        ILeveragedToken[] calldata tokens,
        address keeper
    ) private returns (uint256 done, uint256 rebalanced) {
        uint256 count = tokens.length;
        if (count > 256) revert BatchRebalancerTooManyTokens(count, 256);
        for (uint256 i; i < count; ++i) {
            ILeveragedToken token = tokens[i];
            // try/catch cannot catch a call to an address without code: skip those first.
            if (address(token).code.length == 0) continue;
            // With the reserve, the call gets at least 63/64 of it: more than a rebalance uses, at any depth.
            uint256 gasBefore = gasleft();
            if (gasBefore < GAS_RESERVE_PER_TOKEN) revert BatchRebalancerOutOfGas(i);
            // A token with nothing due reverts with LeveragedTokenRebalanceNotDue before it trades: about what asking
            // `rebalanceAction()` first would cost (`npm run bench`: "rebalance not due (a lost race)").
            try token.rebalanceFor(keeper) {
                done |= 1 << i;
                ++rebalanced;
            } catch {
                // Belt and braces: a call that used up the gas it was given ran out of it, whatever its cost.
                if (gasleft() <= gasBefore / 64) revert BatchRebalancerOutOfGas(i);
            }
        }
        emit BatchRebalanced(keeper, count, rebalanced, done);
    }

    /// @notice More tokens than one batch can report on.
    error BatchRebalancerTooManyTokens(uint256 count, uint256 max);
    /// @notice Too little gas was left for the rebalance of `tokens[index]`: send the batch with a higher gas limit.
    error BatchRebalancerOutOfGas(uint256 index);
}
