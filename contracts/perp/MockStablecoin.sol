// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockStablecoin
/// @notice A 6-decimal USD stablecoin for local chains and testnets (the collateral of the exchange and the
/// leveraged tokens). Anyone may draw from a bounded faucet; the owner may mint any amount.
contract MockStablecoin is ERC20, ERC20Permit, Ownable {
    /// @notice The most one faucet call hands out (collateral units).
    uint256 public faucetAmountPerCall;
    /// @notice The most one address may draw from the faucet over its lifetime (collateral units).
    uint256 public faucetLimitPerAddress;

    mapping(address account => uint256 drawn) private _faucetDrawn;

    /// @notice A faucet call asked for more than one call may hand out.
    error FaucetAmountTooLarge(uint256 requested, uint256 maxPerCall);
    /// @notice A faucet call would take the caller past its lifetime limit.
    error FaucetLimitExceeded(address account, uint256 requested, uint256 alreadyDrawn, uint256 limit);
    /// @notice Zero was asked of the faucet.
    error FaucetZeroAmount();

    /// @notice The faucet handed out `amount` to `account`.
    event FaucetDrawn(address indexed account, uint256 amount);
    /// @notice The owner changed the faucet's bounds.
    event FaucetLimitsUpdated(uint256 amountPerCall, uint256 limitPerAddress);

    /// @param name_ the token name, e.g. "Mock USD Coin"
    /// @param symbol_ the token symbol, e.g. "USDC"
    /// @param owner_ the address allowed to mint and to change the faucet's bounds
    /// @param amountPerCall the faucet's bound per call (collateral units)
    /// @param limitPerAddress the faucet's bound per address (collateral units)
    constructor(
        string memory name_,
        string memory symbol_,
        address owner_,
        uint256 amountPerCall,
        uint256 limitPerAddress
    ) ERC20(name_, symbol_) ERC20Permit(name_) Ownable(owner_) {
        faucetAmountPerCall = amountPerCall;
        faucetLimitPerAddress = limitPerAddress;
        emit FaucetLimitsUpdated(amountPerCall, limitPerAddress);
    }

    /// @notice 6, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Hands `amount` to the caller, within the per-call and per-address bounds.
    function faucet(uint256 amount) external {
        if (amount == 0) revert FaucetZeroAmount();
        if (amount > faucetAmountPerCall) revert FaucetAmountTooLarge(amount, faucetAmountPerCall);
        uint256 drawn = _faucetDrawn[msg.sender];
        if (drawn + amount > faucetLimitPerAddress) {
            revert FaucetLimitExceeded(msg.sender, amount, drawn, faucetLimitPerAddress);
        }
        _faucetDrawn[msg.sender] = drawn + amount;
        _mint(msg.sender, amount);
        emit FaucetDrawn(msg.sender, amount);
    }

    /// @notice How much `account` has drawn from the faucet so far.
    function faucetDrawn(address account) external view returns (uint256) {
        return _faucetDrawn[account];
    }

    /// @notice Mints any amount. Only the owner.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Changes the faucet's bounds. Only the owner.
    function setFaucetLimits(uint256 amountPerCall, uint256 limitPerAddress) external onlyOwner {
        faucetAmountPerCall = amountPerCall;
        faucetLimitPerAddress = limitPerAddress;
        emit FaucetLimitsUpdated(amountPerCall, limitPerAddress);
    }
}
