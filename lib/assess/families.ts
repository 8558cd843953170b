/**
 * Key families in the diff (SPEC 11.4): which live keys a project's families manage. A key is a
 * family's when its owner has the family's owner type, its owner's name matches the owner glob and
 * its own name the key glob; the first family declared that fits it takes it. Families take only
 * keys no entry took (pinned ids and name-and-owner matches come first) and none that an ambiguous
 * entry claims; an entry's name-only fallback (a `changed` owner) never takes a key a family fits.
 * Pure, linear in the number of keys for a given manifest.
 */
import { compileGlob, type Glob } from "../core/glob.ts";
import type { DeclaredFamily, LiveKey, OwnerRef } from "../core/types.ts";

/** A family as this run found it: its declaration and the live keys it manages. */
export interface FamilyState {
  family: DeclaredFamily;
  /** Its live keys, newest first (by `created_at`, then id). */
  members: LiveKey[];
}

/** A family as the report shows it (facts only): its project, declaration and live members. */
export interface FamilySummary {
  projectId: string;
  family: DeclaredFamily;
  /** Newest first; `ageSeconds` at the run's clock. */
  members: {
    id: string;
    name: string | null;
    owner: OwnerRef;
    createdAt: number;
    ageSeconds: number;
  }[];
}

/** The summary of a family of project `projectId` at `now` (Unix seconds). */
export function familySummary(projectId: string, s: FamilyState, now: number): FamilySummary {
  return {
    projectId,
    family: s.family,
    members: s.members.map((k) => ({
      id: k.id,
      name: k.name,
      owner: {
        type: k.owner.type,
        id: k.owner.id,
        name: k.owner.name,
        email: k.owner.email ?? null,
        role: k.owner.role ?? null,
      },
      createdAt: k.createdAt,
      ageSeconds: Math.max(0, now - k.createdAt),
    })),
  };
}

/** A project's families compiled once: which one fits a key. */
export class FamilyMatcher {
  readonly #globs: { family: DeclaredFamily; owner: Glob; key: Glob | null }[];

  constructor(readonly families: readonly DeclaredFamily[]) {
    this.#globs = families.map((family) => ({
      family,
      owner: compileGlob(family.owner.namePattern),
      key: family.keyNamePattern === null ? null : compileGlob(family.keyNamePattern),
    }));
  }

  /** The index of the first family that fits `k`, or -1. A family never fits another owner type. */
  indexOf(k: LiveKey): number {
    return this.#globs.findIndex((g) =>
      g.family.owner.type === k.owner.type && g.owner.matches(k.owner.name) &&
      (g.key === null || (k.name !== null && g.key.matches(k.name)))
    );
  }

  /** Whether some family fits `k`. */
  fits(k: LiveKey): boolean {
    return this.#globs.length > 0 && this.indexOf(k) !== -1;
  }

  /** The families with the keys they take among `keys` (those `free` allows), in declared order. */
  assign(keys: readonly LiveKey[], free: (k: LiveKey) => boolean): FamilyState[] {
    const states: FamilyState[] = this.families.map((family) => ({
      family,
      members: [],
    }));
    if (!states.length) return states;
    for (const k of keys) {
      if (!free(k)) continue;
      const i = this.indexOf(k);
      if (i !== -1) states[i].members.push(k);
    }
    for (const s of states) s.members.sort(newestFirst);
    return states;
  }
}

/** Newest first: `created_at` descending, then id. */
function newestFirst(a: LiveKey, b: LiveKey): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
