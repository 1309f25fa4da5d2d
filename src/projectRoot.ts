import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The project's root directory (where package.json is): one level above this file under ts-node (src/), two once
 * built (dist/src/); the working directory if neither has it. The entry points read `.env`, the address books in
 * `deployments/` and the price data in `data/` from here, wherever they are started from.
 */
export const PROJECT_ROOT =
  [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")].find((dir) =>
    existsSync(path.join(dir, "package.json")),
  ) ?? process.cwd();
