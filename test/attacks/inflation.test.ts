import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { expectBooksBalance } from "../helpers/books";
import { usdc } from "../helpers/units";
import { attackSystem, WALLET } from "./setup";

/**
 * The first-depositor (share inflation) attack on a NAV-priced token: the attacker mints the smallest amount,
 * donates to push NAV per share up, and hopes the victim's mint rounds down to (almost) nothing so the attacker's
 * few shares own the victim's money. Shares have 18 decimals against 6 of the stablecoin (one unit of stablecoin
 * is 1e10 shares at the initial NAV of 100), and a mint of 0 shares reverts, so the rounding the attacker can
 * steal is below one share's worth, far less than the donation it costs.
 */
describe("attack: first depositor inflates NAV with a donation", () => {
  const fixture = () => attackSystem();

  const donations = [
    { how: "exchange.deposit for the token's account", amount: usdc(10_000) },
    { how: "plain transfer to the token contract", amount: usdc(10_000) },
    { how: "plain transfer to the exchange contract", amount: usdc(10_000) },
  ];
  for (const { how, amount } of donations) {
    for (const victimIn of [usdc(1), usdc(5_000), usdc("0.000003")]) {
      it(`${how} (${amount / 10n ** 6n} USDC) before a victim mints ${victimIn} units: attacker profit <= 0`, async () => {
        const s = await loadFixture(fixture);
        const { long, exchange, usdc: stable, attacker, alice } = s;
        const tokenAddress = await long.getAddress();

        await long.connect(attacker).mint(1n, 0, attacker.address); // one unit of stablecoin
        const attackerShares = await long.balanceOf(attacker.address);
        expect(attackerShares).to.be.greaterThan(0n);
        if (how.startsWith("exchange.deposit")) {
          await exchange.connect(attacker).deposit(0, tokenAddress, amount);
        } else if (how.includes("token contract")) {
          await stable.connect(attacker).transfer(tokenAddress, amount);
        } else {
          await stable.connect(attacker).transfer(await exchange.getAddress(), amount);
        }

        // The victim mints with the preview as its slippage limit; a mint worth 0 shares is refused outright.
        const expected = await long.previewMint(victimIn);
        if (expected === 0n) {
          await expect(long.connect(alice).mint(victimIn, 0, alice.address)).to.be.revertedWithCustomError(
            long,
            "LeveragedTokenMintSlippage",
          );
        } else {
          await long.connect(alice).mint(victimIn, expected, alice.address);
        }

        // The attacker leaves first, then the victim.
        await long.connect(attacker).redeem(attackerShares, 0, attacker.address);
        const profit = (await stable.balanceOf(attacker.address)) - WALLET;
        expect(profit, "attacker profit").to.be.at.most(0n);
        const victimShares = await long.balanceOf(alice.address);
        if (victimShares > 0n) await long.connect(alice).redeem(victimShares, 0, alice.address);
        // The victim loses at most a few units of rounding (one share's worth of the inflated NAV is < 1 unit
        // until the donation passes 1e10 units, plus a unit per rounding of equity).
        expect(await stable.balanceOf(alice.address)).to.be.at.least(WALLET - 3n);
        if (how.includes("exchange contract")) {
          // A plain transfer to the exchange is credited to nobody: the balance exceeds margins + fund by it.
          const margins = await exchange.margin(tokenAddress, 0);
          expect(await stable.balanceOf(await exchange.getAddress())).to.equal(
            (await exchange.fundBalance()) + margins + amount,
          );
        } else {
          await expectBooksBalance(exchange, stable, s.accounts);
        }
      });
    }
  }
});

/**
 * Known limit (reported, not fixed here): with a donation far beyond 1e10 units (10,000 USDC) per share unit held,
 * one share unit is worth more than one unit of stablecoin, and the victim's mint, rounded down to whole share units,
 * leaves up to one share unit's worth with the attacker. The bound is what this test pins: the attacker gains at
 * most one share unit's worth (here under 100 units = 0.0001 USDC for 900,000 USDC donated), exactly what the
 * victim loses, and never the victim's deposit.
 */
describe("attack: first depositor with a huge donation gains at most one share unit's worth", () => {
  const fixture = () => attackSystem();
  for (const victimIn of [usdc(1), usdc(5_000)]) {
    it(`900,000 USDC donated, victim mints ${victimIn} units`, async () => {
      const s = await loadFixture(fixture);
      const { long, exchange, usdc: stable, attacker, alice } = s;
      await long.connect(attacker).mint(1n, 0, attacker.address);
      const attackerShares = await long.balanceOf(attacker.address);
      await exchange.connect(attacker).deposit(0, await long.getAddress(), usdc(900_000));
      const oneShareWorth = ((await long.equity()) + attackerShares - 1n) / attackerShares;
      await long.connect(alice).mint(victimIn, await long.previewMint(victimIn), alice.address);
      await long.connect(attacker).redeem(attackerShares, 0, attacker.address);
      await long.connect(alice).redeem(await long.balanceOf(alice.address), 0, alice.address);
      const profit = (await stable.balanceOf(attacker.address)) - WALLET;
      const victimLoss = WALLET - (await stable.balanceOf(alice.address));
      expect(profit).to.be.at.most(oneShareWorth);
      expect(profit).to.be.at.most(victimLoss);
      expect(oneShareWorth).to.be.lessThan(100n);
      await expectBooksBalance(exchange, stable, s.accounts);
    });
  }
});
