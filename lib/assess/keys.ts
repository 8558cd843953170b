/**
 * Matching and comparing one set of keys (SPEC 4.3 to 4.6): a project's, or the organisation's
 * admin keys. Pinned ids first, then names narrowed by owner; ambiguous entries list their
 * candidates (the first `CANDIDATES_SHOWN`, the rest counted); leftovers are unexpected. Pure,
 * linear in the number of entries plus keys.
 */
import { FamilyMatcher, type FamilyState } from "./families.ts";
import { type CandidateGroup, KeyMatcher, ownerRef } from "./matcher.ts";
import {
  type Change,
  type DeclaredFamily,
  type DeclaredKey,
  type Drift,
  type LiveKey,
  ORG,
  type SourceLocation,
  type UnmanagedLevel,
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

export { ownerRef } from "./matcher.ts";

/** One change per differing path; `name` only when the entry is pinned by id. */
export function compareKey(entry: DeclaredKey, k: LiveKey): Change[] {
  const changes: Change[] = [];
  const cmp = (path: string, expected: string | undefined, actual: string | undefined) => {
    if (expected !== undefined && expected !== actual) {
      changes.push({ path, expected, actual: actual ?? null });
    }
  };
  // An absent value is never compared (SPEC 10.1): an admin key may have no name.
  if (entry.id && k.name !== null) cmp("name", entry.name, k.name);
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
  /** The project's families with the live keys each manages (SPEC 11.4), in declared order. */
  families: FamilyState[];
}

/** A diff with nothing in it yet. */
export function emptyDiff(): ProjectDiff {
  return {
    drift: [],
    matched: new Map(),
    counts: { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 },
    families: [],
  };
}

/** Adds `b`'s tallies to `a`. */
export function addCounts(a: DiffCounts, b: DiffCounts): void {
  a.inSync += b.inSync;
  a.candidates += b.candidates;
  a.ignored += b.ignored;
  a.inMissingProjects += b.inMissingProjects;
}

/** Where a set of keys lives: a project, or the organisation (its admin keys, issue 14). */
export type KeyScope = { kind: "project"; id: string } | { kind: "organisation" };

/** One set of declared entries and the live keys of their scope. */
export interface KeySet {
  scope: KeyScope;
  entries: readonly DeclaredKey[];
  keys: readonly LiveKey[];
  /** What a live key no entry declares is. */
  unmanaged: UnmanagedLevel;
  /** Where an unexpected key is reported: the project's (or `admin_keys:`) place. */
  location: SourceLocation;
  /** The scope's key families (SPEC 11.4); none for admin keys. */
  families?: readonly DeclaredFamily[];
}

/** The fields that say where an item is: its project, or the organisation's admin keys. */
export function scopeFields(scope: KeyScope): Pick<Drift, "projectId" | "keyType"> {
  return scope.kind === "project" ? { projectId: scope.id } : { projectId: ORG, keyType: "admin" };
}

/**
 * Matches and compares a set of keys (SPEC 4.3 to 4.6, 11.4) into `out`, which it owns: pinned
 * ids, then names whose owner fits, then families, then an entry's one same-named key (changed).
 */
export function diffKeys(set: KeySet, out: ProjectDiff): void {
  const where = scopeFields(set.scope);
  const families = new FamilyMatcher(set.families ?? []);
  // A key a family fits is never taken by name alone (it is the family's).
  const m = new KeyMatcher(set.keys, (k) => !families.fits(k));
  const missing = (e: DeclaredKey) =>
    out.drift.push({
      kind: "missing",
      severity: "error",
      ...where,
      keyId: e.id ?? null,
      keyName: e.name,
      changes: [],
      location: e.location,
    });
  // 1. Pinned ids.
  for (const e of set.entries) {
    if (!e.id) continue;
    const k = m.byId.get(e.id);
    if (k && !m.taken.has(k.id)) m.take(e, k);
    else missing(e);
  }
  // 2. Names whose owner fits exactly one free key.
  const rest = set.entries.filter((e) => !e.id && !m.takeOnlyFit(e));
  // 3. The rest: ambiguous, the one key of that name, or missing.
  const claimed = byName(rest, { m, where, missing }, out);
  compared(m.pairs, where, out);
  out.counts.candidates += claimed.size;
  // 4. Families take what no entry took or claims.
  const used = (k: LiveKey) => m.taken.has(k.id) || claimed.has(k.id);
  out.families = families.assign(set.keys, (k) => !used(k));
  const managed = new Set(out.families.flatMap((f) => f.members.map((k) => k.id)));
  unexpected(set, (k) => used(k) || managed.has(k.id), out);
}

/**
 * Entries left after pinned ids and single owner fits: several fits are ambiguous (their keys
 * claimed, returned), one fit or the one free key of the name is taken, none is missing. A key a
 * family fits is never taken by name alone (the matcher leaves it out of `freeByName`).
 */
function byName(
  rest: readonly DeclaredKey[],
  ctx: {
    m: KeyMatcher;
    where: Pick<Drift, "projectId" | "keyType">;
    missing: (e: DeclaredKey) => void;
  },
  out: ProjectDiff,
): Set<string> {
  const { m } = ctx;
  // Entries of one name and owner share their group of keys, worked out once: the work is entries
  // plus keys, not their product.
  const claimed = new Set<string>();
  for (const e of rest) {
    const fits = m.ownerFits(e);
    const cands = fits.length ? fits : m.freeByName(e.name);
    if (cands.length === 1) m.take(e, cands[0]);
    else if (cands.length === 0) ctx.missing(e);
    else {
      const group = m.candidates(cands);
      if (group.fresh) { for (const k of cands) claimed.add(k.id); }
      out.drift.push(ambiguous(e, group, ctx.where));
    }
  }
  return claimed;
}

/** An entry several free keys fit, with the first of them as candidates and the rest counted. */
function ambiguous(
  e: DeclaredKey,
  group: CandidateGroup,
  where: Pick<Drift, "projectId" | "keyType">,
): Drift {
  return {
    kind: "ambiguous",
    severity: "error",
    ...where,
    keyId: null,
    keyName: e.name,
    changes: [],
    location: e.location,
    candidates: group.shown,
    candidatesTotal: group.total,
    candidateSet: group.set,
  };
}

/** Each matched pair: in sync, or changed (an unnamed key's item has no name either). */
function compared(
  pairs: readonly [DeclaredKey, LiveKey][],
  where: Pick<Drift, "projectId" | "keyType">,
  out: ProjectDiff,
): void {
  for (const [e, k] of pairs) {
    out.matched.set(k.id, e);
    const changes = compareKey(e, k);
    if (changes.length === 0) out.counts.inSync++;
    else {
      const keyName = k.name === null ? null : e.name;
      out.drift.push({
        kind: "changed",
        severity: "error",
        ...where,
        keyId: k.id,
        keyName,
        changes,
        location: e.location,
      });
    }
  }
}

/** The live keys no entry took: unexpected at the set's level, or counted as ignored. */
function unexpected(set: KeySet, used: (k: LiveKey) => boolean, out: ProjectDiff): void {
  const where = scopeFields(set.scope);
  for (const k of set.keys) {
    if (used(k)) continue;
    if (set.unmanaged === "ignore") {
      out.counts.ignored++;
      continue;
    }
    out.drift.push({
      kind: "unexpected",
      severity: set.unmanaged,
      ...where,
      keyId: k.id,
      keyName: k.name,
      changes: [],
      location: set.location,
      live: { owner: ownerRef(k), redactedValue: k.redactedValue },
    });
  }
}
