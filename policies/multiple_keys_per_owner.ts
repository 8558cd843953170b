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
    const mine = project.keys.filter((k) =>
      k.owner.type === key.owner.type && k.owner.id === key.owner.id
    );
    if (mine.length <= max) return null;
    // Keep the newest `max` keys; flag the older ones.
    const newest = [...mine].sort(newestFirst).slice(0, max);
    if (newest.includes(key)) return null;
    return `${
      ownerLabel(key)
    } holds ${mine.length} keys in this project; the limit is ${max}: revoke this older one`;
  },
};

function newestFirst(a: LiveKey, b: LiveKey): number {
  return b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}
