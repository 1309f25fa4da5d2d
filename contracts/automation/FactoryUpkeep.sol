// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {BatchRebalancer} from "../keepers/BatchRebalancer.sol";

/// @title FactoryUpkeep
/// @notice One Chainlink Automation upkeep for every token of a factory: `checkUpkeep` pages through the factory's
/// `keeperStatuses` and returns the due tokens, and `performUpkeep` rebalances them in one `BatchRebalancer` call,
/// so that one registration serves hundreds of tokens, including those listed later. Permissionless and stateless,
/// like the batcher it calls; it holds no funds.
/// @dev The tokens keep their own `checkUpkeep` / `performUpkeep`: one upkeep per token suits a small deployment, this
/// one a registration for the whole factory. Both (and any keeper) may run side by side: whichever is first
/// rebalances, the others find nothing due.
///
/// Within the registry's limits: a check reads no further page once less than `CHECK_GAS_RESERVE` is left (the
/// registry's check gas limit is 10,000,000; a page of `PAGE` tokens costs well under the reserve, see
/// `npm run bench`), and returns at most `MAX_PERFORM_TOKENS` due tokens (their addresses, ABI-encoded, stay under
/// the registry's 2,000-byte perform data, and their batch within a 5,000,000 perform gas limit). The first page a
/// check reads is `block.number` modulo the number of pages, so a check that stops early (out of room, or with
/// `MAX_PERFORM_TOKENS` found) starts elsewhere next block, and every due token is served within a few blocks.
/// `performUpkeep` trusts nothing it is given: each token's `rebalance()` re-checks that it is due, and a token with
/// nothing due, or an address that is no token, is skipped (see `BatchRebalancer`).
contract FactoryUpkeep is AutomationCompatibleInterface {
    /// @notice Tokens one `keeperStatuses` call of a check reads.
    uint256 public constant PAGE = 20;
    /// @notice Gas a check keeps for its next page and its answer: it reads no further page below this.
    uint256 public constant CHECK_GAS_RESERVE = 1_500_000;
    /// @notice The most tokens one perform rebalances: 1,664 bytes of perform data, about 3,000,000 gas.
    uint256 public constant MAX_PERFORM_TOKENS = 50;

    /// @notice The factory whose tokens this upkeep rebalances.
    ILeveragedTokenFactory public immutable factory;
    /// @notice The batcher a perform rebalances through.
    BatchRebalancer public immutable batcher;
    /// @notice Who is paid the keeper rewards of a perform's rebalances; the zero address for the perform's caller.
    /// Registered with Chainlink Automation, the caller is the registry's forwarder, which could never withdraw
    /// them: such a deployment names its operator (who pays the upkeep in LINK) here.
    address public immutable rewardRecipient;

    /// @notice The zero address was given as the factory or the batcher.
    error FactoryUpkeepZeroAddress(address factory, address batcher);
    /// @notice `checkData` is neither empty nor `abi.encode(uint256 offset, uint256 count)` (64 bytes).
    error FactoryUpkeepInvalidCheckData(uint256 length);
    /// @notice `performData` names more tokens than one perform takes.
    error FactoryUpkeepTooManyTokens(uint256 count, uint256 max);

    /// @param factory_ the factory whose tokens this upkeep rebalances
    /// @param batcher_ the BatchRebalancer a perform calls
    /// @param rewardRecipient_ who is paid the rewards (the zero address: each perform's caller)
    constructor(ILeveragedTokenFactory factory_, BatchRebalancer batcher_, address rewardRecipient_) {
        if (address(factory_) == address(0) || address(batcher_) == address(0)) {
            revert FactoryUpkeepZeroAddress(address(factory_), address(batcher_));
        }
        factory = factory_;
        batcher = batcher_;
        rewardRecipient = rewardRecipient_;
    }

    /// @notice Chainlink Automation: which tokens are due (retired and wiped-out tokens never are). Simulated by the
    /// Automation nodes (an `eth_call`), never sent.
    /// @param checkData empty for every token of the factory, or `abi.encode(uint256 offset, uint256 count)` for the
    /// `count` tokens from index `offset` on (several registrations may split a very long list between them)
    /// @return upkeepNeeded whether any token is due
    /// @return performData `abi.encode(address[] due)`, at most `MAX_PERFORM_TOKENS` of them
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData) {
        (uint256 first, uint256 count) = _range(checkData);
        address[] memory due = new address[](MAX_PERFORM_TOKENS);
        uint256 found;
        uint256 pages = Math.ceilDiv(count, PAGE);
        uint256 startPage = pages == 0 ? 0 : block.number % pages;
        for (uint256 p; p < pages && found < MAX_PERFORM_TOKENS && gasleft() >= CHECK_GAS_RESERVE; ++p) {
            uint256 offset = ((startPage + p) % pages) * PAGE;
            ILeveragedTokenFactory.TokenStatus[] memory statuses = factory.keeperStatuses(
                first + offset,
                Math.min(PAGE, count - offset)
            );
            for (uint256 i; i < statuses.length && found < MAX_PERFORM_TOKENS; ++i) {
                // A wiped-out token's action is always NONE; a retired one is wiped out.
                if (statuses[i].retired || statuses[i].action == ILeveragedToken.RebalanceAction.NONE) continue;
                due[found++] = statuses[i].token;
            }
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(due, found) // the array's length: the due tokens found (never more than allocated)
        }
        return (found != 0, abi.encode(due));
    }

    /// @notice Chainlink Automation: rebalances the tokens `checkUpkeep` found due, `abi.encode(address[])`, in one
    /// batch. Anyone may call it with anything: a token no longer due (another keeper was first), or any other
    /// address, is skipped; only a due token's rebalance happens, exactly as its own `rebalance()` would do it. The
    /// rewards go to `rewardRecipient`, or to the caller when it is the zero address.
    /// @param performData `abi.encode(address[] tokens)`, at most `MAX_PERFORM_TOKENS` of them
    function performUpkeep(bytes calldata performData) external override {
        ILeveragedToken[] memory tokens = abi.decode(performData, (ILeveragedToken[]));
        if (tokens.length > MAX_PERFORM_TOKENS) revert FactoryUpkeepTooManyTokens(tokens.length, MAX_PERFORM_TOKENS);
        address recipient = rewardRecipient;
        batcher.rebalanceFor(tokens, recipient == address(0) ? msg.sender : recipient);
    }

    /// @dev The factory indexes a check looks at: `[first, first + count)`, clamped to the tokens listed.
    function _range(bytes calldata checkData) private view returns (uint256 first, uint256 count) {
        uint256 listed = factory.tokenCount();
        if (checkData.length == 0) return (0, listed);
        if (checkData.length != 64) revert FactoryUpkeepInvalidCheckData(checkData.length);
        (first, count) = abi.decode(checkData, (uint256, uint256));
        if (first >= listed) return (first, 0);
        count = Math.min(count, listed - first);
    }
}
