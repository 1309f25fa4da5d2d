// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title ReentrantStablecoin
/// @notice Test-only: a 6-decimal stablecoin with a transfer hook, standing in for a collateral token that calls
/// out during `transfer` / `transferFrom` (ERC-777 style). Once armed, the next transfer calls `target` with `data`
/// from this contract. In `bubble` mode the callee's revert is re-raised, so the outer call fails with the callee's
/// error; otherwise it is swallowed and recorded in `lastHookSucceeded` / `lastHookResult`.
contract ReentrantStablecoin is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public hookBubbles;
    bool public armed;
    uint256 public hooksFired;
    bool public lastHookSucceeded;
    bytes public lastHookResult;

    constructor() ERC20("Reentrant USD", "rUSD") {}

    /// @notice 6, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: the next transfer calls `target` with `data`.
    function arm(address target, bytes calldata data, bool bubble) external {
        hookTarget = target;
        hookData = data;
        hookBubbles = bubble;
        armed = true;
    }

    /// @notice Calls `target` with `data` from this contract, outside any transfer (the control case).
    function callFromCoin(address target, bytes calldata data) external returns (bytes memory) {
        return Address.functionCall(target, data);
    }

    /// @notice Approves `spender` to spend this contract's own balance (so a re-entered mint could pay).
    function approveFromCoin(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed) return;
        armed = false;
        ++hooksFired;
        if (hookBubbles) {
            Address.functionCall(hookTarget, hookData);
        } else {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = hookTarget.call(hookData);
            lastHookSucceeded = ok;
            lastHookResult = result;
        }
    }
}
