/**
 * Argument parsing with node:util parseArgs's rules (strict, positionals allowed), written out here:
 * importing node:util starts Deno's Node layer, about 40 ms of every command's start-up. Usage
 * errors are one line users can act on.
 */
import { append } from "../core/arrays.ts";
import type { parseArgs, ParseArgsConfig } from "node:util";
import { suggestion, UsageError } from "../core/errors.ts";
import { grouped } from "../core/grouped.ts";

/** A command's option table, as parseArgs takes it. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** One option as written: its name in the table, as typed, and its value if it has one. */
interface Token {
  name: string;
  raw: string;
  value?: string;
  inline: boolean;
}

/** What parseArgs returns for an option table */
export type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
>;

/**
 * Parses `argv` strictly, as node:util parseArgs({ strict: true, allowPositionals: true }) does
 * (`-abc` groups, `-mVALUE`, `--name=VALUE`, `--` ends options); at most `positionals` positional
 * arguments. Unknown flags and missing values become one-line UsageErrors.
 */
export function parse<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  positionals = 0,
): Parsed<T> {
  const { error, ...parsed } = parseAll(command, argv, options, positionals);
  if (error) throw error;
  return parsed;
}

/**
 * As {@link parse}, but a bad flag does not stop the others: every well-formed flag is in
 * `values`, and the first problem is `error` (so a command can still write the reports that
 * `--format` asked for when another flag is wrong).
 */
export function parseAll<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  positionals = 0,
): Parsed<T> & { error: UsageError | null } {
  const errors: UsageError[] = [];
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const found: string[] = [];
  for (const t of tokenize(argv, options)) {
    if (typeof t === "string") {
      found.push(t);
      continue;
    }
    const problem = flagProblem(command, t, options);
    if (problem) {
      errors.push(problem);
      continue;
    }
    if (t.name === "__proto__") continue;
    const value = t.value ?? true;
    if (!options[t.name].multiple) values[t.name] = value;
    else {
      const list = values[t.name];
      if (Array.isArray(list)) list.push(value);
      else values[t.name] = [value];
    }
  }
  if (found.length > positionals) {
    errors.push(
      new UsageError(`unexpected argument "${found[positionals]}" for ${command}`, command),
    );
  }
  return { values, positionals: found, error: errors[0] ?? null } as Parsed<T> & {
    error: UsageError | null;
  };
}

/** The command line as flags (each with its value, if any) and positionals, in order. */
function tokenize(argv: readonly string[], options: Options): (Token | string)[] {
  const long = (short: string) =>
    Object.keys(options).find((n) => options[n].short === short) ?? short;
  const isString = (name: string) =>
    Object.hasOwn(options, name) && options[name].type === "string";
  const tokens: (Token | string)[] = [];
  const rest = [...argv];
  while (rest.length) {
    const arg = rest.shift()!;
    if (arg === "--") {
      append(tokens, rest.splice(0));
    } else if (arg.length === 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = long(arg[1]);
      const value = isString(name) && rest.length ? rest.shift() : undefined;
      tokens.push({ name, raw: arg, value, inline: false });
    } else if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = long(arg[1]);
      if (isString(name)) {
        tokens.push({ name, raw: `-${arg[1]}`, value: arg.slice(2), inline: true });
      } else append(rest, append(shortGroup(arg, (c) => isString(long(c))), rest.splice(0)));
    } else if (arg.length > 2 && arg.startsWith("--")) {
      tokens.push(longFlag(arg, rest, isString));
    } else tokens.push(arg);
  }
  return tokens;
}

/** A group of short flags: each stands alone, a string flag takes the rest as its value. */
function shortGroup(arg: string, isString: (c: string) => boolean): string[] {
  const expanded: string[] = [];
  for (let i = 1; i < arg.length; i++) {
    if (!isString(arg[i]) || i === arg.length - 1) expanded.push(`-${arg[i]}`);
    else {
      expanded.push(`-${arg.slice(i)}`);
      break;
    }
  }
  return expanded;
}

/** `--name value`, `--name=value`, or a boolean `--name`; takes its value from `rest`. */
function longFlag(arg: string, rest: string[], isString: (name: string) => boolean): Token {
  const eq = arg.indexOf("=", 3); // "--=x" is a flag named "=x"
  if (eq < 0) {
    const name = arg.slice(2);
    const value = isString(name) && rest.length ? rest.shift() : undefined;
    return { name, raw: arg, value, inline: false };
  }
  const name = arg.slice(2, eq);
  return { name, raw: `--${name}`, value: arg.slice(eq + 1), inline: true };
}

/** What is wrong with one flag: unknown, a value missing or one it takes none of; else null. */
function flagProblem(command: string, t: Token, options: Options): UsageError | null {
  if (!Object.hasOwn(options, t.name)) {
    const names = Object.keys(options).map((n) => `--${n}`);
    return new UsageError(
      `unknown flag "${t.raw}" for ${command}${suggestion(t.raw.split("=")[0], names)}`,
      command,
    );
  }
  if (options[t.name].type !== "string") {
    return t.value === undefined ? null : new UsageError(`--${t.name} takes no value`, command);
  }
  // A value that looks like a flag (`-m --quiet`) is taken for a forgotten value, as in node; a
  // negative number is no flag (none is named with a digit): it is the value, and the flag's own
  // check refuses it as a bad value (`--timeout -1` as `--timeout=-1`).
  if (t.value !== undefined && (t.inline || t.value.length <= 1 || t.value[0] !== "-")) return null;
  if (t.value !== undefined && /^-\.?\d/.test(t.value)) return null;
  return new UsageError(`--${t.name} needs a value`, command);
}

/** A whole-number flag value from `min` (to `max`, when given). */
export function intFlag(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 1,
  max = Infinity,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity
      ? `of at least ${grouped(min)}`
      : `from ${grouped(min)} to ${grouped(max)}`;
    throw new UsageError(`--${name} must be a whole number ${range}, not "${raw}"`, command);
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
        grouped(MAX_TIMER_SECONDS)
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
