import { expect } from "chai";
import { AbiCoder, ParamType, Result } from "ethers";
import { decodeAbi } from "../../src/chain/abiDecode";

/** ethers' decoding as plain values (tuples as objects by name, arrays as arrays), for comparison. */
function plain(value: unknown, type: ParamType): unknown {
  if (type.baseType === "tuple") {
    const r = value as Result;
    return Object.fromEntries(type.components!.map((c, i) => [c.name || String(i), plain(r[i], c)]));
  }
  if (type.baseType === "array") return (value as Result).map((v) => plain(v, type.arrayChildren!));
  return value;
}

describe("the fast ABI decoder (src/chain/abiDecode.ts)", () => {
  const coder = AbiCoder.defaultAbiCoder();
  const cases: [string, string[], unknown[]][] = [
    [
      "static words",
      ["uint256", "int256", "int64", "bool", "address", "bytes4", "uint8"],
      [
        2n ** 255n + 7n,
        -12345678901234567890n,
        -1n,
        true,
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0xdeadbeef",
        255,
      ],
    ],
    ["strings and bytes", ["string", "string", "bytes", "string"], ["BTC 3x Long", "", "0x0102030405", "ETH ∞ Ω"]],
    [
      "arrays",
      ["uint256[]", "string[]", "int8[3]", "uint256[][]"],
      [
        [1n, 2n, 3n],
        ["a", "", "bc"],
        [-1, 0, 1],
        [[1n], [], [2n, 3n]],
      ],
    ],
    [
      "tuples in arrays (the lens's shape)",
      [
        "tuple(uint256 blockNumber, uint256 timestamp)",
        "tuple(address token, string symbol, int256 leverage, tuple(uint16 mintFeeBps, uint64 rate, address recipient) fees, bool paused, string name)[]",
      ],
      [
        [10n, 20n],
        [
          [
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "BTC3L",
            -3n * 10n ** 18n,
            [10n, 5n, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
            false,
            "BTC 3x Long",
          ],
          [
            "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
            "ETH2L",
            2n * 10n ** 18n,
            [0n, 0n, "0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
            true,
            "",
          ],
        ],
      ],
    ],
  ];

  for (const [name, signatures, values] of cases) {
    it(`decodes ${name} as ethers does`, () => {
      const types = signatures.map((s) => ParamType.from(s));
      const data = coder.encode(types, values);
      const theirs = coder.decode(types, data).map((v, i) => plain(v, types[i]));
      expect(decodeAbi(types, data)).to.deep.equal(theirs);
    });
  }

  it("refuses data too short for its types instead of reading past it", () => {
    const types = [ParamType.from("string")];
    const data = coder.encode(types, ["a longer string than one word, to be cut short"]);
    expect(() => decodeAbi(types, data.slice(0, data.length - 64))).to.throw(RangeError);
    expect(() => decodeAbi([ParamType.from("uint256")], "0x1234")).to.throw("ABI data too short");
  });
});
