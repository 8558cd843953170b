import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { parse } from "../lib/commands/args.ts";
import { CHECK_OPTIONS } from "../lib/commands/check.ts";
import { UsageError } from "../lib/core/errors.ts";

const RUNS = Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 2000);

const isString = (name: string) =>
  Object.hasOwn(CHECK_OPTIONS, name) &&
  CHECK_OPTIONS[name as keyof typeof CHECK_OPTIONS].type === "string";
const longOf = (c: string) =>
  Object.entries(CHECK_OPTIONS).find(([, o]) => "short" in o && o.short === c)?.[0] ?? c;

/** Whether node takes the next word as `arg`'s value (a string flag without its value). */
function takesNext(arg: string): boolean {
  if (arg.startsWith("--")) return !arg.includes("=") && isString(arg.slice(2));
  if (arg.length < 2 || arg[0] !== "-") return false;
  for (let i = 1; i < arg.length; i++) if (isString(longOf(arg[i]))) return i === arg.length - 1;
  return false;
}

/**
 * The one place keydrift parts from node on purpose: a negative number after a string flag is
 * its value (`--timeout -1` as `--timeout=-1`, then refused as a bad value), where node takes it
 * for a flag and says the value is missing. As node would read it, written inline.
 */
function negativesInline(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (takesNext(argv[i]) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(argv[i].startsWith("--") ? `${argv[i]}=${next}` : `${argv[i]}${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** What parse() must say when node:util parseArgs refuses `argv` (its error as a one-line usage error). */
function nodeVerdict(argv: string[], positionals: number): unknown {
  try {
    const out = parseArgs({
      args: negativesInline(argv),
      options: CHECK_OPTIONS,
      strict: true,
      allowPositionals: true,
    });
    if (out.positionals.length > positionals) {
      return `unexpected argument "${out.positionals[positionals]}"`;
    }
    return { values: { ...out.values }, positionals: out.positionals };
  } catch (e) {
    const err = e as { code?: string; message: string };
    const quoted = /^Unknown option '(.*?)'(?:\. To specify|$)/s.exec(err.message)?.[1];
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown flag "${quoted}"`;
    const name = /--[\w-]+/.exec(err.message)?.[0];
    return / does not take an argument/.test(err.message)
      ? `${name} takes no value`
      : `${name} needs a value`;
  }
}

function ours(argv: string[], positionals: number): unknown {
  try {
    const out = parse("check", argv, CHECK_OPTIONS, positionals);
    return { values: { ...out.values }, positionals: out.positionals };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return e.message.replace(/ for check.*$/, "");
  }
}

const WORDS = [
  "-m",
  "-q",
  "-h",
  "-x",
  "-qm",
  "-mq",
  "-qh",
  "-mfile.yaml",
  "-qmfile.yaml",
  "--manifest",
  "--manifest=a.yaml",
  "--manifest=",
  "--quiet",
  "--quiet=1",
  "--format",
  "--format=json",
  "--project",
  "--fail-on",
  "--formt",
  "--no-quiet",
  "--",
  "-",
  "--=x",
  "a.yaml",
  "json",
  "-1",
];

Deno.test("parse() accepts, stores and refuses exactly what node:util parseArgs (strict) does (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 4 })), {
        maxLength: 8,
      }),
      fc.integer({ min: 0, max: 1 }),
      (argv, positionals) => {
        assertEquals(ours(argv, positionals), nodeVerdict(argv, positionals), argv.join(" "));
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("parse() names the flag: unknown with a suggestion, a missing or flag-like value, a value on a switch", () => {
  const message = (argv: string[]) => {
    try {
      parse("check", argv, CHECK_OPTIONS);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("no error");
  };
  assertEquals(
    message(["--formt", "json"]),
    'unknown flag "--formt" for check (did you mean "--format"?)',
  );
  assertEquals(message(["-m"]), "--manifest needs a value");
  assertEquals(message(["-m", "--quiet"]), "--manifest needs a value");
  assertEquals(message(["--quiet=yes"]), "--quiet takes no value");
  throws(() => parse("check", ["a", "b"], CHECK_OPTIONS, 1), /unexpected argument "b"/);
  assertEquals(parse("check", ["-m", "-", "-qmx.yaml", "--", "-q"], CHECK_OPTIONS, 1), {
    values: Object.assign(Object.create(null), { manifest: ["-", "x.yaml"], quiet: true }),
    positionals: ["-q"],
  });
});
