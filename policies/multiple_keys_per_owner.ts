import { ownerLabel, type Policy } from "../lib/policy.ts";
import type { LiveKey } from "../lib/types.ts";

/** Owners that hold more than `max` keys in one project (flags the older surplus keys). */
export const multipleKeysPerOwner: Policy = {
  id: "multiple-keys-per-owner",
  summary: "One owner holds more than max keys in a project",
  defaultSeverity: "off",
  options: {
    max: {
      type: "integer",
      default: 1,
      minimum: 1,
      description: "Keys one owner may hold per project.",
    },
  },
  rationale:
    "One active key per identity keeps rotation honest; overlap during rotation deserves a waiver.",
  source: "CIS AWS Foundations 1.5 §1.13 (one active access key per user)",
  evaluate({ key, project, options }) {
    const max = options.max as number;
    const owned = surplus(project.keys, max).get(key);
    if (owned === undefined) return null;
    return `${
      ownerLabel(key)
    } holds ${owned} keys in this project; the limit is ${max}: revoke this older one`;
  },
};

/**
 * Per project (computed once, not per key): each key beyond an owner's newest `max`, with how
 * many keys that owner holds.
 */
const cache = new WeakMap<readonly LiveKey[], { max: number; surplus: Map<LiveKey, number> }>();

function surplus(keys: readonly LiveKey[], max: number): Map<LiveKey, number> {
  const hit = cache.get(keys);
  if (hit && hit.max === max) return hit.surplus;
  const byOwner = new Map<string, LiveKey[]>();
  for (const k of keys) {
    const id = `${k.owner.type}\u0000${k.owner.id}`;
    const list = byOwner.get(id);
    if (list) list.push(k);
    else byOwner.set(id, [k]);
  }
  const out = new Map<LiveKey, number>();
  for (const mine of byOwner.values()) {
    if (mine.length <= max) continue;
    // Keep the newest `max` keys; flag the older ones.
    for (const k of [...mine].sort(newestFirst).slice(max)) out.set(k, mine.length);
  }
  cache.set(keys, { max, surplus: out });
  return out;
}

function newestFirst(a: LiveKey, b: LiveKey): number {
  return b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}
