import { readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";

/** A file as a user reads it: relative to the project when inside it, else its full path. */
export function shownPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * Reads a JSON file of the project (an address book, a deployment spec) and checks it against `schema`. A missing
 * file throws `missing` (what to do about it), a file that is not JSON or does not match says where, relative to
 * `root`.
 */
export function readJsonFile<S extends z.ZodTypeAny>(
  root: string,
  file: string,
  schema: S,
  missing: string,
): z.output<S> {
  const shown = shownPath(root, file);
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch {
    throw new Error(missing);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${shown} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${shown} is malformed at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
