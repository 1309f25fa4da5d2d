// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title SignedWad
/// @notice Signed fixed-point helpers with an explicit rounding direction: "down" is toward negative infinity,
/// "up" toward positive infinity, whatever the sign. Magnitudes go through OpenZeppelin's full-precision
/// `Math.mulDiv`, so intermediate products never overflow.
library SignedWad {
    /// @notice `a * b / d` rounded toward negative infinity. Reverts if `d` is 0 or the result exceeds int256.
    function mulDivDown(int256 a, uint256 b, uint256 d) internal pure returns (int256) {
        if (a >= 0) return _toInt(Math.mulDiv(uint256(a), b, d));
        return _negate(Math.mulDiv(SignedMath.abs(a), b, d, Math.Rounding.Ceil));
    }

    /// @notice `a * b / d` rounded toward positive infinity. Reverts if `d` is 0 or the result exceeds int256.
    function mulDivUp(int256 a, uint256 b, uint256 d) internal pure returns (int256) {
        if (a >= 0) return _toInt(Math.mulDiv(uint256(a), b, d, Math.Rounding.Ceil));
        return _negate(Math.mulDiv(SignedMath.abs(a), b, d));
    }

    /// @notice `a * b / d` rounded toward zero (the magnitude rounded down, the sign kept).
    function mulDivTowardZero(int256 a, uint256 b, uint256 d) internal pure returns (int256) {
        if (a >= 0) return _toInt(Math.mulDiv(uint256(a), b, d));
        return _negate(Math.mulDiv(SignedMath.abs(a), b, d));
    }

    /// @notice `a / d` rounded toward negative infinity.
    function divFloor(int256 a, uint256 d) internal pure returns (int256) {
        if (a >= 0) return _toInt(uint256(a) / d);
        return _negate(Math.ceilDiv(SignedMath.abs(a), d));
    }

    function _toInt(uint256 x) private pure returns (int256) {
        return SafeCast.toInt256(x);
    }

    /// @dev -x as int256, for a magnitude up to 2^255 (type(int256).min), which `_toInt` alone would reject.
    function _negate(uint256 x) private pure returns (int256) {
        if (x == uint256(type(int256).max) + 1) return type(int256).min;
        return -_toInt(x);
    }
}
