// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title RehearsalFeed
/// @notice A Chainlink-like price feed for the rehearsal of a public chain on a local node: its runtime code is
/// planted with `hardhat_setCode` at the address of the network's real feed, and its storage is written with
/// `hardhat_setStorageAt` (no constructor runs there: nothing is immutable, and the layout below is what
/// `scripts/rehearse/feeds.ts` writes). Round ids count from Chainlink's phase 1 (`1 << 64`), as a proxy's do.
/// The owner pushes rounds; whether a round is due (deviation or heartbeat) is decided off chain, as Chainlink's
/// nodes do.
contract RehearsalFeed is AggregatorV3Interface {
    struct Round {
        int192 answer;
        uint64 updatedAt;
    }

    // Slot 0: owner, decimals and the latest round id, packed. Slot 1: description. Slot 2: the rounds.
    address private _owner;
    uint8 private _decimals;
    uint80 private _latestRound;
    string private _description;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice Only the owner may push a round.
    error RehearsalFeedNotOwner(address caller, address owner);
    /// @notice A pushed answer was zero, negative or beyond int192.
    error RehearsalFeedInvalidAnswer(int256 answer);
    /// @notice No round has this id.
    error RehearsalFeedUnknownRound(uint80 roundId);

    /// @notice A new round was pushed (Chainlink's event).
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @notice Pushes a new round stamped with the block time. Only the owner.
    function updateAnswer(int256 answer) external {
        if (msg.sender != _owner) revert RehearsalFeedNotOwner(msg.sender, _owner);
        if (answer <= 0 || answer > type(int192).max) revert RehearsalFeedInvalidAnswer(answer);
        uint80 roundId = _latestRound + 1;
        _latestRound = roundId;
        _rounds[roundId] = Round(int192(answer), uint64(block.timestamp));
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }

    /// @notice Who may push rounds.
    function owner() external view returns (address) {
        return _owner;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(
        uint80 roundId
    ) external view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) {
        return _round(roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return _round(_latestRound);
    }

    function _round(uint80 roundId) private view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[roundId];
        if (r.updatedAt == 0) revert RehearsalFeedUnknownRound(roundId);
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }
}
