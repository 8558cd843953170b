import { definePolicy, ownerFacts } from "../lib/assess/policy.ts";
import type { LiveKey } from "../lib/core/types.ts";

/** Owners that hold more than `max` keys in one project (flags the older surplus keys). */
export const multipleKeysPerOwner = definePolicy({
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
  message:
    "{owner|owner} holds {keys} keys in this project; the limit is {limit}: revoke this older one",
  remedy: {
    action: "delete_key",
    summary: "Delete this older key once its owner has moved to the newer one.",
  },
  forProject: ({ keys, options: { max } }) => {
    const excess = surplus(keys, max);
    return (key) => {
      const owned = excess.get(key);
      if (owned === undefined) return null;
      return { ...ownerFacts(key), keys: owned, limit: max };
    };
  },
});

/** Each key beyond its owner's newest `max`, with how many keys that owner holds. */
function surplus(keys: readonly LiveKey[], max: number): Map<LiveKey, number> {
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
  return out;
}

function newestFirst(a: LiveKey, b: LiveKey): number {
  return b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}
