import { expect } from "chai";
import { ethers, network } from "hardhat";
import { parseEther } from "ethers";
import { signLocally, waitMined } from "../../src/tx/mined";

/** Hardhat's first dev account's key (public: every Hardhat install prints it). */
const FIRST_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("a task's signer on a network with a configured key (signLocally)", () => {
  it("returns the sent transaction without asking the node for it, and a dropped one is sent again as signed", async function () {
    this.timeout(60_000);
    const [signer, other] = await ethers.getSigners();
    expect(signer.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    signLocally(signer, FIRST_DEV_KEY);
    const provider = signer.provider;
    const getTransaction = provider.getTransaction.bind(provider);
    await network.provider.send("evm_setAutomine", [false]);
    try {
      // A node that dropped the transaction before anyone looked: Hardhat's own signer would ask for it forever.
      provider.getTransaction = async () => null;
      const tx = await signer.sendTransaction({ to: other.address, value: parseEther("1") });
      provider.getTransaction = getTransaction;
      expect(await network.provider.send("hardhat_dropTransaction", [tx.hash])).to.equal(true);
      const mined = waitMined(tx as Parameters<typeof waitMined>[0], 50);
      // waitMined sees it gone and broadcasts the same signed bytes again; then a block mines it.
      while ((await network.provider.send("eth_getTransactionByHash", [tx.hash])) === null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await network.provider.send("evm_mine");
      const receipt = await mined;
      expect(receipt?.hash).to.equal(tx.hash);
      expect(receipt?.status).to.equal(1);
    } finally {
      provider.getTransaction = getTransaction;
      await network.provider.send("evm_setAutomine", [true]);
    }
  });
});
