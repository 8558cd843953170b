import { defineFamilyPolicy, ownerFacts } from "../lib/assess/policy.ts";
import { familyFacts } from "./_family.ts";

/** A key of a dynamic family that outlived the family's `max_ttl`: its lease is gone. */
export const orphanedDynamicCredential = defineFamilyPolicy({
  id: "orphaned-dynamic-credential",
  summary: "A dynamic credential outlived its family's max_ttl",
  defaultSeverity: "error",
  options: {},
  rationale:
    "A dynamic credential is revoked when its lease ends; past max_ttl no lease can hold it, so nothing will revoke it (a lost lease leaves it behind): a live key nobody tracks.",
  source:
    "Vault OpenAI plugin ttl/max_ttl (gitrgoliveira/vault-plugin-secrets-openai); hashicorp/vault-secrets-operator#935 (lost leases)",
  message:
    "created {created_at|date} for {owner|owner}, older than family {family}'s max_ttl of {max_ttl}: nothing will revoke it now; delete it",
  remedy: {
    action: "delete_key",
    summary: "Delete the orphaned credential, as the lease's end would have.",
  },
  forFamily: ({ family, members, now }) => {
    const ttl = family.maxTtl;
    if (ttl === null) return [];
    return members.filter((k) => now - k.createdAt > ttl.seconds).map((key) => ({
      key,
      facts: {
        ...familyFacts(family),
        ...ownerFacts(key),
        created_at: key.createdAt,
        age_seconds: now - key.createdAt,
        max_ttl: ttl.text,
        max_ttl_seconds: ttl.seconds,
      },
    }));
  },
});
