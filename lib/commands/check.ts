/** `keydrift check`: read live keys, match, diff, evaluate policies, report, exit code. */
import type { Io } from "../io.ts";
import { formatProblem, ManifestError, suggestion, UsageError } from "../errors.ts";
import type { Policy } from "../policy.ts";
import { errorReport, type FailOn, type Report } from "../report.ts";
import { isFormat, renderChunks, RENDERERS } from "../render/mod.ts";
import type { Manifest } from "../types.ts";
import { enumFlag, intFlag, parse } from "./args.ts";
import { statusLine } from "../render/status.ts";
import { textSafe } from "../render/inert.ts";
import { CONNECT_OPTIONS, connectHelp, connectOptions } from "./connect.ts";
import { applyBaseline } from "../baseline.ts";
import { readBaseline } from "./baseline.ts";
import { loadFrom } from "./load.ts";
import { assessLive, scope } from "./assess_live.ts";
import { enrich, type EnrichRequest, readEnrichment, remediationContext } from "../enrich.ts";

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

/** Parses `--format NAME[=PATH]` values; at most one format may go to stdout. */
export function parseFormats(values: readonly string[] | undefined, command: string): Output[] {
  const out: Output[] = (values ?? ["text"]).map((v) => {
    const [name, ...rest] = v.split("=");
    if (!isFormat(name)) {
      throw new UsageError(
        `unknown format "${name}"; choose from ${Object.keys(RENDERERS).join(", ")}${
          suggestion(name, Object.keys(RENDERERS))
        }`,
        command,
      );
    }
    const path = rest.length ? rest.join("=") : null;
    if (path === "") throw new UsageError(`--format ${name}= needs a file path after "="`, command);
    return { format: name, path };
  });
  if (out.filter((o) => o.path === null).length > 1) {
    throw new UsageError(
      "only one --format may write to stdout; give the others a file: --format json=report.json",
      command,
    );
  }
  return out;
}

/** Runs `check`; returns the exit code. */
export async function check(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const { values: v } = parse("check", argv, CHECK_OPTIONS);
  if (v.help) return (await io.out(CHECK_HELP), 0);
  const outputs = parseFormats(v.format, "check");
  // Every exit-1 path writes the reports that were asked for, flag errors included.
  let flags: ReturnType<typeof checkFlags>;
  try {
    flags = checkFlags(v, io);
  } catch (e) {
    const report = errorReport(
      e instanceof Error ? e.message.split("\n")[0] : String(e),
      v["fail-on"] === "warning" ? "warning" : "error",
      null,
      policies,
    );
    await writeReports(io, report, outputs, {
      color: false,
      width: undefined,
      summary: v.summary === true,
      explain: false,
    }).catch(() => undefined);
    throw e;
  }
  const { failOn, enrichReq, useColor, connection } = flags;
  let manifest: Manifest | null = null;
  const emit = (report: Report) =>
    writeReports(io, report, outputs, {
      color: useColor,
      width: io.deps.columns?.(),
      summary: v.summary === true,
      explain: v.explain === true,
    });
  const target = connection.fake ? `the fake API (${connection.fake})` : "the Admin API";
  const finish = async (report: Report) => {
    await emit(report);
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
        : e instanceof Error
        ? e.message.split("\n")[0]
        : String(e));
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

async function writeReports(
  io: Io,
  report: Report,
  outputs: Output[],
  o: {
    color: boolean;
    width: number | undefined;
    summary: boolean;
    explain: boolean;
  },
) {
  const root = io.deps.cwd?.();
  const jsonReport = outputs.find((x) => x.format === "json" && x.path !== null)?.path ?? undefined;
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
    let append = false;
    for (const piece of renderChunks(format, report, opts)) {
      if (path === null) await io.out(piece);
      else await io.write(path, piece, { append });
      append = true;
    }
  }
  const summaryPath = o.summary ? io.deps.env("GITHUB_STEP_SUMMARY") : undefined;
  if (summaryPath) {
    await io.write(summaryPath, RENDERERS.markdown(report, { color: false, jsonReport }) + "\n", {
      append: true,
    });
  }
}
