/** Argument parsing on node:util parseArgs, with usage errors users can act on. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { suggestion, UsageError } from "../errors.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` strictly; unknown flags and missing values become one-line UsageErrors. */
export function parse<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  positionals = 0,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
> {
  try {
    const out = parseArgs({
      args: argv,
      options,
      strict: true as const,
      allowPositionals: true as const,
    });
    if (out.positionals.length > positionals) {
      throw new UsageError(
        `unexpected argument "${out.positionals[positionals]}" for ${command}`,
        command,
      );
    }
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e as { code?: string; message: string };
    const flag = /'([^']+)'/.exec(err.message)?.[1] ?? "";
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const names = Object.keys(options).map((n) => `--${n}`);
      throw new UsageError(
        `unknown flag "${flag}" for ${command}${suggestion(flag.split("=")[0], names)}`,
        command,
      );
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const name = /--[\w-]+/.exec(err.message)?.[0] ?? flag;
      throw new UsageError(`${name} needs a value`, command);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new UsageError(`unexpected argument "${flag}" for ${command}`, command);
    }
    throw new UsageError(err.message.split("\n")[0], command);
  }
}

/** A positive integer flag value. */
export function intFlag(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 1,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      `--${name} must be a whole number of at least ${min}, not "${raw}"`,
      command,
    );
  }
  return n;
}

/** Timers hold at most 2^31 - 1 ms: a longer wait would fire at once. */
export const MAX_TIMER_SECONDS = 2_147_483;

/** A positive number flag value (seconds), within the timer range. */
export function secondsFlag(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number of seconds, not "${raw}"`, command);
  }
  if (n > MAX_TIMER_SECONDS) {
    throw new UsageError(
      `--${name} must be at most ${
        MAX_TIMER_SECONDS.toLocaleString("en-US")
      } seconds (the longest timer there is), not "${raw}"`,
      command,
    );
  }
  return n;
}

/** One of a fixed set of values. */
export function enumFlag<T extends string>(
  command: string,
  name: string,
  raw: string | undefined,
  values: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  if (!values.includes(raw as T)) {
    throw new UsageError(
      `--${name} must be one of ${values.join(", ")}, not "${raw}"${suggestion(raw, values)}`,
      command,
    );
  }
  return raw as T;
}
