/**
 * `keydrift merge` (issue 24): the JSON reports of one fleet manifest's orgs, written separately
 * (one CI matrix job per org), combined into one report in every format. Each part is validated
 * against the report's JSON Schema; every org must be in exactly one part, every part of the same
 * manifest and format major version. The verdict is the worst part's (1 over 2 over 0).
 */
import type { Io } from "./io.ts";
import { UsageError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { errorReport, type Report } from "../report/report.ts";
import { combineReports } from "../report/combine.ts";
import { fromJson, rulesOf } from "../report/from_json.ts";
import type { JsonReport } from "../report/schema.ts";
import { enumFlag, parseAll } from "./args.ts";
import { parseFormats } from "./check.ts";
import { firstLine, Reports, writeReports } from "./reports.ts";
import { readInput, readProblem } from "./files.ts";
import { RENDERERS } from "../render/mod.ts";

/** The help text of `keydrift merge` */
export const MERGE_HELP = `Usage: keydrift merge [options] REPORT.json...

Combine the JSON reports of one fleet manifest's orgs (each written by
keydrift check --org NAME --format json=PATH, for example one CI job per org) into one
report, in every format. Every org of the manifest must be in exactly one report, and every
report must come from the same manifest (manifest_sha256) and JSON format 1.x.
Exit codes: the worst report's: 1 (or a report is missing, invalid or does not fit), then 2, then 0.

Options:
      --format NAME[=PATH]  report format, repeatable: ${
  Object.keys(RENDERERS).join(", ")
} (default text to stdout)
      --summary           also append the markdown report to $GITHUB_STEP_SUMMARY when it is set
      --explain           text: show each fix as a curl command (never run by keydrift)
      --color WHEN        auto (default), always or never
  -q, --quiet             only errors on stderr
  -h, --help              show this help
`;

/** The flags `keydrift merge` accepts (parseArgs options) */
export const MERGE_OPTIONS = {
  format: { type: "string", multiple: true },
  summary: { type: "boolean" },
  explain: { type: "boolean" },
  color: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

/** The most reports one merge reads (one per org of a fleet). */
const MAX_PARTS = 10_000;

/** Runs `keydrift merge`; returns the exit code (the merged report's). */
export async function merge(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const { values: v, positionals, error } = parseAll("merge", argv, MERGE_OPTIONS, MAX_PARTS);
  if (v.help && !error) return (await io.out(MERGE_HELP), 0);
  const { outputs, error: formatError } = parseFormats(v.format, "merge");
  if (error ?? formatError) throw error ?? formatError;
  if (!positionals.length) {
    throw new UsageError("name the JSON reports to merge: keydrift merge a.json b.json", "merge");
  }
  io.protect(positionals.map((path) => ({ path, what: "report" })));
  const color = enumFlag("merge", "color", v.color, ["auto", "always", "never"] as const, "auto");
  const summaryPath = v.summary ? io.deps.env("GITHUB_STEP_SUMMARY") : undefined;
  for (const path of [...outputs.map((o) => o.path), summaryPath]) {
    if (path) await io.checkTarget(path);
  }
  let report: Report;
  try {
    report = mergeReports(await readParts(io, positionals), policies);
  } catch (e) {
    // As check does (SPEC 10.2): the reports asked for say the merge failed; then the error.
    const opts = { color: false, width: undefined, summaryPath, explain: false };
    const failed = errorReport(firstLine(e), "error", null, policies);
    await writeReports(io, failed, outputs, opts).catch(() => undefined);
    throw e;
  }
  const out = new Reports(io, outputs, policies, {
    color: color === "always" || (color === "auto" && io.deps.isTerminal() && !io.deps.noColor),
    width: io.deps.columns?.(),
    summaryPath,
    explain: v.explain === true,
    failOn: report.failOn,
    quiet: v.quiet === true,
    target: `${positionals.length} merged report${positionals.length === 1 ? "" : "s"}`,
  });
  return out.finish(report);
}

/** Each report read, parsed and validated against the report schema; a bad one is a usage error. */
async function readParts(io: Io, paths: readonly string[]) {
  const { validator } = await import("../report/validate.ts");
  const validate = validator();
  const parts: { path: string; json: JsonReport }[] = [];
  for (const path of paths) {
    const refuse = (why: string) => new UsageError(`report "${path}" ${why}`, "merge");
    let text: string;
    try {
      text = await readInput(io.deps, path, "report");
    } catch (e) {
      throw refuse(`cannot be read: ${readProblem(e)}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw refuse(`is not JSON: ${(e as Error).message}`);
    }
    const problem = validate(value);
    if (problem) throw refuse(problem);
    parts.push({ path, json: value as JsonReport });
  }
  return parts;
}

/**
 * The parts as one report: each must be a fleet report of the same manifest and `--fail-on`, and
 * each org of the manifest must be in exactly one part.
 */
export function mergeReports(
  parts: readonly { path: string; json: JsonReport }[],
  policies: readonly Policy[],
): Report {
  const base = checkParts(parts);
  const rules = rulesOf(policies);
  return combineReports(
    parts.map((p) => fromJson(p.json, rules)),
    { orgs: base.orgs, manifestSha256: base.sha },
    parts[0].json.fail_on,
  );
}

type Part = { path: string; json: JsonReport };

/** A fleet report's orgs and manifest hash; any other report is refused. */
function fleetOf(p: Part) {
  if (!p.json.orgs || !p.json.manifest_sha256) {
    throw new UsageError(
      `report "${p.path}" is not from a manifest with orgs:; merge combines the per-org reports of one fleet (keydrift check --org NAME)`,
      "merge",
    );
  }
  return { orgs: p.json.orgs, sha: p.json.manifest_sha256 };
}

/** The fleet the parts share; a part of another one, or an org in none or two, is refused. */
function checkParts(parts: readonly Part[]) {
  const first = parts[0];
  const base = fleetOf(first);
  const names = (orgs: { name: string; id: string }[]) =>
    JSON.stringify(orgs.map((o) => [o.name, o.id]));
  const holder = new Map<string, string>();
  for (const p of parts) {
    const f = fleetOf(p);
    const other = (what: string) =>
      new UsageError(
        `report "${p.path}" is from another ${what} than "${first.path}"; merge only reports of one run of one manifest`,
        "merge",
      );
    if (f.sha !== base.sha) throw other("manifest (manifest_sha256 differs)");
    if (names(f.orgs) !== names(base.orgs)) throw other("list of orgs");
    if (p.json.fail_on !== first.json.fail_on) throw other("--fail-on");
    for (const o of f.orgs.filter((o) => o.checked)) {
      const prev = holder.get(o.name);
      if (prev) {
        throw new UsageError(
          `org "${o.name}" is in two reports: "${prev}" and "${p.path}"; merge each org once`,
          "merge",
        );
      }
      holder.set(o.name, p.path);
    }
  }
  const missing = base.orgs.filter((o) => !holder.has(o.name)).map((o) => `"${o.name}"`);
  if (missing.length) {
    throw new UsageError(
      `no report holds org ${
        missing.join(", ")
      }: a part is missing (each org's keydrift check --org NAME report); nothing is claimed without it`,
      "merge",
    );
  }
  return base;
}
