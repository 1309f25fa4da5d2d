// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @notice An EIP-2612 permit's signature and its deadline, as the `...WithPermit` functions take it: the owner is the
/// caller, the spender the contract called and the value the amount in, so those are not repeated here.
/// @param deadline the last block time the permit is good for
/// @param v the signature's recovery byte
/// @param r the signature's r
/// @param s the signature's s
struct PermitSignature {
    uint256 deadline;
    uint8 v;
    bytes32 r;
    bytes32 s;
}

/// @title PermitSignatures
/// @notice Applies a `PermitSignature`: the one place the `...WithPermit` functions call a coin's `permit`.
library PermitSignatures {
    /// @dev Tries `signature` as a permit of `value` of `coin` from the caller (`msg.sender`) to the calling contract.
    /// A permit seen in the mempool can be submitted by anyone first, so a failure is not an error here: the caller
    /// decides (OpenZeppelin's advice on permit front-running: go on when the allowance is there anyway).
    /// @return applied whether the permit went through
    function tryPermit(
        PermitSignature calldata signature,
        address coin,
        uint256 value
    ) internal returns (bool applied) {
        try
            IERC20Permit(coin).permit(
                msg.sender,
                address(this),
                value,
                signature.deadline,
                signature.v,
                signature.r,
                signature.s
            )
        {
            return true;
        } catch {
            return false;
        }
    }
}
