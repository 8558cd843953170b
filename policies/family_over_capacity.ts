import { defineFamilyPolicy, ownerFacts } from "../lib/assess/policy.ts";
import { familyFacts } from "./_family.ts";

/** More live keys in a family than its `max_live`: the oldest surplus keys are named. */
export const familyOverCapacity = defineFamilyPolicy({
  id: "family-over-capacity",
  summary: "A key family has more live keys than its max_live",
  defaultSeverity: "error",
  options: {},
  rationale:
    "A manager that rotates keeps a fixed number alive (Doppler and Infisical keep two: the active one and the previous); one more is a rotation that did not clean up, or a key made outside it, still usable.",
  source:
    "Doppler OpenAI rotation ('there's always two', docs.doppler.com/docs/openai); Infisical dual-phase rotation",
  message:
    "family {family} has {live} live keys, more than its max_live of {max_live}; this one ({owner|owner}, created {created_at|date}) is among the oldest: delete it",
  remedy: {
    action: "delete_key",
    summary:
      "Delete the oldest keys until the family holds max_live, as its manager would (the newest stay).",
  },
  forFamily: ({ family, members }) => {
    const max = family.maxLive;
    if (max === null || members.length <= max) return [];
    // Members come newest first: the surplus is the tail.
    return members.slice(max).map((key) => ({
      key,
      facts: {
        ...familyFacts(family),
        ...ownerFacts(key),
        live: members.length,
        max_live: max,
        created_at: key.createdAt,
      },
    }));
  },
});
