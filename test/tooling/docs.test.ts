import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
/**
 * What commands write: build outputs (ignored by git) and the address books `npm run deploy` writes
 * (`deployments/<network>.json`); a doc may name them as outputs.
 */
const GENERATED =
  /^(out|artifacts|cache|typechain-types|coverage|dist|node_modules|ignition\/deployments)\/|^deployments\/[\w-]+\.json$/;

/** The repository's own docs. */
const DOCS = [
  "README.md",
  "SECURITY.md",
  "data/README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The files a doc names: its links, and the repository paths it quotes in backticks. */
function namedFiles(doc: string): string[] {
  const text = readFileSync(path.join(ROOT, doc), "utf8");
  const links = [...text.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
  const quoted = [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1].replace(/[.,;:]+$/, "").split(":")[0])
    .filter((t) => /^[\w.-]+\/[\w./-]*$/.test(t) && !t.startsWith("0x") && /\.\w+$|\/$/.test(t));
  return [
    ...links.map((t) => path.join(path.dirname(doc), t)),
    ...quoted.map((t) => (existsSync(path.join(ROOT, path.dirname(doc), t)) ? path.join(path.dirname(doc), t) : t)),
  ];
}

describe("docs: self-contained", () => {
  for (const doc of DOCS) {
    it(`${doc} names only files of this repository that exist (or that a command writes)`, () => {
      const missing = namedFiles(doc).filter((file) => !GENERATED.test(file) && !existsSync(path.join(ROOT, file)));
      expect(missing).to.deep.equal([]);
    });
  }

  it("no doc points outside the repository", () => {
    for (const doc of DOCS) {
      const text = readFileSync(path.join(ROOT, doc), "utf8");
      expect(text, doc).to.not.match(/\]\(\.\.\/\.\.|\(\.\.\/shared|\.\.\/shared\//);
    }
  });
});
