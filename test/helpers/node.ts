// The local node and command helpers live in scripts/localNode.ts: the bench and the rehearsal use them too.
export * from "../../scripts/localNode";
