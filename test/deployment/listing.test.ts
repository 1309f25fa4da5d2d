import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseUnits } from "ethers";
import { isListableLeverage, leverageWad, parseLeverage, tokenSymbol } from "../../src/deployment/listing";
import { deploymentSpecSchema } from "../../src/deployment/spec";
import { UserError } from "../../src/text/userError";
import { deploySystem } from "../helpers/system";

/** The TypeScript side of listing a token agrees with LeveragedTokenFactory.createToken, input by input. */
describe("listing rules: the leverage rule and the symbol rule agree with the factory", () => {
  const inputs = ["1", "-1", "3", "-3", "10", "-10", "11", "-11", "0", "1.5", "-2.5", "0.5", "100"];

  for (const input of inputs) {
    it(`leverage "${input}": the parser accepts it exactly when the factory lists it, under the same symbol`, async () => {
      const { factory } = await loadFixture(deploySystem);
      let parsed: number | undefined;
      try {
        parsed = parseLeverage(input);
      } catch (error) {
        expect(error).to.be.instanceOf(UserError);
        expect((error as Error).message).to.equal(
          `--leverage must be a whole number between -10 and 10 other than 0 (e.g. 3 or -2), not "${input}"`,
        );
      }
      const wad = parseUnits(input, 18);
      if (parsed === undefined) {
        await expect(factory.createToken(0, wad)).to.be.revertedWithCustomError(factory, "FactoryInvalidLeverage");
        return;
      }
      expect(leverageWad(parsed)).to.equal(wad);
      await factory.createToken(0, wad);
      const token = await ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, wad));
      expect(await token.symbol()).to.equal(tokenSymbol("BTC", parsed));
      expect(await factory.tokenBySymbol(tokenSymbol("BTC", parsed))).to.equal(await token.getAddress());
    });
  }

  it("a deployment spec takes the same rule", () => {
    const spec = (leverage: number) => ({ tokens: [{ market: "BTC", leverage }] });
    const tokenRule = deploymentSpecSchema.shape.tokens;
    for (const leverage of [3, -1, 10, -10]) {
      expect(tokenRule.safeParse(spec(leverage).tokens).success, String(leverage)).to.equal(true);
      expect(isListableLeverage(leverage)).to.equal(true);
    }
    for (const leverage of [0, 11, -11, 2.5]) {
      expect(tokenRule.safeParse(spec(leverage).tokens).success, String(leverage)).to.equal(false);
      expect(isListableLeverage(leverage)).to.equal(false);
    }
  });

  it("parses a missing or malformed value with one clear message", () => {
    expect(() => parseLeverage(undefined)).to.throw(UserError, "--leverage is required");
    expect(() => parseLeverage("three")).to.throw(UserError, 'not "three"');
    expect(() => parseLeverage("+3")).to.throw(UserError, 'not "+3"');
    expect(parseLeverage(" -2 ")).to.equal(-2);
  });
});
