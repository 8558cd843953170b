/**
 * The program's one way out: every byte written to stdout, stderr or a report file passes the
 * secret scrubber here. Commands get an {@link Io}; only `cli.ts` makes one.
 */
import type { Deps } from "./deps.ts";
import { fileProblem, UsageError } from "./errors.ts";
import { scrubber } from "./redact.ts";

/** Output of a command: stdout, stderr and report files, every byte scrubbed of secrets */
export interface Io {
  deps: Deps;
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  /** Writes (or appends to) a report file; a refused write is a UsageError naming the flag. */
  write(
    path: string,
    text: string,
    opts?: { append?: boolean; createNew?: boolean },
  ): Promise<void>;
  /** A secret that must never appear in any output from now on (the admin key). */
  addSecret(secret: string): void;
}

/** An Io over `deps` whose every output is scrubbed of the secrets it is told about. */
export function createIo(deps: Deps): Io {
  const secrets: string[] = [];
  let scrub = scrubber(secrets).redact;
  return {
    deps,
    out: (t) => deps.stdout(scrub(t)),
    err: (t) => deps.stderr(scrub(t)),
    async write(path, text, opts) {
      try {
        await deps.writeTextFile(path, scrub(text), opts);
      } catch (e) {
        if ((e as Error)?.name === "AlreadyExists") throw e;
        throw new UsageError(
          `cannot write "${path}": ${
            (e as Error)?.name === "NotFound"
              ? "its directory does not exist"
              : fileProblem(e, `--allow-write=${path}`)
          }`,
        );
      }
    },
    addSecret(s) {
      secrets.push(s);
      scrub = scrubber(secrets).redact;
    },
  };
}
