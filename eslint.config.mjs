// ESLint 9 flat config: typescript-eslint's recommended rules, and no `.only` / skipped tests.
import tseslint from "typescript-eslint";
import mocha from "eslint-plugin-mocha";

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "typechain-types/", "coverage/", "dist/", "out/"] },
  ...tseslint.configs.recommended,
  {
    files: ["test/**/*.ts"],
    plugins: { mocha },
    rules: {
      "mocha/no-exclusive-tests": "error",
      "mocha/no-pending-tests": "error",
      "mocha/no-identical-title": "error",
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
