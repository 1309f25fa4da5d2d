// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title SignedWad
/// @notice Signed fixed-point helpers with an explicit rounding direction: "down" is toward negative infinity,
/// "up" toward positive infinity, whatever the sign. The `mulDiv*` functions take their magnitudes through
/// OpenZeppelin's full-precision `Math.mulDiv`, so intermediate products never overflow; `divFloor` and `divCeil`
/// divide a numerator the caller computed itself, in plain (checked) 256-bit arithmetic, where its bounds allow.
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

    /// @notice `a / d` rounded toward negative infinity, for any `a` and `d > 0` (a zero `d` panics). Plain 256-bit
    /// arithmetic: callers compute `a` as a checked product where its bounds allow (cheaper than `mulDivDown`).
    function divFloor(int256 a, uint256 d) internal pure returns (int256 q) {
        if (d > uint256(type(int256).max)) return a >= 0 ? int256(0) : -1; // |a| <= d: the quotient is in [-1, 1)
        int256 divisor = int256(d);
        q = a / divisor;
        if (a < 0 && a % divisor != 0) --q;
    }

    /// @notice `a / d` rounded toward positive infinity, for any `a` and `d > 0` (a zero `d` panics); as `divFloor`.
    function divCeil(int256 a, uint256 d) internal pure returns (int256 q) {
        if (d > uint256(type(int256).max)) {
            // |a| <= d: the quotient is in [-1, 1], and -1 only for type(int256).min / 2^255
            if (a > 0) return 1;
            return a == type(int256).min && d == uint256(type(int256).max) + 1 ? -1 : int256(0);
        }
        int256 divisor = int256(d);
        q = a / divisor;
        if (a > 0 && a % divisor != 0) ++q;
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
