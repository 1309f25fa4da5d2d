import { expect } from "chai";
import { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { droppedInJournal, resendDropped, sentInJournal } from "../../ignition/resendDropped";

const big = (value: bigint | number) => ({ _kind: "bigint", value: String(value) });

/** An Ignition journal's lines for one call `futureId` sent at `nonce` as `hash`, then marked `then`. */
function interaction(futureId: string, to: string, nonce: number, hash: string, then: string[]) {
  const fees = { maxFeePerGas: big(3_000_000_000n), maxPriorityFeePerGas: big(1_000_000_000n) };
  return [
    {
      futureId,
      networkInteraction: { data: "0x", id: 1, to, type: "ONCHAIN_INTERACTION", value: big(7) },
      type: "NETWORK_INTERACTION_REQUEST",
    },
    { futureId, networkInteractionId: 1, nonce, type: "TRANSACTION_PREPARE_SEND" },
    { futureId, networkInteractionId: 1, nonce, transaction: { fees, hash }, type: "TRANSACTION_SEND" },
    ...then.map((type) => ({ futureId, networkInteractionId: 1, type })),
  ].map((line) => JSON.stringify(line));
}

describe("deploy: a dropped transaction sent again before Ignition resumes (resendDropped)", () => {
  it("finds the interactions Ignition marked dropped and has not sent again, by nonce", () => {
    const journal = [
      ...interaction("M#confirmed", "0x0000000000000000000000000000000000000001", 3, "0x03", ["TRANSACTION_CONFIRM"]),
      ...interaction("M#later", "0x0000000000000000000000000000000000000002", 5, "0x05", [
        "ONCHAIN_INTERACTION_DROPPED",
      ]),
      ...interaction("M#dropped", "0x0000000000000000000000000000000000000003", 4, "0x04", [
        "ONCHAIN_INTERACTION_DROPPED",
        "ONCHAIN_INTERACTION_DROPPED",
      ]),
    ].join("\n");
    const found = droppedInJournal(journal);
    expect(found.map((d) => [d.futureId, d.nonce])).to.deep.equal([
      ["M#dropped", 4],
      ["M#later", 5],
    ]);
    expect(found[0]).to.include({ to: "0x0000000000000000000000000000000000000003", data: "0x", value: 7n });
    expect(found[0].fees).to.deep.equal({ maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n });
  });

  it("lists every send not confirmed, marked dropped or not, by nonce (whether the node still knows it is asked later)", () => {
    const journal = [
      ...interaction("M#confirmed", "0x0000000000000000000000000000000000000001", 3, "0x03", ["TRANSACTION_CONFIRM"]),
      ...interaction("M#unmarked", "0x0000000000000000000000000000000000000002", 5, "0x05", []),
      ...interaction("M#dropped", "0x0000000000000000000000000000000000000003", 4, "0x04", [
        "ONCHAIN_INTERACTION_DROPPED",
      ]),
    ].join("\n");
    expect(sentInJournal(journal).map((d) => [d.futureId, d.nonce, d.marked])).to.deep.equal([
      ["M#dropped", 4, true],
      ["M#unmarked", 5, false],
    ]);
    expect(droppedInJournal(journal).map((d) => d.futureId)).to.deep.equal(["M#dropped"]);
  });

  it("sends again a transaction Ignition never marked dropped once the node has forgotten it; leaves one it knows", async () => {
    const [deployer, receiver] = await ethers.getSigners();
    const dir = mkdtempSync(path.join(os.tmpdir(), "lt-journal-"));
    try {
      const file = path.join(dir, "journal.jsonl");
      // A send the node knows (mined), then one at the next nonce the node never saw (dropped before Ignition looked).
      const mined = await (await deployer.sendTransaction({ to: receiver.address, value: 1n })).wait();
      const nonce = await ethers.provider.getTransactionCount(deployer.address, "pending");
      const lines = [
        ...interaction("M#mined", receiver.address, nonce - 1, mined!.hash, []),
        ...interaction("M#lost", receiver.address, nonce, `0x${"22".repeat(32)}`, []),
      ];
      writeFileSync(file, lines.map((line) => `\n${line}`).join(""));
      const before = await ethers.provider.getBalance(receiver.address);
      expect(await resendDropped(file, ethers.provider, deployer)).to.deep.equal(["M#lost"]);
      expect((await ethers.provider.getBalance(receiver.address)) - before).to.equal(7n);
      expect(await ethers.provider.getTransactionCount(deployer.address, "pending")).to.equal(nonce + 1);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("sends the next one at its nonce with its fees and records the send in the journal as Ignition does", async () => {
    const [deployer, receiver] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(deployer.address, "pending");
    const dir = mkdtempSync(path.join(os.tmpdir(), "lt-journal-"));
    try {
      const file = path.join(dir, "journal.jsonl");
      const lines = interaction("M#pay", receiver.address, nonce, `0x${"11".repeat(32)}`, [
        "ONCHAIN_INTERACTION_DROPPED",
      ]);
      // As Ignition writes its journal: each line "\n" + JSON, no newline at the end.
      writeFileSync(file, lines.map((line) => `\n${line}`).join(""));
      const before = await ethers.provider.getBalance(receiver.address);
      expect(await resendDropped(file, ethers.provider, deployer)).to.deep.equal(["M#pay"]);
      expect((await ethers.provider.getBalance(receiver.address)) - before).to.equal(7n);
      const last = JSON.parse(readFileSync(file, "utf8").trim().split("\n").pop()!) as {
        type: string;
        nonce: number;
        transaction: { hash: string };
      };
      expect(last).to.include({ type: "TRANSACTION_SEND", nonce });
      const sent = await ethers.provider.getTransaction(last.transaction.hash);
      expect(sent?.nonce).to.equal(nonce);
      expect(sent?.maxFeePerGas).to.equal(3_000_000_000n);
      expect(droppedInJournal(readFileSync(file, "utf8")), "no longer dropped").to.deep.equal([]);
      // Ignition's next line follows on its own line: every line of the journal still parses.
      writeFileSync(file, `${readFileSync(file, "utf8")}\n${JSON.stringify({ futureId: "M#pay", type: "X" })}`);
      const rows = readFileSync(file, "utf8")
        .split("\n")
        .filter((row) => row.trim() !== "");
      expect(rows).to.have.length(lines.length + 2);
      for (const row of rows) expect(() => JSON.parse(row), row).to.not.throw();
      // Nothing more to send: the next call sends nothing.
      expect(await resendDropped(file, ethers.provider, deployer)).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
