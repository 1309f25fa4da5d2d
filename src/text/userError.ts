/** An error in what the user asked for: shown as one line, without a stack (see `describeError`). */
export class UserError extends Error {
  override name = "UserError";
}
