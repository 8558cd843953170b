/**
 * The reports of one `check` run: every format asked for, each to its file or stdout, and the
 * step summary; the final report, or the error report when the run fails (SPEC 10.2).
 */
import type { Io } from "./io.ts";
import { ManifestError } from "../core/errors.ts";
import type { Policy } from "../assess/policy.ts";
import { errorReport, type FailOn, type Report } from "../report/report.ts";
import { renderChunks, RENDERERS } from "../render/mod.ts";
import type { Manifest } from "../core/types.ts";
import { statusLine } from "../render/status.ts";
import { textSafe } from "../render/inert.ts";
import { identify, type PathIdentity, sameFile } from "./files.ts";
import type { Deps } from "../core/deps.ts";
import { UsageError } from "../core/errors.ts";

/** One requested report: its format and the file it goes to (null for stdout) */
export interface Output {
  format: keyof typeof RENDERERS;
  path: string | null;
}

/** The first line of an error's message: what an error report says. */
export const firstLine = (e: unknown) => e instanceof Error ? e.message.split("\n")[0] : String(e);

/** How the reports of one run are written, and what is known of the run when it fails. */
export interface ReportSettings {
  color: boolean;
  width: number | undefined;
  summaryPath: string | undefined;
  explain: boolean;
  failOn: FailOn;
  quiet: boolean;
  /** What the status line says was read. */
  target: string;
}

/** The reports a run asked for: the final one, or the error one when the run fails. */
export class Reports {
  /** The manifest, once loaded and scoped: an error report describes it. */
  manifest: Manifest | null = null;

  constructor(
    private readonly io: Io,
    private readonly outputs: Output[],
    private readonly policies: readonly Policy[],
    private readonly o: ReportSettings,
  ) {}

  /** Writes the reports and the status line; returns the exit code. */
  finish = async (report: Report): Promise<number> => {
    // A report that cannot be written makes the run an error: the others say so too.
    await this.emit(report).catch(this.fail);
    if (!this.o.quiet) await this.io.err(`${textSafe(statusLine(report, this.o.target))}\n`);
    return report.exitCode;
  };

  /** Writes the error report (status "error") to every output, then throws `e`. */
  fail = async (e: unknown): Promise<never> => {
    // A manifest's problems are one located error each (an annotation each in `github`).
    const errors = e instanceof ManifestError ? e.problems : firstLine(e);
    const report = errorReport(errors, this.o.failOn, this.manifest, this.policies);
    await this.emit(report).catch(() => undefined);
    throw e;
  };

  private emit(report: Report): Promise<void> {
    return writeReports(this.io, report, this.outputs, this.o);
  }
}

/**
 * Writes every requested report, and the step summary: each on its own, so that one that cannot
 * be written does not stop the others; the first failure is thrown after all were tried.
 */
export async function writeReports(
  io: Io,
  report: Report,
  outputs: Output[],
  o: Pick<ReportSettings, "color" | "width" | "summaryPath" | "explain">,
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
      runErrorsOnStderr: toTerminal, // the run's own errors reach stderr (cli.ts): said once
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

/**
 * The outputs and step summary with no two writing one file (by real path, or device and inode):
 * a later `--format` to a file an earlier one writes is dropped, and so is a step summary that is a
 * report's file (it would append markdown to that report); the first such problem is returned, so
 * that the reports that can still be written are, with the run an error.
 */
export async function distinctTargets(
  deps: Deps,
  outputs: readonly Output[],
  summaryPath: string | undefined,
): Promise<{ outputs: Output[]; summaryPath: string | undefined; error: UsageError | null }> {
  const kept: { output: Output; id: PathIdentity }[] = [];
  const errors: UsageError[] = [];
  const flag = (o: Output) => `--format ${o.format}=${o.path}`;
  for (const output of outputs) {
    const id = output.path === null ? null : await identify(deps, output.path);
    const first = id && kept.find((k) => sameFile(k.id, id));
    if (first) {
      errors.push(
        new UsageError(
          `${flag(output)} writes the same file as ${flag(first.output)}; give each report its ` +
            "own file",
          "check",
        ),
      );
    } else if (id) kept.push({ output, id });
    else kept.push({ output, id: { path: "", id: null } });
  }
  let summary = summaryPath;
  if (summary) {
    const id = await identify(deps, summary);
    const report = kept.find((k) => k.output.path !== null && sameFile(k.id, id));
    if (report) {
      errors.push(
        new UsageError(
          `$GITHUB_STEP_SUMMARY "${summary}" is the file of ${flag(report.output)}, and the ` +
            "summary would be appended to that report; write the report elsewhere",
          "check",
        ),
      );
      summary = undefined;
    }
  }
  return { outputs: kept.map((k) => k.output), summaryPath: summary, error: errors[0] ?? null };
}
