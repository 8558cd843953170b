/**
 * The report: computed once from the diff, the findings and the errors; every renderer reads
 * it and nothing else. Exit codes are data: one table, one pure function.
 */
import type { BaselineOutcome } from "../enrich/baseline_file.ts";
import type { EnrichmentStatus } from "../enrich/enrich.ts";
import { type Assessment, emptyAssessment } from "../assess/assessment.ts";
import type { FamilySummary } from "../assess/families.ts";
import { effectiveSeverity, type Note, type Policy, type Remedy } from "../assess/policy.ts";
import {
  type ApiUse,
  type DeclaredKey,
  type Drift,
  type Finding,
  type Manifest,
  ORG,
  type PolicySeverity,
  type ReadSource,
  type RunError,
  type Severity,
  type SnapshotUse,
  type SourceLocation,
} from "../core/types.ts";
import { VERSION } from "../core/version.ts";
import type { ManifestProblem } from "../core/errors.ts";

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
  /** Live projects no manifest declares (issue 21). */
  unexpected_projects: number;
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
  /** Live keys matched to an entry or managed by a family. */
  managed_keys: number;
  /** Live keys key families manage (SPEC 11.4; counted in managed_keys too). */
  family_keys: number;
  /** managed_keys / live_keys as a whole percentage (rounded down; 100 with no live keys). */
  coverage: number;
}

/** A policy as the report describes it (SARIF rules, help text): no code, only words and levels. */
export interface RuleInfo {
  id: string;
  summary: string;
  /** What a finding says, as a template over its facts (`render/` fills it). */
  message: string;
  /** What fixes a finding (absent: a waiver, or fixing the key by hand). */
  remedy?: Remedy;
  rationale: string;
  source: string;
  defaultSeverity: PolicySeverity;
  /** The severity this run used (the manifest may override the default). */
  severity: PolicySeverity;
}

/** A declared project and its entries, as checked in this run (JUnit shows one test per entry). */
export interface DeclaredSummary {
  projectId: string;
  /** The fleet org (manifest `orgs:`) the project belongs to; absent without `orgs:`. */
  org?: string;
  location: SourceLocation;
  keys: { name: string; id: string | null; location: SourceLocation }[];
}

/** What a fleet report says of one organisation the manifest declares. */
export interface OrgOutcome {
  name: string;
  id: string;
  /** Whether this report holds the org's items (false: another run's, or `--org` left it out). */
  checked: boolean;
  /** The org's own verdict, when checked. */
  exitCode: 0 | 1 | 2 | null;
}

/** The fleet a report belongs to: its orgs and its manifest's SHA-256 (issue 24). */
export interface Fleet {
  orgs: OrgOutcome[];
  /** SHA-256 of the manifest files a fleet report was made from: parts of one merge share it. */
  manifestSha256: string;
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
  /** Whether this run read the live projects no manifest declares (issue 21). */
  undeclaredChecked?: boolean;
  /** How the run used `--snapshot` (issue 21), and where each project's state came from. */
  snapshot?: SnapshotReport;
  /** The key families of the projects read (SPEC 11.4): members, newest first, and limits. */
  families: FamilySummary[];
  /** What `--attribute` / `--usage` read, and why it failed (absent when neither was asked). */
  enrichment?: EnrichmentStatus;
  /** The requests the run sent to the Admin API (issue 21); null when it sent none. */
  api?: ApiUse | null;
  /** A fleet manifest's (`orgs:`) orgs, which of them this report holds, and the manifest's hash. */
  fleet?: Fleet;
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
  input: Pick<Assessment, "errors" | "drift" | "findings"> & RunSettings,
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
  | "unexpected_projects"
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
    unexpected_projects: count("project_unexpected"),
    policy_errors: openFindings.filter((f) => f.severity === "error").length,
    policy_warnings: openFindings.filter((f) => f.severity === "warning").length,
    baselined: drift.length - open.length + findings.filter((f) => f.baselined).length,
  };
}

/** What the stages after `assess` may have added to the assessment a report is built from. */
export type ReportInput = Assessment & {
  /** Set by `enrich` when `--attribute` or `--usage` was asked for. */
  enrichment?: EnrichmentStatus;
  /** Set by `markBaseline` (`check --baseline`). */
  baseline?: BaselineOutcome;
  /** Set by the command once its reads are done: what it sent to the Admin API (issue 21). */
  api?: ApiUse | null;
};

/** The run's settings that decide the verdict. */
export interface RunSettings {
  failOn: FailOn;
}

/**
 * Builds the one report every renderer reads, from the assessment as the later stages left it:
 * the only place that decides the run's summary, status and exit code.
 */
