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
  function* items(): Generator<Item> {
    // Baselined items and waived findings are left out: GitLab cannot mark an issue accepted.
    for (const drift of r.drift) if (!drift.baselined) yield { drift };
    for (const finding of r.findings) if (!finding.waived && !finding.baselined) yield { finding };
    let n = 0;
    for (const error of r.errors) yield { error, n: n++ };
  }
  const issue = (x: Item) => {
    if ("drift" in x) {
      const d = x.drift;
      return {
        type: "issue",
        check_name: `keydrift/drift/${d.kind}`,
        description: textSafe(driftMessage(d) + enrichedSuffix(d)),
        categories: ["Security"],
        fingerprint: fps.get(d)!,
        severity: CODE_QUALITY_SEVERITY[d.severity],
        location: { path: path(d.location?.file), lines: { begin: d.location?.line ?? 1 } },
      };
    }
    if ("finding" in x) {
      const f = x.finding;
      return {
        type: "issue",
        check_name: `keydrift/policy/${f.policy}`,
        description: textSafe(findingMessage(f) + enrichedSuffix(f)),
        categories: ["Security"],
        fingerprint: fps.get(f)!,
        severity: CODE_QUALITY_SEVERITY[f.severity],
        location: { path: path(f.location?.file), lines: { begin: f.location?.line ?? 1 } },
      };
    }
    return {
      type: "issue",
      check_name: "keydrift/read-error",
      description: `keydrift could not compare everything: ${textSafe(x.error.message)}`,
      categories: ["Security"],
      // Not the message (it carries request ids): the project and the error's place in the run.
      fingerprint: digest(["read-error", x.error.projectId, x.n]),
      severity: CODE_QUALITY_SEVERITY.run_error,
      location: { path: fallback, lines: { begin: 1 } },
    };
  };
  return streamJson(new Streamed(items(), issue, true));
}

/** The report as GitLab Code Quality JSON (the Code Climate subset GitLab reads) */
export function renderCodeclimate(r: Report, opts: CodeclimateOptions = {}): string {
  return [...codeclimateChunks(r, opts)].join("");
}
