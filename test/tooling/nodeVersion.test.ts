import { expect } from "chai";
import { satisfiesRange, supportedNodeRange } from "../../src/node/nodeVersion";

describe("supported Node versions (package.json engines)", () => {
  it("the range is what the README says: Node 20.19+ or 22.12+", () => {
    expect(supportedNodeRange()).to.equal("^20.19.0 || >=22.12.0");
  });

  const range = "^20.19.0 || >=22.12.0";
  for (const [version, supported] of [
    ["20.19.0", true],
    ["v20.20.2", true],
    ["20.18.3", false],
    ["18.20.4", false],
    ["21.7.3", false],
    ["22.11.0", false],
    ["22.12.0", true],
    ["24.1.0", true],
  ] as const) {
    it(`Node ${version} is ${supported ? "" : "not "}supported`, () => {
      expect(satisfiesRange(version, range)).to.equal(supported);
    });
  }

  it("this Node (the one running the tests) is supported", () => {
    expect(satisfiesRange(process.versions.node, supportedNodeRange())).to.equal(true);
  });
});
