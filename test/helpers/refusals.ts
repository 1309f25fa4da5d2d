import { expect } from "chai";

/** A configuration a bot must refuse: what it is, its command line, its environment, the one message expected. */
export type Refusal = [what: string, argv: string[], env: Record<string, string>, message: string];

/**
 * One test per refusal: `parse(argv, env)` throws `error` (the bot's ConfigError) with exactly the refusal's message.
 */
export function itRefuses(
  refusals: Refusal[],
  parse: (argv: string[], env: Record<string, string>) => unknown,
  error: new (...args: never[]) => Error,
): void {
  for (const [what, argv, env, message] of refusals) {
    it(`refuses ${what} with one clear message`, () => {
      expect(() => parse(argv, env))
        .to.throw(error)
        .with.property("message", message);
    });
  }
}
