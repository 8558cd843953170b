/**
 * The diff of one declared project against its live state (SPEC section 4): the project itself
 * (missing, archived, renamed), then its keys (`keys.ts`). Pure, linear in the number of keys.
 */
import type {
  Change,
  DeclaredProject,
  Drift,
  LiveProject,
  SourceLocation,
  UnmanagedLevel,
} from "../core/types.ts";
import { diffKeys, emptyDiff, type ProjectDiff } from "./keys.ts";

export {
  addCounts,
  compareKey,
  type DiffCounts,
  diffKeys,
  emptyDiff,
  type KeyScope,
  type KeySet,
  ownerRef,
  type ProjectDiff,
  scopeFields,
} from "./keys.ts";

/** Compares one declared project with its live state. Pure: a function of its arguments. */
export function diffProject(declared: DeclaredProject, project: LiveProject): ProjectDiff {
  const out = emptyDiff();
  if (!project.found) {
    out.drift.push(projectDrift(declared, "project_missing", []));
    out.counts.inMissingProjects += declared.keys.length;
    return out;
  }
  const changes: Change[] = [];
  const status = declared.status ?? "active";
  if (project.status !== null && project.status !== status) {
    changes.push({ path: "status", expected: status, actual: project.status });
  }
  if (declared.name !== undefined && declared.name !== project.name) {
    changes.push({ path: "name", expected: declared.name, actual: project.name });
  }
  if (changes.length) out.drift.push(projectDrift(declared, "project_changed", changes));
  diffKeys({
    scope: { kind: "project", id: declared.id },
    entries: declared.keys,
    keys: project.keys,
    unmanaged: declared.unmanaged,
    location: declared.location,
    families: declared.families,
  }, out);
  return out;
}

/**
 * A live project that no manifest declares (issue 21), at the manifest's `unmanaged_projects`
 * level: one `project_unexpected` item with its key count; nothing for `ignore`, for a project
 * the API says does not exist, or for an archived project without keys.
 */
export function undeclaredProject(
  project: LiveProject,
  level: UnmanagedLevel,
  location: SourceLocation | null = null,
): Drift | null {
  if (level === "ignore" || !project.found) return null;
  if (project.status === "archived" && project.keys.length === 0) return null;
  return {
    kind: "project_unexpected",
    severity: level,
    projectId: project.id,
    keyId: null,
    keyName: null,
    changes: [],
    location,
    liveProject: { name: project.name, status: project.status, keyCount: project.keys.length },
  };
}

function projectDrift(
  p: DeclaredProject,
  kind: "project_missing" | "project_changed",
  changes: Change[],
): Drift {
  return {
    kind,
    severity: "error",
    projectId: p.id,
    keyId: null,
    keyName: null,
    changes,
    location: p.location,
  };
}

const KIND_ORDER = [
  "project_unexpected",
  "project_missing",
  "project_changed",
  "missing",
  "changed",
  "ambiguous",
  "unexpected",
];

/** Deterministic order: project id, then project-level drift, then key name, key id, kind. */
export function byOrder(a: Drift, b: Drift): number {
  return cmp(a.projectId, b.projectId) ||
    Number(a.keyName !== null) - Number(b.keyName !== null) ||
    cmp(a.keyName ?? "", b.keyName ?? "") ||
    cmp(a.keyId ?? "", b.keyId ?? "") ||
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
