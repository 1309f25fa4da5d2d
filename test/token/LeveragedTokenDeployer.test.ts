import { expect } from "chai";
import { ethers } from "hardhat";

/** EIP-170: the most code a contract may have. */
const MAX_CODE = 24_576;

describe("LeveragedTokenDeployer: the token's creation code in data contracts", () => {
  it("holds it in as many data contracts as needed (its first CREATEs), each 0x00 ++ a chunk within EIP-170", async () => {
    const deployer = await ethers.deployContract("LeveragedTokenDeployer");
    const from = await deployer.getAddress();
    const creationCode = (await ethers.getContractFactory("LeveragedToken")).bytecode;
    const chunks: string[] = [];
    for (let nonce = 1; ; nonce++) {
      const code = await ethers.provider.getCode(ethers.getCreateAddress({ from, nonce }));
      if (code === "0x") break;
      chunks.push(code);
    }
    // Instrumented by solidity-coverage, the creation code is several times larger and takes more chunks.
    expect(chunks.length).to.equal(Math.ceil(ethers.dataLength(creationCode) / (MAX_CODE - 1)));
    for (const [i, code] of chunks.entries()) {
      expect(ethers.dataSlice(code, 0, 1), `chunk ${i} starts with STOP`).to.equal("0x00");
      if (i < chunks.length - 1) expect(ethers.dataLength(code), `chunk ${i}`).to.equal(MAX_CODE);
      else expect(ethers.dataLength(code), `chunk ${i}`).to.be.at.most(MAX_CODE);
    }
    expect(ethers.concat(chunks.map((code) => ethers.dataSlice(code, 1)))).to.equal(creationCode);
  });

  it("a data contract does nothing when called (its code starts with STOP)", async () => {
    const deployer = await ethers.deployContract("LeveragedTokenDeployer");
    const pointer = ethers.getCreateAddress({ from: await deployer.getAddress(), nonce: 1 });
    const [signer] = await ethers.getSigners();
    const receipt = await (await signer.sendTransaction({ to: pointer, data: "0x12345678" })).wait();
    expect(receipt!.status).to.equal(1);
    expect(await ethers.provider.call({ to: pointer, data: "0x12345678" })).to.equal("0x");
  });
});
