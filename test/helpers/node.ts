// The local node and command helpers live beside the bench that uses them too.
export * from "../../tasks/localNode";
