// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title CloneERC20Permit
/// @notice OpenZeppelin's ERC-20 with EIP-2612 permits, for a contract that runs as a clone: its name and symbol are
/// set once by `_initERC20` (a clone runs no constructor), and its EIP-712 domain is the clone's own (its name,
/// version "1", the chain, the clone's address).
/// @dev OpenZeppelin's `ERC20Permit` keeps its domain in immutables set by a constructor, which every clone of an
/// implementation would share (the implementation's name). Here the domain separator is computed on each permit
/// (one keccak of the name, about 1,000 gas; a permit is rare next to a transfer). Transfers are OpenZeppelin's
/// unchanged. The errors are `ERC20Permit`'s.
abstract contract CloneERC20Permit is ERC20, IERC20Permit, Nonces {
    // The type strings are EIP-712's; the hashes are computed at compile time.
    // solhint-disable gas-small-strings
    bytes32 private constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant TYPE_HASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    // solhint-enable gas-small-strings
    bytes32 private constant HASHED_VERSION = keccak256("1");

    /// @notice The permit's deadline has passed.
    error ERC2612ExpiredSignature(uint256 deadline);
    /// @notice The permit was signed by `signer`, not by `owner`.
    error ERC2612InvalidSigner(address signer, address owner);

    string private _tokenName;
    string private _tokenSymbol;

    /// @dev The name and symbol OpenZeppelin's ERC-20 keeps are left empty: `name()` and `symbol()` read this
    /// contract's, which `_initERC20` sets.
    constructor() ERC20("", "") {}

    function _initERC20(string memory name_, string memory symbol_) internal {
        (_tokenName, _tokenSymbol) = (name_, symbol_);
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @inheritdoc IERC20Permit
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline));
        address signer = ECDSA.recover(MessageHashUtils.toTypedDataHash(DOMAIN_SEPARATOR(), structHash), v, r, s);
        if (signer != owner) revert ERC2612InvalidSigner(signer, owner);
        _approve(owner, spender, value);
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc IERC20Permit
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return
            keccak256(
                abi.encode(TYPE_HASH, keccak256(bytes(_tokenName)), HASHED_VERSION, block.chainid, address(this))
            );
    }
}
