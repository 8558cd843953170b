/** `keydrift check`: read live keys, match, diff, evaluate policies, report, exit code. */
import type { Io } from "./io.ts";
import { formatProblem, ManifestError, suggestion, UsageError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { errorReport, type FailOn, type Report } from "../report/report.ts";
import { isFormat, renderChunks, RENDERERS } from "../render/mod.ts";
import type { Manifest } from "../core/types.ts";
import { enumFlag, intFlag, parse, parseAll } from "./args.ts";
import { statusLine } from "../render/status.ts";
import { textSafe } from "../render/inert.ts";
import { CONNECT_OPTIONS, connectHelp, connectOptions, inputsOf } from "./connect.ts";
import { applyBaseline } from "../enrich/baseline.ts";
import { readBaseline } from "./baseline.ts";
import { DEFAULT_MANIFEST, loadFrom } from "./load.ts";
import { assessLive, scope } from "./assess_live.ts";
import {
  enrich,
  type EnrichRequest,
  readEnrichment,
  remediationContext,
} from "../enrich/enrich.ts";

/** The help text of `keydrift check` */
export const CHECK_HELP = `Usage: keydrift check [options]

Compare the manifest with the live keys and report drift.
Exit codes: 0 in sync, 1 error (nothing claimed), 2 drift or a failing finding.

Options:
  -m, --manifest PATH     manifest file, directory of *.yaml, or - for stdin (repeatable; default keydrift.yaml)
      --format NAME[=PATH]  report format, repeatable: ${
  Object.keys(RENDERERS).join(", ")
} (default text to stdout)
      --summary           also append the markdown report to $GITHUB_STEP_SUMMARY when it is set
${connectHelp("run against")}
      --project ID        check only this project (repeatable; admin keys are then not read)
      --fail-on LEVEL     error (default) or warning: the lowest severity that fails the run
      --no-waivers        ignore all waivers (audit mode)
      --attribute         say who created each unexpected, changed or flagged key (audit log)
      --usage DAYS        say how much each unexpected or flagged key was used (1 to 90 days)
      --explain           text: show each fix as a curl command (never run by keydrift)
      --baseline FILE     items recorded in FILE (keydrift baseline) are known: shown, not failing
      --no-baseline       ignore --baseline (audit mode)
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
  "fail-on": { type: "string" },
  "no-waivers": { type: "boolean" },
  attribute: { type: "boolean" },
  usage: { type: "string" },
  explain: { type: "boolean" },
  baseline: { type: "string" },
  "no-baseline": { type: "boolean" },
  color: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  ...CONNECT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

/** One requested report: its format and the file it goes to (null for stdout) */
export interface Output {
  format: keyof typeof RENDERERS;
  path: string | null;
}

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
    const path = rest.length ? rest.join("=") : null;
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

/** The first line of an error's message: what an error report says. */
const firstLine = (e: unknown) => e instanceof Error ? e.message.split("\n")[0] : String(e);

/** Runs `check`; returns the exit code. */
export async function check(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const { values: v, error: argError } = parseAll("check", argv, CHECK_OPTIONS);
  if (v.help && !argError) return (await io.out(CHECK_HELP), 0);
  const { outputs, error: formatError } = parseFormats(v.format, "check");
  const summaryPath = v.summary ? io.deps.env("GITHUB_STEP_SUMMARY") : undefined;
  io.protect(inputsOf(v.manifest ?? [DEFAULT_MANIFEST], v));
  // Every exit-1 path writes the reports that were asked for (SPEC 10.2), usage errors included:
  // each to its own file, so one that cannot be written does not stop the others.
  const refuse = async (e: unknown): Promise<never> => {
    const failOn = v["fail-on"] === "warning" ? "warning" : "error";
    await writeReports(io, errorReport(firstLine(e), failOn, null, policies), outputs, {
      color: false,
      width: undefined,
      summaryPath,
      explain: false,
    }).catch(() => undefined);
    throw e;
  };
  let flags: ReturnType<typeof checkFlags>;
  try {
    if (argError ?? formatError) throw argError ?? formatError;
    flags = checkFlags(v, io);
    // Before any read: a report may not replace a file this run reads.
    for (const path of [...outputs.map((o) => o.path), summaryPath]) {
      if (path) await io.checkTarget(path);
    }
  } catch (e) {
    return refuse(e);
  }
  const { failOn, enrichReq, useColor, connection } = flags;
  let manifest: Manifest | null = null;
  const emit = (report: Report) =>
    writeReports(io, report, outputs, {
      color: useColor,
      width: io.deps.columns?.(),
      summaryPath,
      explain: v.explain === true,
    });
  const target = connection.fake ? `the fake API (${connection.fake})` : "the Admin API";
  const finish = async (report: Report) => {
    // A report that cannot be written makes the run an error: the others say so too.
    await emit(report).catch(failed);
    if (!v.quiet) await io.err(`${textSafe(statusLine(report, target))}\n`);
    return report.exitCode;
  };
  // Every exit-1 path writes the reports that were asked for (status "error"), then fails.
  const failed = async (e: unknown, what?: string): Promise<never> => {
    const message = what ??
      (e instanceof ManifestError
        ? `a file is invalid (${e.problems.length} problems): ${
          e.problems.map(formatProblem).join("; ")
        }`
        : firstLine(e));
    await emit(errorReport(message, failOn, manifest, policies)).catch(() => undefined);
    throw e;
  };

  const loaded = await loadFrom(io.deps, v.manifest ?? [], policies, "check").catch(failed);
  if (!loaded.manifest) {
    const n = loaded.problems.length;
    return failed(
      new ManifestError(loaded.problems),
      `the manifest is invalid (${n} problem${n === 1 ? "" : "s"})`,
    );
  }
  const baselinePath = v["no-baseline"] ? undefined : v.baseline;
  const baseline = baselinePath
    ? await readBaseline(io.deps, baselinePath, "check").catch(failed)
    : null;
  for (const p of loaded.waiverProblems) {
    if (!v.quiet) await io.err(`keydrift: warning: ${textSafe(formatProblem(p))}\n`);
  }
  try {
    manifest = scope(loaded.manifest, v.project ?? []);
  } catch (e) {
    return failed(e);
  }
  let report: Report;
  try {
    const live = await assessLive(io, manifest, policies, connection, {
      noWaivers: v["no-waivers"] === true,
      failOn,
      progress: !v.quiet && io.deps.stderrIsTerminal?.() === true,
    });
    report = live.report;
    // Enrichment: after the diff and the policies; it never changes drift, status or exit code.
    const facts = { now: io.deps.now(), createdAt: (id: string) => live.createdAt.get(id) };
    const data = report.status !== "error" && live.core &&
        (enrichReq.attribute || enrichReq.usageDays !== null)
      ? await readEnrichment(live.core, report, enrichReq, facts)
      : {};
    report = enrich(
      report,
      data,
      enrichReq,
      remediationContext(manifest, policies, Math.floor(live.started / 1000), facts.createdAt),
    );
  } catch (e) {
    return failed(e);
  }
  if (baseline) report = applyBaseline(report, baseline);
  return finish(report);
}

/** The flags of `check` beyond the outputs, checked (a bad value is a UsageError). */
function checkFlags(v: ReturnType<typeof parse<typeof CHECK_OPTIONS>>["values"], io: Io) {
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
  return { failOn, enrichReq, useColor, connection };
}

/** `--attribute` and `--usage DAYS` (1 to 90). */
function enrichRequest(attribute: boolean, usage: string | undefined): EnrichRequest {
  const days = usage === undefined ? null : intFlag("check", "usage", usage, 7);
  if (days !== null && days > 90) {
    throw new UsageError(`--usage must be 1 to 90 days, not "${usage}"`, "check");
  }
  return { attribute, usageDays: days };
}

/**
 * Writes every requested report, and the step summary: each on its own, so that one that cannot
 * be written does not stop the others; the first failure is thrown after all were tried.
 */
async function writeReports(
  io: Io,
  report: Report,
  outputs: Output[],
  o: {
    color: boolean;
    width: number | undefined;
    summaryPath: string | undefined;
    explain: boolean;
  },
) {
  const root = io.deps.cwd?.();
  const jsonReport = outputs.find((x) => x.format === "json" && x.path !== null)?.path ?? undefined;
  const failures: unknown[] = [];
  for (const { format, path } of outputs) {
    const toTerminal = path === null && format === "text";
    const opts = {
      color: toTerminal && o.color,
      width: toTerminal ? o.width : undefined,
      root,
      jsonReport,
      explain: o.explain,
    };
    // Piece by piece (each piece whole items, so scrubbing sees every secret whole).
    const pieces = renderChunks(format, report, opts);
    try {
      if (path !== null) await io.writeFile(path, pieces);
      else for (const piece of pieces) await io.out(piece);
    } catch (e) {
      failures.push(e);
    }
  }
  // The runner creates the summary file and gathers what each step appends: an append. After a
  // failed write the run turns into an error, whose summary is appended instead of this one.
  if (o.summaryPath && (!failures.length || report.status === "error")) {
    const text = RENDERERS.markdown(report, { color: false, jsonReport }) + "\n";
    await io.append(o.summaryPath, text).catch((e) => failures.push(e));
  }
  if (failures.length) throw failures[0];
}
