// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";

/// @title TokenUpkeep
/// @notice Chainlink Automation for one token, beside it: `checkUpkeep` is the token's `rebalanceAction() != NONE`
/// (the action abi-encoded as `performData`), `performUpkeep` is the token's `rebalanceFor(address(0))` and ignores
/// its argument. For a token automated on its own (e.g. one whose operator pays for its upkeep); `FactoryUpkeep` is
/// one registration for every token of a factory. Anyone may deploy one for any token; it is stateless and holds no
/// funds.
/// @dev Pays no keeper reward: whoever registered the upkeep pays Chainlink for it, and the registry's forwarder that
/// calls it could never withdraw one. `performUpkeep` trusts nothing it is given: the token re-checks that a
/// rebalance is due and reverts with `LeveragedTokenRebalanceNotDue` otherwise.
contract TokenUpkeep is AutomationCompatibleInterface {
    /// @notice The token this upkeep rebalances.
    ILeveragedToken public immutable token;

    /// @notice The zero address was given as the token.
    error TokenUpkeepZeroAddress();

    /// @param token_ the token this upkeep rebalances
    constructor(ILeveragedToken token_) {
        if (address(token_) == address(0)) revert TokenUpkeepZeroAddress();
        token = token_;
    }

    /// @inheritdoc AutomationCompatibleInterface
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        ILeveragedToken.RebalanceAction action = token.rebalanceAction();
        return (action != ILeveragedToken.RebalanceAction.NONE, abi.encode(action));
    }

    /// @inheritdoc AutomationCompatibleInterface
    function performUpkeep(bytes calldata) external {
        token.rebalanceFor(address(0));
    }
}
