// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";

/// @title TokenArgs
/// @notice What a token is fixed to at creation, carried in its code: each token is a minimal clone of one
/// implementation (OpenZeppelin's `Clones.cloneWithImmutableArgs`, EIP-1167's 45 bytes followed by these arguments),
/// so that creating one costs a few hundred thousand gas instead of deploying 24 KB of code.
/// @dev The arguments are six 32-byte words after the clone's 45 bytes of code (`CLONE_CODE_SIZE`). Reading one is
/// an EXTCODECOPY of the running contract's own code (about 110 gas), where an immutable of a contract deployed whole
/// is a PUSH32 (3 gas). Called on the implementation itself, every word reads as 0.
library TokenArgs {
    /// @dev The size of an EIP-1167 clone's code, after which OpenZeppelin's `Clones` puts the arguments.
    uint256 private constant CLONE_CODE_SIZE = 0x2d;

    /// @dev The word index of each argument.
    uint256 internal constant EXCHANGE = 0;
    uint256 internal constant MARKET_ID = 1;
    uint256 internal constant COLLATERAL = 2;
    /// @dev 10 ** (18 - collateral decimals): USD WAD per collateral unit.
    uint256 internal constant COLLATERAL_SCALE = 3;
    /// @dev Signed WAD, 0 < |L| <= LeverageMath.MAX_LEVERAGE.
    uint256 internal constant TARGET_LEVERAGE = 4;
    /// @dev Collateral units per whole token while the supply is 0.
    uint256 internal constant INITIAL_NAV = 5;

    /// @notice The arguments of a token on `marketId` of `exchange`: the collateral and its scale are the exchange's.
    function encode(
        IPerpExchange exchange,
        uint256 marketId,
        int256 targetLeverage,
        uint256 initialNav
    ) internal view returns (bytes memory) {
        IERC20 collateral = exchange.collateral();
        uint256 scale = 10 ** (18 - IERC20Metadata(address(collateral)).decimals());
        return pack(exchange, marketId, collateral, scale, targetLeverage, initialNav);
    }

    /// @notice The six arguments in their order in a clone's code, as `word` reads them (any values: unchecked).
    function pack(
        IPerpExchange exchange,
        uint256 marketId,
        IERC20 collateral,
        uint256 scale,
        int256 targetLeverage,
        uint256 initialNav
    ) internal pure returns (bytes memory) {
        return abi.encode(exchange, marketId, collateral, scale, targetLeverage, initialNav);
    }

    /// @notice The argument at word `index` of the running clone.
    function word(uint256 index) internal view returns (uint256 value) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(CLONE_CODE_SIZE, shl(5, index)), 0x20)
            value := mload(0x00)
        }
    }
}
