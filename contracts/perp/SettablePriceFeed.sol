// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title SettablePriceFeed
/// @notice A Chainlink `AggregatorV3Interface` whose answers are pushed by holders of ORACLE_ROLE: the price feed
/// of local chains, and of testnet markets that have no Chainlink feed. Every push starts a new round stamped
/// with the block time; past rounds stay readable through `getRoundData`.
contract SettablePriceFeed is AggregatorV3Interface, AccessControl {
    /// @notice May push prices.
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    struct Round {
        int192 answer;
        uint64 updatedAt;
    }

    /// @dev The latest round in one slot, so that `latestRoundData` (read by every trade) costs one storage read.
    struct Latest {
        uint80 roundId;
        int112 answer;
        uint64 updatedAt;
    }

    /// @inheritdoc AggregatorV3Interface
    uint8 public immutable decimals;
    /// @inheritdoc AggregatorV3Interface
    string public description;
    Latest private _latest;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice A pushed answer was zero, negative or above int112 (a packed slot keeps the latest round).
    error PriceFeedInvalidAnswer(int256 answer);
    /// @notice No round has this id.
    error PriceFeedUnknownRound(uint80 roundId);
    /// @notice Decimals above 18 are not supported.
    error PriceFeedInvalidDecimals(uint8 decimals);
    /// @notice The admin may not be the zero address (the feed would be frozen for good).
    error PriceFeedZeroAdmin();

    /// @notice A new round was pushed (same shape as Chainlink's `AnswerUpdated`).
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @param decimals_ the answer's decimals (8 for Chainlink USD feeds)
    /// @param description_ e.g. "BTC / USD"
    /// @param admin the role admin; also granted ORACLE_ROLE
    /// @param initialAnswer the first round's answer
    constructor(uint8 decimals_, string memory description_, address admin, int256 initialAnswer) {
        if (decimals_ > 18) revert PriceFeedInvalidDecimals(decimals_);
        if (admin == address(0)) revert PriceFeedZeroAdmin();
        decimals = decimals_;
        description = description_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORACLE_ROLE, admin);
        _push(initialAnswer);
    }

    /// @notice Pushes a new answer stamped with the current block time. Only ORACLE_ROLE.
    function updateAnswer(int256 answer) external onlyRole(ORACLE_ROLE) {
        _push(answer);
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(
        uint80 roundId
    ) external view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) {
        Round memory r = _rounds[roundId];
        if (r.updatedAt == 0) revert PriceFeedUnknownRound(roundId);
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Latest memory r = _latest;
        return (r.roundId, r.answer, r.updatedAt, r.updatedAt, r.roundId);
    }

    function _push(int256 answer) private {
        if (answer <= 0 || answer > type(int112).max) revert PriceFeedInvalidAnswer(answer);
        uint80 roundId = _latest.roundId + 1;
        _latest = Latest(roundId, int112(answer), uint64(block.timestamp));
        _rounds[roundId] = Round(int192(answer), uint64(block.timestamp));
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
