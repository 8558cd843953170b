/** `keydrift check`: read live keys, assess, enrich, mark the baseline, report, exit code. */
import type { Io } from "./io.ts";
import { distinctTargets, firstLine, type Output, Reports, writeReports } from "./reports.ts";
import { formatProblem, ManifestError, suggestion, UsageError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { buildReport, errorReport, type FailOn, type Report } from "../report/report.ts";
import { isFormat, RENDERERS } from "../render/mod.ts";
import { enumFlag, intFlag, parse, parseAll } from "./args.ts";
import { textSafe } from "../render/inert.ts";
import {
  apiIdentity,
  CONNECT_OPTIONS,
  connectHelp,
  connectOptions,
  inputsOf,
  openClient,
} from "./connect.ts";
import { markBaseline } from "../enrich/baseline.ts";
import { readBaseline } from "./baseline.ts";
import { DEFAULT_MANIFEST, loadFrom } from "./load.ts";
import { readAndAssess, scope } from "./assess_live.ts";
import { SNAPSHOT_HELP, SNAPSHOT_ONE_ORG, SNAPSHOT_OPTIONS, snapshotFlags } from "./snapshot.ts";
import { enrich, type EnrichRequest } from "../enrich/enrich.ts";
import { readEnrichment } from "./enrichment.ts";
import { checkFleet } from "./fleet.ts";

/** The help text of `keydrift check` */
export const CHECK_HELP = `Usage: keydrift check [options]

Compare the manifest with the live keys and report drift.
Exit codes: 0 in sync, 1 error (nothing claimed), 2 drift or a failing finding.

Options:
  -m, --manifest PATH     manifest file, directory of *.yaml, or - for stdin (repeatable; default keydrift.yaml)
      --format NAME[=PATH]  report format, repeatable: ${
  Object.keys(RENDERERS).join(", ")
} (default text to stdout; NAME=- is stdout too)
      --summary           also append the markdown report to $GITHUB_STEP_SUMMARY when it is set
${connectHelp("run against")}
      --project ID        check only this project (repeatable; admin keys are then not read)
      --org NAME          with orgs: in the manifest, check only this org (repeatable)
      --fail-on LEVEL     error (default) or warning: the lowest severity that fails the run
      --no-waivers        ignore all waivers (audit mode)
      --attribute         say who created each unexpected, changed or flagged key (audit log)
      --usage DAYS        say how much each unexpected or flagged key was used (1 to 90 days)
      --explain           text: show each fix as a curl command (never run by keydrift)
      --baseline FILE     items recorded in FILE (keydrift baseline) are known: shown, not failing
      --no-baseline       ignore --baseline (audit mode)
${SNAPSHOT_HELP}
      --color WHEN        auto (default), always or never
  -q, --quiet             only errors on stderr
  -v, --verbose           progress, retries and stack traces on stderr (never secrets)
  -h, --help              show this help
`;

/** The flags `keydrift check` accepts (parseArgs options) */
export const CHECK_OPTIONS = {
  manifest: { type: "string", short: "m", multiple: true },
  format: { type: "string", multiple: true },
  summary: { type: "boolean" },
  project: { type: "string", multiple: true },
  org: { type: "string", multiple: true },
  "fail-on": { type: "string" },
  "no-waivers": { type: "boolean" },
  attribute: { type: "boolean" },
  usage: { type: "string" },
  explain: { type: "boolean" },
  baseline: { type: "string" },
  "no-baseline": { type: "boolean" },
  ...SNAPSHOT_OPTIONS,
  color: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  ...CONNECT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

export type { Output } from "./reports.ts";

/**
 * Parses `--format NAME[=PATH]` values; at most one format may go to stdout. A bad value does not
 * hide the good ones: they are returned with the first problem, so an error report can still be
 * written to them.
 */
export function parseFormats(
  values: readonly string[] | undefined,
  command: string,
): { outputs: Output[]; error: UsageError | null } {
  const outputs: Output[] = [];
  const errors: UsageError[] = [];
  for (const v of values ?? ["text"]) {
    const [name, ...rest] = v.split("=");
    const path = !rest.length || rest.join("=") === "-" ? null : rest.join("="); // =- is stdout
    if (!isFormat(name)) {
      errors.push(
        new UsageError(
          `unknown format "${name}"; choose from ${Object.keys(RENDERERS).join(", ")}${
            suggestion(name, Object.keys(RENDERERS))
          }`,
          command,
        ),
      );
    } else if (path === "") {
      errors.push(new UsageError(`--format ${name}= needs a file path after "="`, command));
    } else if (path === null && outputs.some((o) => o.path === null)) {
      errors.push(
        new UsageError(
          "only one --format may write to stdout; give the others a file: --format json=report.json",
          command,
        ),
      );
    } else outputs.push({ format: name, path });
  }
  return { outputs, error: errors[0] ?? null };
}

/**
 * Runs `check`; returns the exit code. The chain: flags, load (manifest, baseline), read and
 * assess, enrich, mark the baseline, build the report (the only place that decides status and exit
 * code), render and write. Every exit-1 path writes the reports that were asked for (SPEC 10.2).
 */
export async function check(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const run = await prepare(argv, io, policies);
  if (typeof run === "number") return run;
  const { v, flags, out } = run;
  const { manifest, baseline } = await loadInputs(io, v, policies, out);
  let report: Report;
  try {
    if (manifest.orgs) {
      if (flags.snapshot) throw new UsageError(SNAPSHOT_ONE_ORG, "check");
      const orgs = v.org ?? [];
      const projects = v.project ?? [];
      const noWaivers = v["no-waivers"] === true;
      return out.finish(
        await checkFleet(io, manifest, policies, { ...flags, noWaivers, orgs, projects, baseline }),
      );
    }
    if (v.org?.length) {
      throw new UsageError("--org needs a manifest with orgs: (a fleet)", "check");
    }
    report = await checkOne(io, manifest, policies, { v, flags, baseline });
  } catch (e) {
    return out.fail(e);
  }
  return out.finish(report);
}

/** One organisation (a manifest without `orgs:`): read, assess, enrich, mark, report. */
async function checkOne(
  io: Io,
  manifest: Awaited<ReturnType<typeof loadInputs>>["manifest"],
  policies: readonly Policy[],
  { v, flags, baseline }: {
    v: CheckValues;
    flags: ReturnType<typeof checkFlags>;
    baseline: Awaited<ReturnType<typeof loadInputs>>["baseline"];
  },
): Promise<Report> {
  const client = await openClient(io, flags.connection);
  const { log, notices, snapshot } = { ...flags.connection, snapshot: flags.snapshot };
  const { attribute, usageDays } = flags.enrichReq;
  const assessed = await readAndAssess(io, client, manifest, policies, {
    now: io.deps.now(),
    noWaivers: v["no-waivers"] === true,
    progress: !v.quiet && io.deps.stderrIsTerminal?.() === true,
    ...{ log, notices, snapshot, api: apiIdentity(io.deps, flags.connection) },
    enrichment: { attribute, usage: usageDays !== null },
  });
  const reads = await readEnrichment(client.core, assessed, flags.enrichReq, io.deps.now());
  const enriched = enrich(assessed, reads, flags.enrichReq);
  const marked = baseline ? markBaseline(enriched, baseline) : enriched;
  return buildReport({ ...marked, api: client.core?.use() ?? null }, { failOn: flags.failOn });
}

type CheckValues = ReturnType<typeof parse<typeof CHECK_OPTIONS>>["values"];

/**
 * The flags, checked, and where the reports go; the help text's exit code; or, for a bad flag,
 * the error report written to every output asked for, then the error thrown.
 */
async function prepare(argv: string[], io: Io, policies: readonly Policy[]) {
  const { values: v, error: argError } = parseAll("check", argv, CHECK_OPTIONS);
  if (v.help && !argError) return (await io.out(CHECK_HELP), 0);
  const parsed = parseFormats(v.format, "check");
  const { outputs, summaryPath, error: clash } = await distinctTargets(
    io.deps,
    parsed.outputs,
    v.summary ? io.deps.env("GITHUB_STEP_SUMMARY") : undefined,
  );
  io.protect(inputsOf(v.manifest ?? [DEFAULT_MANIFEST], v));
  try {
    const early = argError ?? parsed.error ?? clash;
    if (early) throw early;
    const flags = checkFlags(v, io);
    // Before any read: a report may not replace a file this run reads.
    for (const path of [...outputs.map((o) => o.path), summaryPath]) {
      if (path) await io.checkTarget(path);
    }
    const out = new Reports(io, outputs, policies, {
      color: flags.useColor,
      width: io.deps.columns?.(),
      summaryPath,
      explain: v.explain === true,
      failOn: flags.failOn,
      quiet: v.quiet === true,
      target: flags.connection.fake ? `the fake API (${flags.connection.fake})` : "the Admin API",
    });
    return { v, flags, out };
  } catch (e) {
    // Each report to its own file, so one that cannot be written does not stop the others.
    const failOn = v["fail-on"] === "warning" ? "warning" : "error";
    const opts = { color: false, width: undefined, summaryPath, explain: false };
    await writeReports(io, errorReport(firstLine(e), failOn, null, policies), outputs, opts)
      .catch(() => undefined);
    throw e;
  }
}

/** The manifest (scoped to `--project`) and the baseline; on failure, the error reports. */
async function loadInputs(io: Io, v: CheckValues, policies: readonly Policy[], out: Reports) {
  const loaded = await loadFrom(io.deps, v.manifest ?? [], policies).catch(out.fail);
  if (!loaded.manifest) return out.fail(new ManifestError(loaded.problems));
  const baselinePath = v["no-baseline"] ? undefined : v.baseline;
  const baseline = baselinePath ? await readBaseline(io.deps, baselinePath).catch(out.fail) : null;
  for (const p of loaded.waiverProblems) {
    if (!v.quiet) await io.err(`keydrift: warning: ${textSafe(formatProblem(p))}\n`);
  }
  try {
    // A fleet scopes each org to --org and --project itself (commands/fleet.ts).
    out.manifest = loaded.manifest.orgs ? loaded.manifest : scope(loaded.manifest, v.project ?? []);
  } catch (e) {
    return out.fail(e);
  }
  return { manifest: out.manifest, baseline };
}

/** The flags of `check` beyond the outputs, checked (a bad value is a UsageError). */
function checkFlags(v: CheckValues, io: Io) {
  if (v.fake === "-" && (v.manifest ?? []).includes("-")) {
    throw new UsageError(
      "-m - and --fake - cannot both read stdin; pass one of them as a file",
      "check",
    );
  }
  const failOn: FailOn = enumFlag(
    "check",
    "fail-on",
    v["fail-on"],
    ["error", "warning"] as const,
    "error",
  );
  const enrichReq = enrichRequest(v.attribute === true, v.usage);
  const color = enumFlag("check", "color", v.color, ["auto", "always", "never"] as const, "auto");
  const useColor = color === "always" ||
    (color === "auto" && io.deps.isTerminal() && !io.deps.noColor);
  const connection = connectOptions("check", v, io);
  const snapshot = snapshotFlags("check", v);
  return { failOn, enrichReq, useColor, connection, snapshot };
}

/** `--attribute` and `--usage DAYS` (1 to 90). */
function enrichRequest(attribute: boolean, usage: string | undefined): EnrichRequest {
  const days = usage === undefined ? null : intFlag("check", "usage", usage, 7, 1, 90);
  return { attribute, usageDays: days };
}
