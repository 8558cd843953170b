/**
 * The free live keys of one set of keys, indexed for matching (SPEC 4.3 to 4.6): by id, by name,
 * and by name + owner. Entries of one name and owner share their group of fitting keys, worked
 * out once (a take drops its name's groups), so matching is linear in entries plus keys, never
 * their product, however many same-named entries and keys there are. Pure.
 */
import {
  type Candidate,
  CANDIDATES_SHOWN,
  type DeclaredKey,
  type LiveKey,
  type OwnerRef,
} from "../core/types.ts";
import { idSetDigest } from "../core/ids.ts";

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

/** The keys that fit an ambiguous entry, as items carry them: shared by every entry they fit. */
export interface CandidateGroup {
  /** The first {@link CANDIDATES_SHOWN} by id (code units), as candidates. */
  shown: Candidate[];
  /** How many keys fit. */
  total: number;
  /** SHA-256 of every fitting key's id (`idSetDigest`). */
  set: string;
  /** True the first time the group is asked for (its keys are then counted as claimed). */
  fresh: boolean;
}

const byId = (a: LiveKey, b: LiveKey) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The free live keys of one set. Taking a key removes it from the name indexes, so every lookup
 * touches only keys that can still match. A key without a name (an admin key may have none)
 * matches no entry by name.
 */
export class KeyMatcher {
  readonly byId: Map<string, LiveKey>;
  readonly taken = new Set<string>();
  readonly pairs: [DeclaredKey, LiveKey][] = [];
  private readonly byName = new Map<string, Set<LiveKey>>();
  private readonly byOwner = new Map<string, Set<LiveKey>>();
  /** Per name, the fitting keys worked out so far, by the entries' owner (`""`: by name only). */
  private readonly fits = new Map<string, Map<string, LiveKey[]>>();
  private readonly groups = new Map<readonly LiveKey[], CandidateGroup>();
  /** Whether a key may be taken by its name alone (a key a family fits may not). */
  private readonly byNameAlone: (k: LiveKey) => boolean;

  constructor(keys: readonly LiveKey[], byNameAlone: (k: LiveKey) => boolean = () => true) {
    this.byNameAlone = byNameAlone;
    this.byId = new Map(keys.map((k) => [k.id, k]));
    for (const k of keys) {
      if (k.name === null) continue;
      add(this.byName, k.name, k);
      add(this.byOwner, ownerKey(k.name, k.owner.type, k.owner.name), k);
    }
  }

  take(e: DeclaredKey, k: LiveKey): void {
    this.taken.add(k.id);
    this.pairs.push([e, k]);
    if (k.name === null) return;
    this.byName.get(k.name)!.delete(k);
    this.byOwner.get(ownerKey(k.name, k.owner.type, k.owner.name))!.delete(k);
    this.fits.delete(k.name);
  }

  /** The free keys of the entry's name whose owner fits it (one array for equal entries). */
  ownerFits(e: DeclaredKey): readonly LiveKey[] {
    const o = e.owner;
    const sig = JSON.stringify([o.type, o.name, o.id ?? null, o.email ?? null]);
    return this.#memo(e.name, sig, () => {
      const named = this.byOwner.get(ownerKey(e.name, o.type, o.name)) ?? [];
      return [...named].filter((k) => ownerMatches(e, k));
    });
  }

  /** Takes the one free key whose owner fits `e`; false when none or several do. */
  takeOnlyFit(e: DeclaredKey): boolean {
    const fits = this.ownerFits(e);
    if (fits.length === 1) this.take(e, fits[0]);
    return fits.length === 1;
  }

  /**
   * The free keys named `name` that may be taken by name alone (one array for every entry of that
   * name).
   */
  freeByName(name: string): readonly LiveKey[] {
    return this.#memo(name, "", () => [...(this.byName.get(name) ?? [])].filter(this.byNameAlone));
  }

  /** `keys` (an array `ownerFits` or `freeByName` gave) as candidates, worked out once. */
  candidates(keys: readonly LiveKey[]): CandidateGroup {
    const known = this.groups.get(keys);
    if (known) return { ...known, fresh: false };
    const sorted = [...keys].sort(byId);
    const group = {
      shown: sorted.slice(0, CANDIDATES_SHOWN).map((k): Candidate => ({
        id: k.id,
        name: k.name!,
        owner: ownerRef(k),
      })),
      total: keys.length,
      set: idSetDigest(sorted.map((k) => k.id)),
      fresh: true,
    };
    this.groups.set(keys, group);
    return group;
  }

  #memo(name: string, sig: string, make: () => LiveKey[]): readonly LiveKey[] {
    let byOwner = this.fits.get(name);
    if (!byOwner) this.fits.set(name, byOwner = new Map());
    let keys = byOwner.get(sig);
    if (!keys) byOwner.set(sig, keys = make());
    return keys;
  }
}

const ownerKey = (name: string, type: string, owner: string) =>
  `${name}\u0000${type}\u0000${owner}`;

function add(m: Map<string, Set<LiveKey>>, id: string, k: LiveKey): void {
  const set = m.get(id);
  if (set) set.add(k);
  else m.set(id, new Set([k]));
}
