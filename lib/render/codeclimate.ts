/**
 * `codeclimate`: GitLab Code Quality JSON (the subset of the Code Climate spec GitLab reads): one
 * issue per drift item, per open finding and per read error, located in the manifest. GitLab shows
 * `description` to people: it is `textSafe` (no control, bidi, zero-width or line-separator
 * character raw).
 * https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
 */
import type { Drift, Finding, Report } from "./words.ts";
import { type RunError, type Severity } from "../core/types.ts";
import { driftMessage, findingMessage } from "./_shared.ts";
import { digest, fingerprinter } from "../enrich/fingerprint.ts";
import { enrichedSuffix } from "./_enrich.ts";
import { repoPath } from "./_repo_path.ts";
import { Streamed, streamJson } from "./json.ts";
import { textSafe } from "./inert.ts";

/** Options of the Code Climate report: the repository root for paths */
export interface CodeclimateOptions {
  /** Absolute path of the repository root (the CLI passes its working directory). */
  root?: string;
}

/**
 * keydrift severity -> GitLab severity. An error fails the run at the default `--fail-on`: it is
 * `critical`; a warning is `minor`; a read error (the run could not compare everything) is
 * `blocker`. `info`, `major` are not used.
 */
export const CODE_QUALITY_SEVERITY: Record<Severity | "run_error", string> = {
  error: "critical",
  warning: "minor",
  run_error: "blocker",
};

type Item = { drift: Drift } | { finding: Finding } | { error: RunError; n: number };

/** The issues in pieces, one issue per line; see `streamJson`. */
export function codeclimateChunks(r: Report, opts: CodeclimateOptions = {}): Iterable<string> {
  const fallback = repoPath(r.manifestFiles[0] ?? "keydrift.yaml", opts.root);
  const path = (file: string | undefined) => file ? repoPath(file, opts.root) : fallback;
  const next = fingerprinter();
  // Fingerprints number every item in report order (as SARIF and the baseline do), so the ones
  // left out still take theirs.
  const fps = new Map<Drift | Finding, string>();
  for (const x of [...r.drift, ...r.findings]) fps.set(x, next(x));
  const issue = (x: Item) => {
    if ("error" in x) return errorIssue(x.error, x.n, path(x.error.location?.file));
    const [item, check, text] = "drift" in x
      ? [x.drift, `drift/${x.drift.kind}`, driftMessage(x.drift)]
      : [x.finding, `policy/${x.finding.policy}`, findingMessage(x.finding)];
    return {
      type: "issue",
      check_name: `keydrift/${check}`,
      description: textSafe(text + enrichedSuffix(item)),
      categories: ["Security"],
      fingerprint: fps.get(item)!,
      severity: CODE_QUALITY_SEVERITY[item.severity],
      location: { path: path(item.location?.file), lines: { begin: item.location?.line ?? 1 } },
    };
  };
  return streamJson(new Streamed(items(r), issue, true));
}

/** Baselined items and waived findings are left out: GitLab cannot mark an issue accepted. */
function* items(r: Report): Generator<Item> {
  for (const drift of r.drift) if (!drift.baselined) yield { drift };
  for (const finding of r.findings) if (!finding.waived && !finding.baselined) yield { finding };
  let n = 0;
  for (const error of r.errors) yield { error, n: n++ };
}

/**
 * A read error as an issue, at its place in the manifest when it has one (a manifest problem);
 * fingerprinted by its project and place in the run.
 */
function errorIssue(error: RunError, n: number, path: string) {
  return {
    type: "issue",
    check_name: "keydrift/read-error",
    description: `keydrift could not compare everything: ${textSafe(error.message)}`,
    categories: ["Security"],
    // Not the message (it carries request ids): the project and the error's place in the run.
    fingerprint: digest(["read-error", error.projectId, n]),
    severity: CODE_QUALITY_SEVERITY.run_error,
    location: { path, lines: { begin: error.location?.line ?? 1 } },
  };
}

/** The report as GitLab Code Quality JSON (the Code Climate subset GitLab reads) */
export function renderCodeclimate(r: Report, opts: CodeclimateOptions = {}): string {
  return [...codeclimateChunks(r, opts)].join("");
}
