/** `validate`, `schema` and `policies`: the commands that never touch the network. */
import { formatProblem, suggestion, UsageError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { buildSchema } from "../manifest/schema.ts";
import { parse } from "./args.ts";
import type { Io } from "./io.ts";
import { loadFrom } from "./load.ts";
import { problemCount, waiverWarnings } from "../manifest/problems.ts";
import { counted } from "../core/grouped.ts";

/** The help text of `keydrift validate` */
export const VALIDATE_HELP = `Usage: keydrift validate [-m PATH]...

Check the manifest offline: YAML syntax, schema, references, policy options and waivers.
No admin key and no network needed. Exit 0 when valid, 1 otherwise (every problem is listed).

Options:
  -m, --manifest PATH   manifest file, directory of *.yaml, or - for stdin (repeatable; default keydrift.yaml)
  -q, --quiet           print nothing when valid
  -h, --help            show this help
`;

/** The flags `keydrift validate` accepts (parseArgs options) */
export const VALIDATE_OPTIONS = {
  manifest: { type: "string", short: "m", multiple: true },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `keydrift validate`: checks the manifest offline and returns the exit code */
export async function validate(
  argv: string[],
  io: Io,
  policies: readonly Policy[],
): Promise<number> {
  const { values: v } = parse("validate", argv, VALIDATE_OPTIONS);
  if (v.help) return (await io.out(VALIDATE_HELP), 0);
  const { manifest, problems, waiverProblems } = await loadFrom(
    io.deps,
    v.manifest ?? [],
    policies,
  );
  const all = [...problems, ...waiverProblems].sort((a, b) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column
  );
  if (all.length) {
    const n = problemCount(all);
    await io.err(all.map(formatProblem).join("\n") + "\n");
    await io.err(`keydrift: ${counted(n, "problem")} found; the manifest is invalid\n`);
    return 1;
  }
  if (!manifest) return 1;
  // Valid, but a waiver that does nothing is worth a word (not with -q, which prints nothing).
  const warnings = v.quiet ? [] : waiverWarnings(manifest, policies, io.deps.now());
  for (const w of warnings) await io.err(`keydrift: warning: ${formatProblem(w)}\n`);
  if (!v.quiet) {
    const parts = manifest.orgs?.map((o) => o.manifest) ?? [manifest];
    const projects = parts.flatMap((m) => m.projects);
    const keys = projects.reduce((n, p) => n + p.keys.length, 0);
    const waivers = parts.reduce((n, m) => n + m.waivers.length, 0);
    const orgs = manifest.orgs ? `${counted(manifest.orgs.length, "org")}, ` : "";
    await io.out(
      `${manifest.files.join(", ")}: valid (${orgs}${counted(projects.length, "project")}, ${
        counted(keys, "key")
      }, ${counted(waivers, "waiver")})\n`,
    );
  }
  return 0;
}

/** The help text of `keydrift schema` */
export const SCHEMA_HELP = `Usage: keydrift schema [--report]

Print the manifest's JSON Schema (draft-07). It is the schema validate enforces.
Save it beside your manifest and point editors at it:
  # yaml-language-server: $schema=./keydrift.schema.json

With --report, print the JSON Schema (draft-07) of the report check writes with
--format json instead, so scripts can validate a report before they read it.

Options:
  --report     the JSON report's schema instead of the manifest's
  -h, --help   show this help
`;

/** The options of policies (help only). */
export const HELP_OPTIONS = { help: { type: "boolean", short: "h" } } as const;

/** The options of schema. */
export const SCHEMA_OPTIONS = {
  report: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `keydrift schema [--report]`: prints the manifest's or the JSON report's JSON Schema. */
export async function schema(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const { values: v } = parse("schema", argv, SCHEMA_OPTIONS);
  if (v.help) return (await io.out(SCHEMA_HELP), 0);
  // Loaded here only: no other command pays for the schema library.
  await io.out(
    v.report
      ? (await import("../report/schema.ts")).reportSchemaText()
      : JSON.stringify(buildSchema(policies), null, 2) + "\n",
  );
  return 0;
}

/** The help text of `keydrift policies` */
export const POLICIES_HELP = `Usage: keydrift policies [ID]

List the built-in policies with their default severity, options and rationale,
or show one policy in full.
`;

/** Runs `keydrift policies`: lists the built-in policies or shows one in full */
export async function listPolicies(
  argv: string[],
  io: Io,
  policies: readonly Policy[],
): Promise<number> {
  const { values: v, positionals } = parse("policies", argv, HELP_OPTIONS, 1);
  if (v.help) return (await io.out(POLICIES_HELP), 0);
  const id = positionals[0];
  if (id) {
    const p = policies.find((x) => x.id === id);
    if (!p) {
      throw new UsageError(
        `unknown policy "${id}"${suggestion(id, policies.map((x) => x.id))}`,
        "policies",
      );
    }
    await io.out(describe(p, true));
    return 0;
  }
  await io.out(policies.map((p) => describe(p, false)).join("\n"));
  return 0;
}

function describe(p: Policy, full: boolean): string {
  const lines = [`${p.id}  (default: ${p.defaultSeverity})`, `  ${p.summary}`];
  for (const [name, o] of Object.entries(p.options)) {
    lines.push(
      `  option ${name} (${o.type}, default ${JSON.stringify(o.default)}): ${o.description}`,
    );
  }
  lines.push(`  why: ${p.rationale}`, `  source: ${p.source}`);
  if (full) {
    const opts = Object.entries(p.options).map(([n, o]) => `, ${n}: ${JSON.stringify(o.default)}`)
      .join("");
    lines.push(
      "",
      "  manifest:",
      "    policies:",
      `      ${p.id}: { severity: ${
        p.defaultSeverity === "off" ? "warning" : p.defaultSeverity
      }${opts} }`,
    );
  }
  return lines.join("\n") + "\n";
}
