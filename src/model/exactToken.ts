/**
 * An exact model of one leveraged token and its exchange account: LeveragedToken.sol over PerpExchange.sol, in
 * bigint with the contracts' rounding, so that replaying the same operations at the same block times gives the same
 * state to the wei. Units as on chain: prices and sizes WAD, collateral in 6-decimal units, times in unix seconds.
 *
 * Left out on purpose (the model throws where the chain would revert only for the initial-margin check): the
 * insurance fund's balance (assumed large enough to pay every profit), price staleness and pausing. A liquidation
 * of the token's account by anyone is `liquidate` (it needs the market's maintenance margin and penalty).
 */
import { divCeil, mulDivDown, mulDivTowardZero, WAD } from "./fixedPoint";
import { ExactTokenRules } from "./token/rules";
import { type MarketParams, ModelRevert } from "./perp/types";
import { type TokenParams, MINIMUM_SHARES, type TokenModelState, feeUp } from "./token/types";

/** The model: the token's mint and redeem (and their previews) over its rules and its exchange account. */
export class ExactTokenModel extends ExactTokenRules {
  /** A model that continues from a state read off the chain. */
  static fromState(market: MarketParams, token: TokenParams, state: TokenModelState): ExactTokenModel {
    return new ExactTokenModel(market, token, state.now, state.price, state);
  }

  /** An independent copy (its fund ledger included), to ask "what if" without touching this one. */
  clone(): ExactTokenModel {
    const copy = ExactTokenModel.fromState(this.market, this.token, this.s);
    Object.assign(copy.ledger, this.ledger);
    return copy;
  }

  get state(): Readonly<TokenModelState> {
    return { ...this.s };
  }

  /** The token's settings (a copy; `setFees` changes the fees). */
  get token(): Readonly<TokenParams> {
    return { ...this.params };
  }

  /**
   * LeveragedToken.mint: returns the shares minted to the receiver, the mint fee (collateral units), the shares
   * assigned to the fee recipient for equity found at zero supply, and the dead shares the first mint locks.
   */
  mint(collateralIn: bigint): { shares: bigint; fee: bigint; assigned: bigint; dead: bigint } {
    if (collateralIn <= 0n) throw new ModelRevert("zero amount");
    if (this.s.wipedOut) throw new ModelRevert("wiped out");
    this.accrueManagementFee();
    let valueBefore = this.accountValue();
    let assigned = 0n;
    const first = this.s.supply === 0n;
    if (first) {
      assigned = valueBefore > 0n ? mulDivDown(valueBefore, WAD, this.params.initialNav) : 0n;
      this.s.supply = assigned;
    } else if (valueBefore <= 0n) {
      throw new ModelRevert("wiped out"); // a wipe-out is due
    } else if (this.rebalancesFirst(this.levered(valueBefore), this.s.size, this.s.supply)) {
      this.rebalanceNow("drift", valueBefore, this.s.size, this.s.supply);
      valueBefore = this.accountValue();
      if (valueBefore <= 0n) throw new ModelRevert("wiped out"); // the rebalance's fee took what was left
    }
    const fee = feeUp(collateralIn, BigInt(this.params.mintFeeBps));
    const net = collateralIn - fee;
    if (this.params.equityCap !== undefined && valueBefore + net > this.params.equityCap) {
      throw new ModelRevert("equity cap exceeded");
    }
    const sizeDelta = this.mintSizeDelta(net, valueBefore, first ? 0n : this.s.supply);
    if (net !== 0n) this.s.margin += net;
    if (sizeDelta !== 0n) this.trade(sizeDelta);
    const valueAfter = this.accountValue();
    let shares = this.sharesFor(valueAfter - valueBefore, valueBefore, this.s.supply);
    const dead = first ? MINIMUM_SHARES : 0n;
    if (first) {
      if (shares <= MINIMUM_SHARES) throw new ModelRevert("first mint too small");
      shares -= MINIMUM_SHARES;
    }
    if (shares === 0n) throw new ModelRevert("mint gives 0 shares");
    this.s.supply += shares + dead;
    return { shares, fee, assigned, dead };
  }

  /** LeveragedToken.previewMint: what `mint` would give now, or 0 where it reverts for value or size reasons. */
  previewMint(collateralIn: bigint): bigint {
    if (this.s.wipedOut || collateralIn <= 0n) return 0n;
    const model = this.clone();
    model.params = { ...model.params, equityCap: undefined }; // the preview ignores the cap
    try {
      return model.mint(collateralIn).shares;
    } catch (error) {
      if (error instanceof ModelRevert) return 0n;
      throw error;
    }
  }

  /** LeveragedToken.previewRedeem: what `redeem` would pay now; 0 for more shares than the supply. */
  previewRedeem(shares: bigint): bigint {
    if (shares <= 0n || shares > this.s.supply + this.pendingManagementFeeShares()) return 0n;
    return this.clone().redeem(shares).collateralOut;
  }

  /** LeveragedToken.redeem: returns what the redeemer receives and the redeem fee (collateral units). */
  redeem(shares: bigint): { collateralOut: bigint; fee: bigint } {
    if (shares <= 0n) throw new ModelRevert("zero amount");
    this.accrueManagementFee();
    const supply = this.s.supply;
    if (shares > supply) throw new ModelRevert("more shares than the supply");
    this.s.supply -= shares;
    let gross: bigint;
    if (this.s.wipedOut) {
      gross = mulDivDown(this.s.margin, shares, supply);
    } else {
      let valueBefore = this.accountValue();
      // What stays for the holders besides the dead shares is dust: close the whole position (the last redeem
      // leaves none).
      const closeAll =
        valueBefore <= 0n ||
        this.isDust(this.liveValue(divCeil(valueBefore * (supply - shares), supply), supply - shares));
      if (!closeAll && this.isOverLevered(this.levered(valueBefore), this.s.size)) {
        this.rebalanceNow("drift", valueBefore, this.s.size, supply);
        valueBefore = this.accountValue();
      }
      if (valueBefore <= 0n) {
        // Nothing is left (under water, or the rebalance's fee took the rest): the token is wiped out.
        this.wipeOut();
        gross = mulDivDown(this.s.margin, shares, supply);
      } else {
        const sizeDelta = closeAll ? -this.s.size : -mulDivTowardZero(this.s.size, shares, supply);
        if (sizeDelta !== 0n) this.trade(sizeDelta);
        const valueAfter = this.accountValue();
        const keep = divCeil(valueBefore * (supply - shares), supply);
        // The redeemer's share, whatever part of it is unrealized profit: the withdrawal realizes what it needs.
        gross = valueAfter > keep ? valueAfter - keep : 0n;
      }
    }
    const fee = feeUp(gross, this.params.redeemFeeBps);
    if (gross !== 0n) this.withdraw(gross);
    return { collateralOut: gross - fee, fee };
  }
}
