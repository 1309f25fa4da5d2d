// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LeveragedToken} from "./LeveragedToken.sol";

/// @title LeveragedTokenDeployer
/// @notice Holds the token's creation code so that the factory stays under the contract size limit.
/// Anyone may deploy a token through it; only tokens created by the factory are listed in the registry.
/// @dev The creation code (about 23 KB) is too close to the 24,576-byte limit on a contract's code to live in this
/// contract's code. Its constructor (whose init code may reach 49,152 bytes) writes it instead into two data
/// contracts, each the code `0x00 ++ chunk` (a leading STOP so that calling one does nothing), and `deploy` reads them
/// back with EXTCODECOPY. Only the token's runtime code must then stay under 24,576 bytes.
contract LeveragedTokenDeployer {
    /// @notice Deploying a data contract or the token failed.
    error LeveragedTokenDeployerFailed();

    address private immutable _firstHalf;
    address private immutable _secondHalf;

    constructor() {
        bytes memory code = type(LeveragedToken).creationCode;
        uint256 half = code.length / 2;
        bytes memory first = new bytes(half);
        bytes memory second = new bytes(code.length - half);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mcopy(add(first, 0x20), add(code, 0x20), half)
            mcopy(add(second, 0x20), add(add(code, 0x20), half), sub(mload(code), half))
        }
        _firstHalf = _store(first);
        _secondHalf = _store(second);
    }

    /// @notice Deploys a token with `params`; bubbles up the token constructor's revert (its named error).
    function deploy(LeveragedToken.TokenParams calldata params) external returns (LeveragedToken token) {
        bytes memory initCode = bytes.concat(_load(_firstHalf), _load(_secondHalf), abi.encode(params));
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            token := create(0, add(initCode, 0x20), mload(initCode))
            if iszero(token) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
        }
    }

    /// @dev Deploys a contract whose code is `0x00 ++ data`. Its init code is 12 bytes that copy the rest of the init
    /// code to memory and return it: PUSH2 size, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN.
    function _store(bytes memory data) private returns (address pointer) {
        bytes memory initCode = abi.encodePacked(
            hex"61",
            uint16(data.length + 1),
            hex"80_60_0c_60_00_39_60_00_f3_00",
            data
        );
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            pointer := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (pointer == address(0)) revert LeveragedTokenDeployerFailed();
    }

    /// @dev The data a `_store` contract holds (its code without the leading STOP).
    function _load(address pointer) private view returns (bytes memory data) {
        uint256 size = pointer.code.length - 1;
        data = new bytes(size);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 0x20), 1, size)
        }
    }
}
