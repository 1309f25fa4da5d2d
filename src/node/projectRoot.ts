import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The project's root directory (where package.json is): two levels above this file under ts-node (src/node/), three
 * once built (dist/src/node/); the working directory if neither has it. The entry points read `.env`, the address books in
 * `deployments/` and the price data in `data/` from here, wherever they are started from.
 */
export const PROJECT_ROOT =
  [path.resolve(__dirname, "..", ".."), path.resolve(__dirname, "..", "..", "..")].find((dir) =>
    existsSync(path.join(dir, "package.json")),
  ) ?? process.cwd();
