/**
 * Matching and diff (SPEC section 4): pinned ids first, then names narrowed by owner; ambiguous
 * entries list their candidates; leftovers are unexpected. Pure, linear in the number of keys.
 */
import type {
  Candidate,
  Change,
  DeclaredKey,
  DeclaredProject,
  Drift,
  LiveKey,
  LiveProject,
  OwnerRef,
} from "../core/types.ts";

/** Per-project tallies the report needs beyond the drift list. */
export interface DiffCounts {
  inSync: number;
  /** Live keys claimed as candidates of an ambiguous entry. */
  candidates: number;
  /** Unexpected live keys in projects with `unmanaged: ignore`. */
  ignored: number;
  /** Declared keys of projects that do not exist (not reported one by one). */
  inMissingProjects: number;
}

/** The report's view of a live key's owner. */
export function ownerRef(k: LiveKey): OwnerRef {
  const o = k.owner;
  return { type: o.type, id: o.id, name: o.name, email: o.email ?? null, role: o.role ?? null };
}

function ownerMatches(entry: DeclaredKey, k: LiveKey): boolean {
  const o = entry.owner;
  return o.type === k.owner.type && o.name === k.owner.name &&
    (o.id === undefined || o.id === k.owner.id) &&
    (o.email === undefined || o.email === k.owner.email);
}

/** One change per differing path; `name` only when the entry is pinned by id. */
export function compareKey(entry: DeclaredKey, k: LiveKey): Change[] {
  const changes: Change[] = [];
  const cmp = (path: string, expected: string | undefined, actual: string | undefined) => {
    if (expected !== undefined && expected !== actual) {
      changes.push({ path, expected, actual: actual ?? null });
    }
  };
  if (entry.id) cmp("name", entry.name, k.name);
  cmp("owner.type", entry.owner.type, k.owner.type);
  cmp("owner.name", entry.owner.name, k.owner.name);
  cmp("owner.id", entry.owner.id, k.owner.id);
  cmp("owner.email", entry.owner.email, k.owner.email);
  // An absent value is never compared (SPEC 10.1): the wire requires a project key owner's role,
  // so only an admin key whose owner comes without one is skipped here. (A service account's
  // email is not absent data: it has none, and a user entry's email against it is a change.)
  if (k.owner.role !== undefined) cmp("owner.role", entry.owner.role, k.owner.role);
  return changes;
}

/** What comparing one declared project with its live state gives. */
export interface ProjectDiff {
  /** Unsorted (sort the whole list with {@link byOrder} once every project is in). */
  drift: Drift[];
  /** Live key id -> the entry it matched. */
  matched: Map<string, DeclaredKey>;
  counts: DiffCounts;
}

/** Compares one declared project with its live state. Pure: a function of its arguments. */
export function diffProject(declared: DeclaredProject, project: LiveProject): ProjectDiff {
  const out: ProjectDiff = {
    drift: [],
    matched: new Map(),
    counts: { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 },
  };
  if (!project.found) {
    out.drift.push(projectDrift(declared, "project_missing", []));
    out.counts.inMissingProjects += declared.keys.length;
    return out;
  }
  const changes: Change[] = [];
  if (project.status !== null && project.status !== "active") {
    changes.push({ path: "status", expected: "active", actual: project.status });
  }
  if (declared.name !== undefined && declared.name !== project.name) {
    changes.push({ path: "name", expected: declared.name, actual: project.name });
  }
  if (changes.length) out.drift.push(projectDrift(declared, "project_changed", changes));
  diffKeys(declared, project, out);
  return out;
}

