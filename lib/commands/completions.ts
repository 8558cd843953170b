/**
 * `keydrift completions bash|zsh|fish`: a completion script generated from the commands' own
 * option tables (the parseArgs configs each command parses with) and their help texts.
 */
import { UsageError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { RENDERERS } from "../render/mod.ts";
import { type Options, parse } from "./args.ts";
import type { Io } from "./io.ts";
import { CHECK_OPTIONS } from "./check.ts";
import { FAKE_API_OPTIONS } from "./fake_api.ts";
import { IMPORT_OPTIONS } from "./import.ts";
import { BASELINE_OPTIONS } from "./baseline.ts";
import { MERGE_OPTIONS } from "./merge.ts";
import { HELP_OPTIONS, SCHEMA_OPTIONS, VALIDATE_OPTIONS } from "./offline.ts";

/** The shells keydrift can print a completion script for */
export const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = typeof SHELLS[number];

/** The help text of `keydrift completions` */
export const COMPLETIONS_HELP = `Usage: keydrift completions bash|zsh|fish

Print a shell completion script for keydrift's commands, flags and flag values.

  bash  source <(keydrift completions bash)                  (in ~/.bashrc)
  zsh   keydrift completions zsh > "\${fpath[1]}/_keydrift"    (then restart zsh)
  fish  keydrift completions fish > ~/.config/fish/completions/keydrift.fish
`;

const COMPLETIONS_OPTIONS = { help: { type: "boolean", short: "h" } } as const;

/** Each command's parseArgs table; a command missing here completes with --help only. */
const OPTIONS: Record<string, Options> = {
  check: CHECK_OPTIONS,
  validate: VALIDATE_OPTIONS,
  import: IMPORT_OPTIONS,
  baseline: BASELINE_OPTIONS,
  merge: MERGE_OPTIONS,
  "fake-api": FAKE_API_OPTIONS,
  schema: SCHEMA_OPTIONS,
  policies: HELP_OPTIONS,
  completions: COMPLETIONS_OPTIONS,
};

/** The values a flag takes, where they are a fixed set (the rest complete as file names). */
const VALUES: Record<string, readonly string[]> = {
  format: Object.keys(RENDERERS),
  "fail-on": ["error", "warning"],
  color: ["auto", "always", "never"],
};

/** One flag as every shell needs it. */
export interface Flag {
  name: string;
  short?: string;
  takesValue: boolean;
  repeatable: boolean;
  values: readonly string[];
  description: string;
}

/** One command: its flags and the words its positional argument takes. */
export interface CommandSpec {
  name: string;
  description: string;
  flags: Flag[];
  positionals: readonly string[];
}

/**
 * The completion model of every registered command: its flags from its option table, their
 * descriptions from its help text, its own description from the program's help (`usage`).
 */
export function commandSpecs(
  commands: Record<string, { help: string }>,
  policies: readonly Policy[],
  usage: string,
): CommandSpec[] {
  const positionals: Record<string, readonly string[]> = {
    policies: policies.map((p) => p.id),
    completions: SHELLS,
  };
  return Object.entries(commands).map(([name, { help }]) => ({
    name,
    description: new RegExp(`^  ${name}\\s+(.+)$`, "m").exec(usage)?.[1] ?? "",
    flags: Object.entries(OPTIONS[name] ?? HELP_OPTIONS).map(([flag, o]) => ({
      name: flag,
      short: o.short,
      takesValue: o.type === "string",
      repeatable: o.multiple === true,
      values: VALUES[flag] ?? [],
      description: flagDescription(help, flag),
    })),
    positionals: positionals[name] ?? [],
  }));
}

/** The description a command's help text gives a flag (`  -m, --manifest PATH   text`). */
function flagDescription(help: string, flag: string): string {
  const re = new RegExp(`^\\s*(?:-\\w,\\s+)?--${flag}(?:[ =]\\S+)?\\s{2,}(.+)$`, "m");
  return re.exec(help)?.[1].trim() ?? "";
}

/** Runs `keydrift completions`: prints the completion script for the shell asked */
export async function completions(
  argv: string[],
  io: Io,
  policies: readonly Policy[],
  commands: Record<string, { help: string }>,
  usage: string,
): Promise<number> {
  const { values: v, positionals } = parse("completions", argv, COMPLETIONS_OPTIONS, 1);
  if (v.help) return (await io.out(COMPLETIONS_HELP), 0);
  const shell = positionals[0];
  if (!SHELLS.includes(shell as Shell)) {
    throw new UsageError(
      shell === undefined
        ? `name a shell: ${SHELLS.join(", ")}`
        : `unknown shell "${shell}"; choose from ${SHELLS.join(", ")}`,
      "completions",
    );
  }
  const specs = commandSpecs(commands, policies, usage);
  for (const word of specs.flatMap(words)) {
    if (!/^[\w.:=-]+$/.test(word)) throw new Error(`cannot complete the word "${word}"`);
  }
  await io.out(SCRIPTS[shell as Shell](specs));
  return 0;
}

/** Every word a script lists unquoted (command names, flags, values). */
function words(c: CommandSpec): string[] {
  return [c.name, ...c.positionals, ...c.flags.flatMap((f) => [f.name, ...f.values])];
}

const SCRIPTS: Record<Shell, (specs: CommandSpec[]) => string> = { bash, zsh, fish };

function flagWords(f: Flag): string[] {
  return [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])];
}

