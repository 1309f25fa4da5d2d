// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LeveragedToken} from "./LeveragedToken.sol";

/// @title LeveragedTokenDeployer
/// @notice Holds the token's creation code so that the factory stays under the contract size limit.
/// Anyone may deploy a token through it; only tokens created by the factory are listed in the registry.
/// @dev The creation code (about 23 KB) is too close to the 24,576-byte limit on a contract's code to live in this
/// contract's code. Its constructor writes it instead into data contracts, as many as needed, each the code
/// `0x00 ++ chunk` (a leading STOP so that calling one does nothing) with a chunk of at most 24,575 bytes, so that
/// every data contract fits the limit (EIP-170). `deploy` reads them back with EXTCODECOPY into one buffer. Only the
/// token's runtime code must then stay under 24,576 bytes. The data contracts are this contract's first CREATEs, at
/// nonces 1, 2, ...: their addresses follow from this contract's address, and only their number and the code's size
/// are kept (immutables, no storage read). The code instrumented by solidity-coverage is several times larger than
/// the token's and takes more chunks on the same path.
contract LeveragedTokenDeployer {
    /// @notice Deploying a data contract or the token failed.
    error LeveragedTokenDeployerFailed();
    /// @notice The creation code needs more data contracts than their addresses allow (nonces 1 to 127).
    error LeveragedTokenDeployerCodeTooLarge(uint256 size);

    /// @dev The most a data contract holds: with its leading STOP, its code is 24,576 bytes (EIP-170's limit).
    uint256 private constant CHUNK_SIZE = 24_575;
    /// @dev Nonces 1 to 127 are one byte in the RLP of a CREATE address (see `_chunkAddress`).
    uint256 private constant MAX_CHUNKS = 127;

    uint256 private immutable _codeSize;
    uint256 private immutable _chunks;

    constructor() {
        bytes memory code = type(LeveragedToken).creationCode;
        uint256 chunks = (code.length + CHUNK_SIZE - 1) / CHUNK_SIZE;
        if (chunks > MAX_CHUNKS) revert LeveragedTokenDeployerCodeTooLarge(code.length);
        for (uint256 i = 0; i < chunks; ++i) {
            uint256 offset = i * CHUNK_SIZE;
            uint256 size = code.length - offset < CHUNK_SIZE ? code.length - offset : CHUNK_SIZE;
            bytes memory chunk = new bytes(size);
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mcopy(add(chunk, 0x20), add(add(code, 0x20), offset), size)
            }
            if (_store(chunk) != _chunkAddress(i)) revert LeveragedTokenDeployerFailed();
        }
        _codeSize = code.length;
        _chunks = chunks;
    }

    /// @notice Deploys a token with `params`; bubbles up the token constructor's revert (its named error).
    function deploy(LeveragedToken.TokenParams calldata params) external returns (LeveragedToken token) {
        bytes memory args = abi.encode(params);
        uint256 codeSize = _codeSize;
        bytes memory initCode = new bytes(codeSize + args.length);
        uint256 chunks = _chunks;
        for (uint256 i = 0; i < chunks; ++i) {
            address pointer = _chunkAddress(i);
            uint256 offset = i * CHUNK_SIZE;
            uint256 size = codeSize - offset < CHUNK_SIZE ? codeSize - offset : CHUNK_SIZE;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                extcodecopy(pointer, add(add(initCode, 0x20), offset), 1, size)
            }
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mcopy(add(add(initCode, 0x20), codeSize), add(args, 0x20), mload(args))
            token := create(0, add(initCode, 0x20), mload(initCode))
            if iszero(token) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
        }
    }

    /// @dev Deploys a contract whose code is `0x00 ++ data`. Its init code is 12 bytes that copy the rest of the init
    /// code to memory and return it: PUSH2 size, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN. `data` is at most
    /// CHUNK_SIZE bytes, so its size + 1 fits PUSH2's two bytes.
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

    /// @dev The address of the `i`-th data contract: CREATE's, keccak256(rlp([this, nonce]))[12:], for nonce i + 1
    /// (a contract's nonce starts at 1, EIP-161), whose RLP is one byte while it is below 128.
    function _chunkAddress(uint256 i) private view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"d6_94", address(this), uint8(i + 1))))));
    }
}
