/**
 * The report: computed once from the diff, the findings and the errors; every renderer reads
 * it and nothing else. Exit codes are data: one table, one pure function.
 */
import type { BaselineOutcome } from "../enrich/baseline_file.ts";
import type { DiffCounts } from "../assess/diff.ts";
import { effectiveSeverity, type Note, type Policy } from "../assess/policy.ts";
import {
  type Drift,
  type Finding,
  type Manifest,
  ORG,
  type PolicySeverity,
  type RunError,
  type Severity,
  type SourceLocation,
} from "../core/types.ts";
import { VERSION } from "../core/version.ts";

/** The outcome of a run: in sync, drift, or an error */
export type Status = "in_sync" | "drift" | "error";
/** The lowest severity that makes a run fail (`--fail-on`) */
export type FailOn = Severity;

/** Terraform `-detailed-exitcode` order. */
export const EXIT_CODES = { in_sync: 0, error: 1, drift: 2 } as const satisfies Record<
  Status,
  number
>;

/** The counts of a report: projects, keys, drift by kind, findings, waivers and coverage */
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
  /** Drift items and findings acknowledged by `--baseline` (not counted above; issue 14). */
  baselined: number;
  /** Live keys matched to an entry. */
  managed_keys: number;
  /** managed_keys / live_keys as a whole percentage (rounded down; 100 with no live keys). */
  coverage: number;
}

/** A policy as the report describes it (SARIF rules, help text): no code, only words and levels. */
export interface RuleInfo {
  id: string;
  summary: string;
  rationale: string;
  source: string;
  defaultSeverity: PolicySeverity;
  /** The severity this run used (the manifest may override the default). */
  severity: PolicySeverity;
}

/** A declared project and its entries, as checked in this run (JUnit shows one test per entry). */
export interface DeclaredSummary {
  projectId: string;
  location: SourceLocation;
  keys: { name: string; id: string | null; location: SourceLocation }[];
}

/** Everything a renderer needs, and nothing that is not data. */
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
  /** The policies this run knew of, for rule descriptions. */
  rules: RuleInfo[];
  /** The projects in scope and their declared entries. */
  declared: DeclaredSummary[];
  /** Set by `check --baseline`: the file and the entries that no longer occur (issue 14). */
  baseline?: BaselineOutcome | null;
  /** Whether this run read the organisation's admin keys (issue 14). */
  adminKeysChecked?: boolean;
  /** What `--attribute` / `--usage` read, and why it failed (absent when neither was asked). */
  enrichment?: EnrichmentStatus;
}

/** Per enrichment asked for: null error when it was read, else why it could not be. */
export interface EnrichmentStatus {
  attribution: { error: string | null } | null;
  usage: { days: number; error: string | null } | null;
}

/**
 * Everything a report is built from: the manifest, drift, counts, findings, notes, errors and
 * the run's settings
 */
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
  policies: readonly Policy[];
  /** Whether the organisation's admin keys were read and compared (issue 14). */
  adminKeysChecked?: boolean;
}

/** Whether a severity reaches `--fail-on`. */
export function fails(severity: Severity, failOn: FailOn): boolean {
  return failOn === "warning" || severity === "error";
}

/**
 * Whether a drift item or a finding fails the run: not waived, not baselined (known and
 * acknowledged, issue 14), and at or above `--fail-on`.
 */
export function isFailing(
  x: { severity: Severity; waived?: boolean; baselined?: boolean },
  failOn: FailOn,
): boolean {
  return !x.waived && !x.baselined && fails(x.severity, failOn);
}

/** The exit code for a report's contents: errors first, then anything at or above fail-on. */
export function exitCodeFor(
  input: Pick<ReportInput, "errors" | "drift" | "findings" | "failOn">,
): 0 | 1 | 2 {
  if (input.errors.length) return EXIT_CODES.error;
  const failing = input.drift.some((d) => isFailing(d, input.failOn)) ||
    input.findings.some((f) => isFailing(f, input.failOn));
  return failing ? EXIT_CODES.drift : EXIT_CODES.in_sync;
}

