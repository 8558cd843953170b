/**
 * Identities and fingerprints of drift items and findings (SPEC 11.1), the same across runs (never
 * a line number, which moves): what baselines record and what SARIF and GitLab Code Quality carry.
 * A fingerprint is SHA-256 over a canonical encoding of the identity: a JSON array of the fields,
 * so no field's text can pose as a separator (`"a|b", ""` and `"a", "b|"` encode apart), and a
 * name chosen to match another item's fingerprint is a SHA-256 second preimage.
 */
import type { Drift, Finding, OwnerType } from "../core/types.ts";
import { sha256Hex } from "../core/sha256.ts";
import { idSetDigest } from "../core/ids.ts";

/**
 * What an item is about, as a baseline entry records it: two items are the same item exactly when
 * these fields are equal. When manifests name organisations (SPEC 11.4), the organisation joins
 * the identity, encoded only when set so that the fingerprints of one organisation stay as they are.
 */
export interface Identity {
  /** `drift/<kind>` or `policy/<id>` (the SARIF rule id). */
  rule: string;
  /** The project, or null for an organisation admin key. */
  project_id: string | null;
  key_id: string | null;
  key_name: string | null;
  /** The live key's owner where the item carries one (unexpected keys), else null. */
  owner: { type: OwnerType; id: string } | null;
  /**
   * SHA-256 over what the item says beyond which key it is about, or null when it says nothing
   * more ({@link assertsOf}): later, different drift of the same kind is then another item.
   */
  asserts: string | null;
  /**
   * The key family a family policy's finding is about (SPEC 11.4); absent on every other item,
   * and encoded only when set, so that no other item's fingerprint changes.
   */
  family?: string;
  /** 1 for the first item of this identity in a report, 2 for the next (same-named keys without ids). */
  occurrence: number;
  /** The fleet organisation (manifest `orgs:`); absent without `orgs:`. */
  org?: string;
}

/** The first element of every item's encoding: read errors and other things hashed differ there. */
const ITEM = "keydrift item";

/** SHA-256 as hex over the JSON encoding of `parts`: injective, so fields cannot run together. */
export function digest(parts: readonly (string | number | boolean | null)[]): string {
  return sha256Hex(JSON.stringify(parts));
}

/**
 * The identity's canonical encoding: equal exactly when the identities are equal. JSON escapes lone
 * surrogates (`"\ud800"`), so two names that `TextEncoder` would both write as U+FFFD stay apart.
 */
export function canonical(id: Identity): string {
  return JSON.stringify(parts(id));
}

function parts(id: Identity): (string | number | null)[] {
  const owner = id.owner ? [id.owner.type, id.owner.id] : [null, null];
  // Encoded only when set (the array is then one longer, so the encoding stays injective): the
  // fingerprints of items that assert nothing more stay what they were.
  const asserts = id.asserts === null ? [] : [id.asserts];
  // The family and the org only when set, each as two elements led by its tag, in this order:
  // what follows `owner` is then 0 to 5 elements long; lengths 0, 1, 4 and 5 have one
  // combination each, and at 2 (`family` or `org`) and 3 (`asserts` then one of them) the tag
  // in its fixed place tells them apart, so no name can read as a digest or as the other's name.
  const family = id.family === undefined ? [] : ["family", id.family];
  const org = id.org === undefined ? [] : ["org", id.org];
  return [
    ITEM,
    id.rule,
    id.project_id,
    id.key_id,
    id.key_name,
    ...owner,
    ...asserts,
    ...family,
    ...org,
    id.occurrence,
  ];
}

const byCodeUnits = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

/**
 * What `x` says beyond which key it is about, as a SHA-256, or null when it says nothing more.
 * `ambiguous`: every candidate's id (the whole set, also the ones a report does not list).
 * `changed`, `project_changed`: every change, its path, expected and actual value. A finding: its
 * facts that are not numbers (the owner, the name and pattern a policy judged); numbers are
 * measures (days, times, limits, counts) that move from day to day while the finding stays one.
 * `missing`, `unexpected`, `project_missing`: their key or project is all they say (an unexpected
 * key's owner is part of every identity already).
 */
export function assertsOf(x: Drift | Finding): string | null {
  if (!("kind" in x)) {
    const kept = Object.keys(x.facts).filter((k) => typeof x.facts[k] !== "number")
      .sort(byCodeUnits);
    return kept.length ? digest(["facts", ...kept.flatMap((k) => [k, x.facts[k]])]) : null;
  }
  if (x.kind === "ambiguous") {
    return x.candidateSet ?? idSetDigest((x.candidates ?? []).map((c) => c.id));
  }
  if (!x.changes.length) return null;
  const changes = x.changes.map((c) => [c.path, c.expected, c.actual])
    .sort((a, b) => byCodeUnits(JSON.stringify(a), JSON.stringify(b)));
  return digest(["changes", ...changes.flat()]);
}

/** The fingerprint of an identity: 64 lowercase hex digits. */
export function fingerprintOf(id: Identity): string {
  return digest(parts(id));
}

/** The identity of `x` without its occurrence number (0: not yet counted). */
function identityOf(x: Drift | Finding): Identity {
  const owner = "kind" in x && x.live ? { type: x.live.owner.type, id: x.live.owner.id } : null;
  return {
    rule: "kind" in x ? `drift/${x.kind}` : `policy/${x.policy}`,
    project_id: x.keyType === "admin" ? null : x.projectId,
    key_id: x.keyId,
    key_name: x.keyName,
    owner,
    asserts: assertsOf(x),
    ...("policy" in x && x.family !== undefined ? { family: x.family } : {}),
    occurrence: 0,
    ...(x.org === undefined ? {} : { org: x.org }),
  };
}

/**
 * Identities of a report's items, in report order, each with its fingerprint: a later item with
 * the same identity as an earlier one (two same-named entries without ids) is its 2nd, 3rd, ...
 * occurrence. Each item's fields are encoded once (the renderers call this for every item).
 */
export function identifier(): (x: Drift | Finding) => { id: Identity; fingerprint: string } {
  const seen = new Map<string, number>();
  return (x) => {
    const id = identityOf(x);
    // The encoding without its last element, the occurrence: `[..., 0]` less `0]`.
    const head = canonical(id).slice(0, -2);
    const n = (seen.get(head) ?? 0) + 1;
    seen.set(head, n);
    return { id: { ...id, occurrence: n }, fingerprint: sha256Hex(`${head}${n}]`) };
  };
}

/**
 * Fingerprints unique within one report, in report order (see {@link identifier}). SARIF, Code
 * Quality and the baseline share it.
 */
export function fingerprinter(): (x: Drift | Finding) => string {
  const next = identifier();
  return (x) => next(x).fingerprint;
}
