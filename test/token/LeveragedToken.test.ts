import { wad } from "../helpers/units";
import { shouldBehaveLikeLeveragedToken } from "./LeveragedToken.behavior";

describe("LeveragedToken", () => {
  for (const [name, leverage] of [
    ["BTC2L (2x long)", wad(2)],
    ["BTC3L (3x long)", wad(3)],
    ["BTC1S (1x short)", wad(-1)],
    ["BTC3S (3x short)", wad(-3)],
  ] as const) {
    describe(name, () => shouldBehaveLikeLeveragedToken(leverage));
  }
});