export function buildReport(a: ReportInput, settings: RunSettings): Report {
  const manifest = a.manifest;
  const exitCode = exitCodeFor({ ...a, failOn: settings.failOn });
  return {
    tool: { name: "keydrift", version: VERSION },
    status: statusFor(exitCode),
    exitCode,
    failOn: settings.failOn,
    manifestFiles: manifest?.files ?? [],
    summary: summaryOf(a),
    drift: a.drift,
    findings: a.findings,
    errors: a.errors,
    notes: a.notes,
    rules: a.policies.map((p) =>
      ruleInfo(p, manifest ? effectiveSeverity(p, manifest) : p.defaultSeverity)
    ),
    declared: declaredSummary(manifest, a.adminKeysChecked),
    ...(a.baseline ? { baseline: a.baseline } : {}),
    adminKeysChecked: a.adminKeysChecked,
    undeclaredChecked: a.undeclaredChecked,
    ...(a.snapshot ? { snapshot: snapshotReport(a.snapshot, a.sources) } : {}),
    families: a.families,
    ...(a.enrichment ? { enrichment: a.enrichment } : {}),
    api: a.api ?? null,
  };
}

/** How a run used `--snapshot`, with each project's source, sorted by project id. */
export type SnapshotReport = SnapshotUse & {
  projects: { projectId: string; source: ReadSource }[];
};

function snapshotReport(use: SnapshotUse, sources: ReadonlyMap<string, ReadSource>) {
  const projects = [...sources].map(([projectId, source]) => ({ projectId, source }))
    .sort((a, b) => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0));
  return { ...use, projects };
}

/** The run's counts: baselined items apart, a changed key managed whether baselined or not. */
function summaryOf(a: Assessment): Summary {
  const manifest = a.manifest;
  const declared = (manifest?.projects.reduce((n, p) => n + p.keys.length, 0) ?? 0) +
    (a.adminKeysChecked ? manifest?.adminKeys?.keys.length ?? 0 : 0);
  const familyKeys = a.families.reduce((n, f) => n + f.members.length, 0);
  const managed = a.counts.inSync + a.drift.filter((d) => d.kind === "changed").length +
    familyKeys;
  const open = openCounts(a.drift, a.findings);
  // In the JSON report's order.
  return {
    projects: manifest?.projects.length ?? 0,
    declared_keys: declared,
    live_keys: a.liveKeys,
    in_sync_keys: a.counts.inSync,
    missing: open.missing,
    unexpected: open.unexpected,
    changed: open.changed,
    ambiguous: open.ambiguous,
    project_drift: open.project_drift,
    unexpected_projects: open.unexpected_projects,
    ambiguous_candidates: a.counts.candidates,
    ignored: a.counts.ignored,
    in_missing_projects: a.counts.inMissingProjects,
    policy_errors: open.policy_errors,
    policy_warnings: open.policy_warnings,
    waived: a.findings.filter((f) => f.waived).length,
    baselined: open.baselined,
    managed_keys: managed,
    family_keys: familyKeys,
    coverage: a.liveKeys === 0 ? 100 : Math.floor((managed / a.liveKeys) * 100),
  };
}

/** The projects in scope and their entries (and the admin keys, when they were checked). */
function declaredSummary(manifest: Manifest | null, adminKeysChecked: boolean): DeclaredSummary[] {
  const entries = (keys: readonly DeclaredKey[]) =>
    keys.map((k) => ({ name: k.name, id: k.id ?? null, location: k.location }));
  const out: DeclaredSummary[] = (manifest?.projects ?? []).map((p) => ({
    projectId: p.id,
    location: p.location,
    keys: entries(p.keys),
  }));
  if (adminKeysChecked && manifest?.adminKeys) {
    out.push({
      projectId: ORG,
      location: manifest.adminKeys.location,
      keys: entries(manifest.adminKeys.keys),
    });
  }
  return out;
}

/**
 * A report for a run that failed before it could compare anything: one error, or one located
 * error per manifest problem.
 */
export function errorReport(
  what: string | readonly ManifestProblem[],
  failOn: FailOn,
  manifest: Manifest | null,
  policies: readonly Policy[],
): Report {
  const base = { projectId: null, kind: "run", status: null, code: null, requestId: null } as const;
  const errors: RunError[] = typeof what === "string"
    ? [{ message: what, ...base }]
    : what.map(({ message, file, line, column }) => ({
      message,
      ...base,
      location: { file, line, column },
    }));
  return buildReport(emptyAssessment(manifest, policies, errors), { failOn });
}

/** A policy as the report's rule, at `severity` (the run's, or its default). */
export function ruleInfo(p: Policy, severity: RuleInfo["severity"]): RuleInfo {
  return {
    id: p.id,
    summary: p.summary,
    message: p.message,
    ...(p.remedy ? { remedy: p.remedy } : {}),
    rationale: p.rationale,
    source: p.source,
    defaultSeverity: p.defaultSeverity,
    severity,
  };
}
