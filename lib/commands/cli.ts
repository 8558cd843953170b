/**
 * The one orchestrator: `run(argv, deps, policies)` dispatches a command and returns its exit
 * code. Every byte the program writes goes through here, scrubbed of secrets.
 */
import type { Deps } from "../core/deps.ts";
import {
  formatProblem,
  InputError,
  ManifestError,
  suggestion,
  UsageError,
} from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { VERSION } from "../core/version.ts";
import { grouped } from "../core/grouped.ts";
import { createIo, type Io } from "./io.ts";
import { textSafe } from "../core/inert_text.ts";
import { grantHint, watchPermissions } from "./permissions.ts";
import { problemCount } from "../manifest/problems.ts";

export type { Deps } from "../core/deps.ts";

/** The top-level help text of `keydrift` */
export const HELP = `keydrift ${VERSION}: declarative drift checks for OpenAI project API keys

Usage: keydrift <command> [options]

Commands:
  check      compare the manifest with live keys, report drift (exit 0 in sync, 1 error, 2 drift)
  validate   check the manifest offline
  import     write a manifest that describes the live state
  baseline   record current drift and findings so check fails only on new ones
  merge      combine the JSON reports of a fleet's orgs into one report (worst exit code)
  fake-api   serve the built-in fake Admin API on 127.0.0.1
  schema     print the manifest's (or with --report the JSON report's) JSON Schema
  policies   list built-in policies, their options and defaults
  completions  print a bash, zsh or fish completion script

Options:
  -h, --help     show this help
  -V, --version  print the version

Run 'keydrift <command> --help' for a command's options.
`;

type Command = (argv: string[], io: Io, policies: readonly Policy[]) => Promise<number>;

interface CommandModule {
  run: Command;
  help: string;
}

/**
 * Each command's module, loaded when the command runs: `validate` never loads the API client,
 * the renderers or the fake (each module costs start-up time, paid on every run).
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  check: async () => {
    const m = await import("./check.ts");
    return { run: m.check, help: m.CHECK_HELP };
  },
  validate: async () => {
    const m = await import("./offline.ts");
    return { run: m.validate, help: m.VALIDATE_HELP };
  },
  import: async () => {
    const m = await import("./import.ts");
    return { run: m.importCommand, help: m.IMPORT_HELP };
  },
  baseline: async () => {
    const m = await import("./baseline.ts");
    return { run: m.baselineCommand, help: m.BASELINE_HELP };
  },
  merge: async () => {
    const m = await import("./merge.ts");
    return { run: m.merge, help: m.MERGE_HELP };
  },
  "fake-api": async () => {
    const m = await import("./fake_api.ts");
    return { run: (argv, io) => m.fakeApi(argv, io), help: m.FAKE_API_HELP };
  },
  schema: async () => {
    const m = await import("./offline.ts");
    return { run: m.schema, help: m.SCHEMA_HELP };
  },
  policies: async () => {
    const m = await import("./offline.ts");
    return { run: m.listPolicies, help: m.POLICIES_HELP };
  },
  completions: async () => {
    const m = await import("./completions.ts");
    return {
      run: async (a, io, p) => m.completions(a, io, p, await allCommands(), HELP),
      help: m.COMPLETIONS_HELP,
    };
  },
};

/** Every command's module (for completions, which reads every command's help). */
async function allCommands(): Promise<Record<string, CommandModule>> {
  const out: Record<string, CommandModule> = {};
  for (const [name, load] of Object.entries(COMMANDS)) out[name] = await load();
  return out;
}

/**
 * Runs keydrift and returns the exit code. Never throws. A run that failed after the sandbox
 * refused something ends with what to grant and a command line that grants it.
 */
export async function run(
  argv: string[],
  deps: Deps,
  policies: readonly Policy[],
): Promise<number> {
  const watch = watchPermissions(deps);
  const io = createIo(watch.deps);
  const code = await dispatch(argv, io, policies);
  const hint = code === 1 ? grantHint(watch.refused, argv, deps.program) : "";
  if (hint) await io.err(hint).catch(() => undefined);
  return code;
}

async function dispatch(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const verbose = argv.includes("-v") || argv.includes("--verbose");
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "-h" || name === "--help" || name === "help") {
      await io.out(HELP);
      return name === undefined ? 1 : 0;
    }
    if (name === "--version" || name === "-V") {
      await io.out(`keydrift ${VERSION}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) {
      throw new UsageError(`unknown command "${name}"${suggestion(name, Object.keys(COMMANDS))}`);
    }
    if (rest.includes("--version")) {
      await io.out(`keydrift ${VERSION}\n`);
      return 0;
    }
    return await (await load()).run(rest, io, policies);
  } catch (e) {
    const command = Object.hasOwn(COMMANDS, name) ? name : "";
    await io.err(describeError(e, verbose, command));
    return 1;
  }
}

/**
 * What an error says on stderr. Only a usage error ends with where the usage is (the command's
 * help): after a file or API error, the help would not help.
 */
function describeError(e: unknown, verbose: boolean, command: string): string {
  if (e instanceof ManifestError) {
    const n = problemCount(e.problems);
    return e.problems.map((p) => textSafe(formatProblem(p))).join("\n") +
      `\nkeydrift: ${grouped(n)} problem${n === 1 ? "" : "s"} found\n`;
  }
  if (e instanceof UsageError) {
    const of = e.command || command;
    const help = of ? `keydrift ${of} --help` : "keydrift --help";
    return `keydrift: ${textSafe(e.message)}\nRun '${help}' for usage.\n`;
  }
  if (e instanceof InputError) return `keydrift: ${textSafe(e.message)}\n`;
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === "NotCapable" && /LOG_TOKENS|LOG_STREAM/.test(err.message)) {
    // The yaml package (used for manifests outside the plain subset) probes two debug variables.
    return "keydrift: error: reading this YAML needs --ignore-env=LOG_TOKENS,LOG_STREAM (the " +
      "yaml package probes them; the README's recipes pass it)\n";
  }
  // Messages can carry server text (an API error): inert on the terminal.
  const line = `keydrift: error: ${textSafe(err.message.split("\n")[0])}\n`;
  if (!verbose || !err.stack) return line;
  return `${line}${err.stack.split("\n").map(textSafe).join("\n")}\n`;
}
