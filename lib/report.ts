/**
 * The report: computed once from the diff, the findings and the errors; every renderer reads
 * it and nothing else. Exit codes are data: one table, one pure function.
 */
import type { DiffCounts } from "./diff.ts";
import type { Note } from "./policy.ts";
import type { Drift, Finding, Manifest, RunError, Severity } from "./types.ts";
import { VERSION } from "./version.ts";

export type Status = "in_sync" | "drift" | "error";
export type FailOn = Severity;

/** Terraform `-detailed-exitcode` order. */
export const EXIT_CODES = { in_sync: 0, error: 1, drift: 2 } as const satisfies Record<
  Status,
  number
>;

export interface Summary {
  projects: number;
  declared_keys: number;
  live_keys: number;
  in_sync_keys: number;
  missing: number;
  unexpected: number;
  changed: number;
  ambiguous: number;
  project_drift: number;
  /** Live keys that fit an ambiguous entry (not reported as unexpected). */
  ambiguous_candidates: number;
  /** Unexpected keys in projects with `unmanaged: ignore`. */
  ignored: number;
  /** Declared keys of projects that do not exist. */
  in_missing_projects: number;
  policy_errors: number;
  policy_warnings: number;
  waived: number;
  /** Live keys matched to an entry. */
  managed_keys: number;
  /** managed_keys / live_keys as a whole percentage (rounded down; 100 with no live keys). */
  coverage: number;
}

export interface Report {
  tool: { name: "keydrift"; version: string };
  status: Status;
  exitCode: 0 | 1 | 2;
  failOn: FailOn;
  manifestFiles: string[];
  summary: Summary;
  drift: Drift[];
  findings: Finding[];
  errors: RunError[];
  /** Warnings about the manifest (unmatched or malformed waivers). */
  notes: Note[];
}

export interface ReportInput {
  manifest: Manifest | null;
  drift: Drift[];
  counts: DiffCounts;
  findings: Finding[];
  notes: Note[];
  errors: RunError[];
  liveKeys: number;
  failOn: FailOn;
  /** Projects in scope (after --project). */
  projects: number;
}

/** Whether a severity reaches `--fail-on`. */
export function fails(severity: Severity, failOn: FailOn): boolean {
  return failOn === "warning" || severity === "error";
}

/** The exit code for a report's contents: errors first, then anything at or above fail-on. */
export function exitCodeFor(
  input: Pick<ReportInput, "errors" | "drift" | "findings" | "failOn">,
): 0 | 1 | 2 {
  if (input.errors.length) return EXIT_CODES.error;
  const failing = input.drift.some((d) => fails(d.severity, input.failOn)) ||
    input.findings.some((f) => !f.waived && fails(f.severity, input.failOn));
  return failing ? EXIT_CODES.drift : EXIT_CODES.in_sync;
}

function statusFor(code: 0 | 1 | 2): Status {
  return code === 0 ? "in_sync" : code === 1 ? "error" : "drift";
}

/** Builds the one report every renderer reads. */
export function buildReport(input: ReportInput): Report {
  const count = (kind: Drift["kind"]) => input.drift.filter((d) => d.kind === kind).length;
  const scoped = new Set(input.manifest?.projects.map((p) => p.id) ?? []);
  const declared =
    input.manifest?.projects.reduce((n, p) => n + (scoped.has(p.id) ? p.keys.length : 0), 0) ?? 0;
  const changed = count("changed");
  const managed = input.counts.inSync + changed;
  const open = input.findings.filter((f) => !f.waived);
  const exitCode = exitCodeFor(input);
  return {
    tool: { name: "keydrift", version: VERSION },
    status: statusFor(exitCode),
    exitCode,
    failOn: input.failOn,
    manifestFiles: input.manifest?.files ?? [],
    summary: {
      projects: input.projects,
      declared_keys: declared,
      live_keys: input.liveKeys,
      in_sync_keys: input.counts.inSync,
      missing: count("missing"),
      unexpected: count("unexpected"),
      changed,
      ambiguous: count("ambiguous"),
      project_drift: count("project_missing") + count("project_changed"),
      ambiguous_candidates: input.counts.candidates,
      ignored: input.counts.ignored,
      in_missing_projects: input.counts.inMissingProjects,
      policy_errors: open.filter((f) => f.severity === "error").length,
      policy_warnings: open.filter((f) => f.severity === "warning").length,
      waived: input.findings.length - open.length,
      managed_keys: managed,
      coverage: input.liveKeys === 0 ? 100 : Math.floor((managed / input.liveKeys) * 100),
    },
    drift: input.drift,
    findings: [...input.findings].sort(findingOrder),
    errors: input.errors,
    notes: input.notes,
  };
}

/** A report for a run that failed before it could compare anything. */
export function errorReport(
  message: string,
  failOn: FailOn,
  manifest: Manifest | null = null,
): Report {
  return buildReport({
    manifest,
    drift: [],
    counts: { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 },
    findings: [],
    notes: [],
    errors: [{ message, projectId: null }],
    liveKeys: 0,
    failOn,
    projects: manifest?.projects.length ?? 0,
  });
}

function findingOrder(a: Finding, b: Finding): number {
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return c(a.projectId, b.projectId) || c(a.keyName ?? "", b.keyName ?? "") ||
    c(a.keyId ?? "", b.keyId ?? "") ||
    c(a.policy, b.policy);
}
