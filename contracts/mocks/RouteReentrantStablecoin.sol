// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title RouteReentrantStablecoin
/// @notice Test-only: a 6-decimal stablecoin with a transfer hook that fires on one route. Like
/// `ReentrantStablecoin`, but armed for the first transfer from `from` to `to` only (say the token's deposit into
/// the exchange, or the exchange's withdrawal to the token), so that a test can re-enter at that exact point of a
/// call that moves the coin several times. The hook calls `target` with `data` from this contract; in `bubble` mode
/// the callee's revert is re-raised, otherwise it is swallowed and recorded in `lastHookSucceeded` /
/// `lastHookResult`.
contract RouteReentrantStablecoin is ERC20 {
    address public hookFrom;
    address public hookTo;
    address public hookTarget;
    bytes public hookData;
    bool public hookBubbles;
    bool public armed;
    uint256 public hooksFired;
    bool public lastHookSucceeded;
    bytes public lastHookResult;

    constructor() ERC20("Route-reentrant USD", "rrUSD") {}

    /// @notice 6, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: the next transfer from `from` to `to` calls `target` with `data`.
    function arm(address from, address to, address target, bytes calldata data, bool bubble) external {
        hookFrom = from;
        hookTo = to;
        hookTarget = target;
        hookData = data;
        hookBubbles = bubble;
        armed = true;
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

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed || from != hookFrom || to != hookTo) return;
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
