/** Hand-built reports for renderer tests: every server-supplied field carries a chosen string. */
import type { Report } from "../lib/report/report.ts";
import type { Drift, Finding, OwnerRef, SourceLocation } from "../lib/core/types.ts";

const at = (line: number, column = 9): SourceLocation => ({ file: "keydrift.yaml", line, column });

/**
 * A drift report with one item of every drift kind, a finding, a waived finding, a manifest note,
 * a key family with a member and, with `status: "error"`, a read error; `s` is in every field the
 * server (or the manifest's author) sets: ids, names, owners, the redacted value, change values,
 * messages, reasons. `id` goes into the ids instead when given (ids are limited where they are
 * read, and never cut on output).
 */
export function reportWith(s: string, status: Report["status"] = "drift", id = s): Report {
  const project = `proj_${id}`;
  const drift: Drift[] = [
    {
      kind: "project_missing",
      severity: "error",
      projectId: `gone_${id}`,
      keyId: null,
      keyName: null,
      changes: [],
      location: at(3, 5),
    },
    {
      kind: "project_changed",
      severity: "error",
      projectId: project,
      keyId: null,
      keyName: null,
      changes: [{ path: "name", expected: `old ${s}`, actual: s }],
      location: at(5, 5),
    },
    {
      kind: "missing",
      severity: "error",
      projectId: project,
      keyId: null,
      keyName: s,
      changes: [],
      location: at(7),
    },
    {
      kind: "changed",
      severity: "error",
      projectId: project,
      keyId: `key_${id}`,
      keyName: s,
      changes: [{ path: "owner.name", expected: s, actual: `${s} 2` }],
      location: at(9),
    },
    {
      kind: "ambiguous",
      severity: "error",
      projectId: project,
      keyId: null,
      keyName: s,
      changes: [],
      location: at(11),
      candidates: [
        { id: `key_a${id}`, name: s, owner: owner("user", s, id) },
        { id: `key_b${id}`, name: s, owner: owner("service_account", s, id) },
      ],
    },
    {
      kind: "unexpected",
      severity: "error",
      projectId: project,
      keyId: `key_u${id}`,
      keyName: s,
      changes: [],
      location: at(2, 5),
      live: { owner: owner("user", s, id), redactedValue: `sk-proj-****${s}` },
    },
    {
      kind: "project_unexpected",
      severity: "error",
      projectId: `proj_new_${id}`,
      keyId: null,
      keyName: null,
      changes: [],
      location: at(1, 1),
      liveProject: { name: s, status: "active", keyCount: 2 },
    },
  ];
  const findings: Finding[] = [
    {
      policy: "owner-lost-access",
      severity: "error",
      projectId: project,
      keyId: `key_u${id}`,
      keyName: s,
      facts: { owner_type: "user", owner_name: s, owner_email: `${s}@example.test` },
      waived: false,
      waiver: null,
      location: at(2, 5),
    },
    {
      policy: "key-unused",
      severity: "warning",
      projectId: project,
      keyId: `key_${id}`,
      keyName: s,
      facts: { days: 120, who: s },
      waived: true,
      waiver: {
        reason: `reason ${s}`,
        expires: "2099-01-01",
        location: at(20, 5),
        state: "active",
      },
      location: at(9),
    },
  ];
  return {
    tool: { name: "keydrift", version: "0.1.0" },
    status,
    exitCode: status === "error" ? 1 : status === "drift" ? 2 : 0,
    failOn: "error",
    manifestFiles: ["keydrift.yaml"],
    summary: {
      projects: 2,
      declared_keys: 3,
      live_keys: 5,
      in_sync_keys: 0,
      missing: 1,
      unexpected: 1,
      changed: 1,
      ambiguous: 1,
      project_drift: 2,
      unexpected_projects: 1,
      ambiguous_candidates: 2,
      ignored: 0,
      in_missing_projects: 0,
      policy_errors: 1,
      policy_warnings: 0,
      waived: 1,
      baselined: 0,
      managed_keys: 1,
      family_keys: 1,
      coverage: 20,
    },
    drift,
    findings,
    errors: status === "error"
      ? [
        {
          message: `Cannot list keys of project "${project}": the API answered 401: ${s}`,
          projectId: project,
          kind: "api",
          status: 401,
          code: s,
          requestId: `req_${s}`,
        },
        {
          message: `the API answered 500: ${s}`,
          projectId: null,
          kind: "api",
          status: 500,
          code: null,
          requestId: null,
        },
      ]
      : [],
    notes: [{
      kind: "unused_waiver",
      waiver: { policy: `"${s}"`, project, key: s },
      location: at(20, 5),
    }],
    rules: [{
      id: "owner-lost-access",
      summary: `Owner lost access ${s}`,
      message: "{owner|owner} no longer has access to the project",
      rationale: `Orphaned keys ${s}`,
      source: `OpenAI ${s}`,
      defaultSeverity: "error",
      severity: "error",
    }, {
      id: "key-unused",
      summary: "Key not used",
      message: "last used {days} days ago by {who}",
      rationale: "Idle keys",
      source: "CIS",
      defaultSeverity: "warning",
      severity: "warning",
    }],
    families: [{
      projectId: project,
      family: {
        name: s,
        owner: { type: "service_account", namePattern: `${s}-*` },
        keyNamePattern: s,
        managedBy: s,
        maxLive: 2,
        rotateEveryDays: 30,
        graceDays: 7,
        maxTtl: null,
        location: at(40, 7),
      },
      members: [{
        id: `key_family_${id}`,
        name: s,
        owner: owner("service_account", s, id),
        createdAt: 1_790_000_000,
        ageSeconds: 3 * 86_400,
      }],
    }],
    declared: [
      { projectId: project, location: at(1), keys: [{ name: s, id: null, location: at(3) }] },
      { projectId: `proj_gone${id}`, location: at(30), keys: [] },
    ],
  };
}

/** An owner whose every string is `s` (hostile strings reach every owner field). */
export function owner(type: "user" | "service_account", s: string, id = s): OwnerRef {
  return { type, id: `id-${id}`, name: s, email: type === "user" ? `${s}@x.test` : null, role: s };
}
