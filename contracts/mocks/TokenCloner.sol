// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {TokenArgs} from "../libraries/TokenArgs.sol";

/// @notice Test-only: clones a token implementation with any arguments, as the factory would with checked ones, and
/// initializes it in the same call, so that the token's own checks of its arguments can be exercised.
contract TokenCloner {
    event Cloned(address token);

    function cloneAndInitialize(
        address implementation,
        address exchange,
        uint256 marketId,
        address collateral,
        uint256 scale,
        int256 targetLeverage,
        uint256 initialNav,
        ILeveragedToken.InitParams calldata params
    ) external returns (address token) {
        token = Clones.cloneWithImmutableArgs(
            implementation,
            TokenArgs.pack(IPerpExchange(exchange), marketId, IERC20(collateral), scale, targetLeverage, initialNav)
        );
        ILeveragedToken(token).initialize(params);
        emit Cloned(token);
    }
}
