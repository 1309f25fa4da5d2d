// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title ReentrantStablecoin
/// @notice Test-only: a 6-decimal stablecoin with a transfer hook, standing in for a collateral token that calls
/// out during `transfer` / `transferFrom` (ERC-777 style). Once armed, the next transfer (`arm`), or the next
/// transfer from one address to another (`armRoute`: say the token's deposit into the exchange, or the pair's flash
/// loan to an arbitrage, so that a test re-enters at that exact point of a call that moves the coin several times),
/// calls `target` with `data` from this contract. In `bubble` mode the callee's revert is re-raised, so the outer
/// call fails with the callee's error; otherwise it is swallowed and recorded in `lastHookSucceeded` /
/// `lastHookResult`.
contract ReentrantStablecoin is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public hookBubbles;
    bool public armed;
    /// @notice The route the hook fires on (`armRoute`); both zero: any transfer (`arm`).
    address public hookFrom;
    address public hookTo;
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
        _arm(address(0), address(0), target, data, bubble);
    }

    /// @notice Arms the hook for one route: the next transfer from `from` to `to` calls `target` with `data`.
    function armRoute(address from, address to, address target, bytes calldata data, bool bubble) external {
        _arm(from, to, target, data, bubble);
    }

    /// @notice Disarms the hook (one left armed by a transaction that reverted, say).
    function disarm() external {
        armed = false;
    }

    /// @notice Calls `target` with `data` from this contract, outside any transfer (the control case).
    function callFromCoin(address target, bytes calldata data) external returns (bytes memory) {
        return Address.functionCall(target, data);
    }

    /// @notice Approves `spender` to spend this contract's own balance (so that re-entered calls could pay).
    function approveFromCoin(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    function _arm(address from, address to, address target, bytes calldata data, bool bubble) private {
        (hookFrom, hookTo, hookTarget, hookData, hookBubbles, armed) = (from, to, target, data, bubble, true);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed) return;
        bool anyRoute = hookFrom == address(0) && hookTo == address(0);
        if (!anyRoute && (from != hookFrom || to != hookTo)) return;
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