/** The status an exit code stands for. */
export function statusFor(code: 0 | 1 | 2): Status {
  return code === 0 ? "in_sync" : code === 1 ? "error" : "drift";
}

/**
 * The summary's drift and policy counts: items not baselined (baselined ones are counted apart),
 * findings neither waived nor baselined.
 */
export function openCounts(
  drift: readonly Drift[],
  findings: readonly Finding[],
): Pick<
  Summary,
  | "missing"
  | "unexpected"
  | "changed"
  | "ambiguous"
  | "project_drift"
  | "policy_errors"
  | "policy_warnings"
  | "baselined"
> {
  const open = drift.filter((d) => !d.baselined);
  const count = (...kinds: Drift["kind"][]) => open.filter((d) => kinds.includes(d.kind)).length;
  const openFindings = findings.filter((f) => !f.waived && !f.baselined);
  return {
    missing: count("missing"),
    unexpected: count("unexpected"),
    changed: count("changed"),
    ambiguous: count("ambiguous"),
    project_drift: count("project_missing", "project_changed"),
    policy_errors: openFindings.filter((f) => f.severity === "error").length,
    policy_warnings: openFindings.filter((f) => f.severity === "warning").length,
    baselined: drift.length - open.length + findings.filter((f) => f.baselined).length,
  };
}

/** Builds the one report every renderer reads. */
export function buildReport(input: ReportInput): Report {
  const scoped = new Set(input.manifest?.projects.map((p) => p.id) ?? []);
  const declared =
    (input.manifest?.projects.reduce((n, p) => n + (scoped.has(p.id) ? p.keys.length : 0), 0) ??
      0) + (input.adminKeysChecked ? input.manifest?.adminKeys?.keys.length ?? 0 : 0);
  const counts = openCounts(input.drift, input.findings);
  // Nothing is baselined yet: every changed key is a managed one.
  const managed = input.counts.inSync + counts.changed;
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
      missing: counts.missing,
      unexpected: counts.unexpected,
      changed: counts.changed,
      ambiguous: counts.ambiguous,
      project_drift: counts.project_drift,
      ambiguous_candidates: input.counts.candidates,
      ignored: input.counts.ignored,
      in_missing_projects: input.counts.inMissingProjects,
      policy_errors: counts.policy_errors,
      policy_warnings: counts.policy_warnings,
      waived: input.findings.filter((f) => f.waived).length,
      baselined: counts.baselined,
      managed_keys: managed,
      coverage: input.liveKeys === 0 ? 100 : Math.floor((managed / input.liveKeys) * 100),
    },
    drift: input.drift,
    findings: [...input.findings].sort(findingOrder),
    errors: input.errors,
    notes: input.notes,
    rules: input.policies.map((p) => ({
      id: p.id,
      summary: p.summary,
      rationale: p.rationale,
      source: p.source,
      defaultSeverity: p.defaultSeverity,
      severity: input.manifest ? effectiveSeverity(p, input.manifest) : p.defaultSeverity,
    })),
    declared: (input.manifest?.projects ?? []).map((p) => ({
      projectId: p.id,
      location: p.location,
      keys: p.keys.map((k) => ({ name: k.name, id: k.id ?? null, location: k.location })),
    })).concat(
      input.adminKeysChecked && input.manifest?.adminKeys
        ? [{
          projectId: ORG,
          location: input.manifest.adminKeys.location,
          keys: input.manifest.adminKeys.keys.map((k) => ({
            name: k.name,
            id: k.id ?? null,
            location: k.location,
          })),
        }]
        : [],
    ),
    adminKeysChecked: input.adminKeysChecked === true,
  };
}

/** A report for a run that failed before it could compare anything. */
export function errorReport(
  message: string,
  failOn: FailOn,
  manifest: Manifest | null,
  policies: readonly Policy[],
): Report {
  return buildReport({
    policies,
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