/** Adds `b`'s tallies to `a`. */
export function addCounts(a: DiffCounts, b: DiffCounts): void {
  a.inSync += b.inSync;
  a.candidates += b.candidates;
  a.ignored += b.ignored;
  a.inMissingProjects += b.inMissingProjects;
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

/** Matches and compares the project's keys (SPEC 4.3 to 4.6) into `out`, which it owns. */
function diffKeys(declared: DeclaredProject, project: LiveProject, out: ProjectDiff): void {
  const { drift, matched, counts } = out;
  // Indexes of the keys still free: by name, and by name + owner (type and name). Taking a key
  // removes it from both, so every lookup below touches only keys that can still match.
  const byId = new Map(project.keys.map((k) => [k.id, k]));
  const byName = new Map<string, Set<LiveKey>>();
  const byOwner = new Map<string, Set<LiveKey>>();
  const ownerKey = (name: string, type: string, owner: string) =>
    `${name}\u0000${type}\u0000${owner}`;
  const add = (m: Map<string, Set<LiveKey>>, id: string, k: LiveKey) => {
    const set = m.get(id);
    if (set) set.add(k);
    else m.set(id, new Set([k]));
  };
  for (const k of project.keys) {
    add(byName, k.name, k);
    add(byOwner, ownerKey(k.name, k.owner.type, k.owner.name), k);
  }
  const taken = new Set<string>();
  const pairs: [DeclaredKey, LiveKey][] = [];
  const take = (e: DeclaredKey, k: LiveKey) => {
    taken.add(k.id);
    pairs.push([e, k]);
    byName.get(k.name)!.delete(k);
    byOwner.get(ownerKey(k.name, k.owner.type, k.owner.name))!.delete(k);
  };
  const missing = (e: DeclaredKey) =>
    drift.push({
      kind: "missing",
      severity: "error",
      projectId: declared.id,
      keyId: e.id ?? null,
      keyName: e.name,
      changes: [],
      location: e.location,
    });
  const free = (e: DeclaredKey): LiveKey[] => [...(byName.get(e.name) ?? [])];

  // 1. Pinned ids.
  for (const e of declared.keys) {
    if (!e.id) continue;
    const k = byId.get(e.id);
    if (k && !taken.has(k.id)) take(e, k);
    else missing(e);
  }
  // 2. Names whose owner fits exactly one free key (a second fit is enough to stop looking).
  const rest: DeclaredKey[] = [];
  for (const e of declared.keys) {
    if (e.id) continue;
    let fit: LiveKey | null = null;
    let fits = 0;
    for (const k of byOwner.get(ownerKey(e.name, e.owner.type, e.owner.name)) ?? []) {
      if (!ownerMatches(e, k)) continue;
      fit = k;
      if (++fits > 1) break;
    }
    if (fits === 1) take(e, fit!);
    else rest.push(e);
  }
  // 3. The rest. Ambiguity is decided after narrowing by owner (SPEC 4.4, 10.1): several free
  // keys that fit the owner are ambiguous among themselves, and same-named keys of other owners
  // stay free (unexpected, or another entry's). With no owner fit, the name decides: one free key
  // of that name is the entry's (its owner changed), several are ambiguous.
  const claimed = new Set<string>();
  for (const e of rest) {
    const fits = [...(byOwner.get(ownerKey(e.name, e.owner.type, e.owner.name)) ?? [])]
      .filter((k) => ownerMatches(e, k));
    const cands = fits.length ? fits : free(e);
    if (cands.length === 1) take(e, cands[0]);
    else if (cands.length === 0) missing(e);
    else {
      for (const k of cands) claimed.add(k.id);
      drift.push({
        kind: "ambiguous",
        severity: "error",
        projectId: declared.id,
        keyId: null,
        keyName: e.name,
        changes: [],
        location: e.location,
        candidates: cands.map((k): Candidate => ({ id: k.id, name: k.name, owner: ownerRef(k) }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      });
    }
  }
  for (const [e, k] of pairs) {
    matched.set(k.id, e);
    const changes = compareKey(e, k);
    if (changes.length === 0) counts.inSync++;
    else {drift.push({
        kind: "changed",
        severity: "error",
        projectId: declared.id,
        keyId: k.id,
        keyName: e.name,
        changes,
        location: e.location,
      });}
  }
  counts.candidates += claimed.size;
  for (const k of project.keys) {
    if (taken.has(k.id) || claimed.has(k.id)) continue;
    if (declared.unmanaged === "ignore") {
      counts.ignored++;
      continue;
    }
    drift.push({
      kind: "unexpected",
      severity: declared.unmanaged,
      projectId: declared.id,
      keyId: k.id,
      keyName: k.name,
      changes: [],
      location: declared.location,
      live: { owner: ownerRef(k), redactedValue: k.redactedValue },
    });
  }
}

const KIND_ORDER = [
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
