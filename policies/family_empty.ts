import { defineFamilyPolicy } from "../lib/assess/policy.ts";
import { familyFacts } from "./_family.ts";

/** A rotated family with no live key. A dynamic family (`max_ttl`) may be empty between leases. */
export const familyEmpty = defineFamilyPolicy({
  id: "family-empty",
  summary: "A key family has no live key",
  defaultSeverity: "error",
  options: {},
  rationale:
    "A rotated credential always has a live key; none means its manager deleted the last one or never issued it, and whatever uses it has no credential. (Dynamic credentials, max_ttl, are issued on demand: such a family may be empty.)",
  source: "Rotation keeps a live credential (Doppler, Infisical, Phase)",
  message: "has no live key: {manager} issued none, or every one was deleted",
  remedy: {
    action: "waiver",
    summary: "Have the family's manager issue a key, or remove the family from the manifest",
  },
  forFamily: ({ family, members }) =>
    members.length || family.maxTtl !== null ? [] : [{ key: null, facts: familyFacts(family) }],
});