/** The bash script's two case lists: each flag's values, and each command's flags and words. */
function bashCases(specs: CommandSpec[]): { valueCases: string[]; flagCases: string[] } {
  const valueCases = specs.flatMap((c) =>
    c.flags.filter((f) => f.takesValue).map((f) => {
      const pattern = flagWords(f).map((w) => `${c.name}:${w}`).join("|");
      const reply = f.values.length
        ? `COMPREPLY=($(compgen -W "${f.values.join(" ")}" -- "$cur"))`
        : "COMPREPLY=()";
      return `    ${pattern}) ${reply}; return ;;`;
    })
  );
  const flagCases = specs.map((c) =>
    `    ${c.name}) flags="${c.flags.flatMap(flagWords).join(" ")}" words="${
      c.positionals.join(" ")
    }" ;;`
  );
  return { valueCases, flagCases };
}

function bash(specs: CommandSpec[]): string {
  const { valueCases, flagCases } = bashCases(specs);
  return `# keydrift completion for bash, generated by \`keydrift completions bash\`.
# Load it with: source <(keydrift completions bash)
_keydrift() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" flags="" words=""
  COMPREPLY=()
  if [ "$cur" = "=" ]; then
    cur=""
  elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
    prev="\${COMP_WORDS[COMP_CWORD-2]}"
  fi
  if [ "$COMP_CWORD" -le 1 ]; then
    COMPREPLY=($(compgen -W "${specs.map((c) => c.name).join(" ")} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}:$prev" in
${valueCases.join("\n")}
  esac
  case "\${COMP_WORDS[1]}" in
${flagCases.join("\n")}
    *) return ;;
  esac
  case "$cur" in
    -*) COMPREPLY=($(compgen -W "$flags" -- "$cur")) ;;
    *) [ -z "$words" ] || COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
  esac
}
complete -o default -F _keydrift keydrift
`;
}

/** A string inside zsh single quotes, also safe inside an _arguments [description]. */
function zshQuote(s: string): string {
  return s.replace(/[\\[\]:]/g, (c) => `\\${c}`).replace(/'/g, `'\\''`);
}

function zshFlag(f: Flag): string {
  const names = flagWords(f);
  const exclusive = f.repeatable ? "*" : names.length > 1 ? `(${names.join(" ")})` : "";
  const value = !f.takesValue
    ? ""
    : f.values.length
    ? `:value:(${f.values.join(" ")})`
    : ":value:_files";
  const eq = (n: string) => f.takesValue && n.startsWith("--") ? "=" : "";
  const spec = (n: string) => `'${exclusive}${n}${eq(n)}[${zshQuote(f.description)}]${value}'`;
  return names.map(spec).join(" \\\n        ");
}

function zsh(specs: CommandSpec[]): string {
  const commands = specs.map((c) => `    '${c.name}:${zshQuote(c.description)}'`).join("\n");
  const cases = specs.map((c) => {
    const args = c.flags.map(zshFlag);
    if (c.positionals.length) args.push(`'1:argument:(${c.positionals.join(" ")})'`);
    return `    ${c.name})\n      _arguments -s \\\n        ${
      args.join(" \\\n        ")
    }\n      ;;`;
  });
  return `#compdef keydrift
# keydrift completion for zsh, generated by \`keydrift completions zsh\`.
# Install it with: keydrift completions zsh > "\${fpath[1]}/_keydrift"
_keydrift() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'keydrift command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case "\${words[1]}" in
${cases.join("\n")}
  esac
}
if [ "\${funcstack[1]}" = "_keydrift" ]; then
  _keydrift "$@"
else
  compdef _keydrift keydrift
fi
`;
}

/** A string inside fish single quotes. */
function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function fish(specs: CommandSpec[]): string {
  const lines = specs.map((c) =>
    `complete -c keydrift -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.description)}`
  );
  for (const c of specs) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    if (c.positionals.length) {
      lines.push(`complete -c keydrift ${when} -a ${fishQuote(c.positionals.join(" "))}`);
    }
    for (const f of c.flags) {
      const short = f.short ? ` -s ${f.short}` : "";
      const value = !f.takesValue
        ? ""
        : f.values.length
        ? ` -x -a ${fishQuote(f.values.join(" "))}`
        : " -r -F";
      lines.push(
        `complete -c keydrift ${when}${short} -l ${f.name}${value} -d ${fishQuote(f.description)}`,
      );
    }
  }
  return `# keydrift completion for fish, generated by \`keydrift completions fish\`.
# Install it with: keydrift completions fish > ~/.config/fish/completions/keydrift.fish
complete -c keydrift -f
complete -c keydrift -n __fish_use_subcommand -l help -d 'show help'
complete -c keydrift -n __fish_use_subcommand -l version -d 'show the version'
${lines.join("\n")}
`;
}
