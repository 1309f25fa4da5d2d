// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LeveragedToken} from "./LeveragedToken.sol";

/// @title LeveragedTokenDeployer
/// @notice Holds the token's creation code so that the factory stays under the contract size limit.
/// Anyone may deploy a token through it; only tokens created by the factory are listed in the registry.
contract LeveragedTokenDeployer {
    /// @notice Deploys a token with `params`.
    function deploy(LeveragedToken.TokenParams calldata params) external returns (LeveragedToken) {
        return new LeveragedToken(params);
    }
}
