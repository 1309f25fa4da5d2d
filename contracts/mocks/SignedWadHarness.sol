// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SignedWad} from "../libraries/SignedWad.sol";

/// @title SignedWadHarness
/// @notice Test-only: exposes the internal `SignedWad` library functions so the test suite can call them.
contract SignedWadHarness {
    function mulDivDown(int256 a, uint256 b, uint256 d) external pure returns (int256) {
        return SignedWad.mulDivDown(a, b, d);
    }

    function mulDivUp(int256 a, uint256 b, uint256 d) external pure returns (int256) {
        return SignedWad.mulDivUp(a, b, d);
    }

    function mulDivTowardZero(int256 a, uint256 b, uint256 d) external pure returns (int256) {
        return SignedWad.mulDivTowardZero(a, b, d);
    }

    function divFloor(int256 a, uint256 d) external pure returns (int256) {
        return SignedWad.divFloor(a, d);
    }

    function divCeil(int256 a, uint256 d) external pure returns (int256) {
        return SignedWad.divCeil(a, d);
    }
}
