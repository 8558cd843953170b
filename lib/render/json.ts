/** `json`: the stable, versioned machine format (SPEC section 6, format_version 1.0). */
import type { Report } from "../report.ts";
import type { Drift, Finding, SourceLocation } from "../types.ts";

export const FORMAT_VERSION = "1.0";

const loc = (
  l: SourceLocation | null,
) => (l ? { file: l.file, line: l.line, column: l.column } : null);

function drift(d: Drift) {
  return {
    kind: d.kind,
    severity: d.severity,
    project_id: d.projectId,
    key_id: d.keyId,
    key_name: d.keyName,
    changes: d.changes.map((c) => ({ path: c.path, expected: c.expected, actual: c.actual })),
    ...(d.candidates ? { candidates: d.candidates } : {}),
    ...(d.detail ? { detail: d.detail } : {}),
    location: loc(d.location),
  };
}

function finding(f: Finding) {
  return {
    policy: f.policy,
    severity: f.severity,
    project_id: f.projectId,
    key_id: f.keyId,
    key_name: f.keyName,
    message: f.message,
    waived: f.waived,
    waiver: f.waiver
      ? {
        reason: f.waiver.reason,
        expires: f.waiver.expires,
        state: f.waiver.state,
        location: loc(f.waiver.location),
      }
      : null,
    location: loc(f.location),
  };
}

/** The report as a plain JSON value (also used by tests and other renderers' fixtures). */
export function toJson(report: Report) {
  return {
    format_version: FORMAT_VERSION,
    tool: report.tool,
    status: report.status,
    exit_code: report.exitCode,
    fail_on: report.failOn,
    summary: report.summary,
    drift: report.drift.map(drift),
    findings: report.findings.map(finding),
    errors: report.errors.map((e) => ({ message: e.message, project_id: e.projectId })),
    warnings: report.notes.map((n) => ({ message: n.message, location: loc(n.location) })),
  };
}

export function renderJson(report: Report): string {
  return JSON.stringify(toJson(report), null, 2) + "\n";
}
