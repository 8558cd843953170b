import { definePolicy, ownerFacts } from "../lib/assess/policy.ts";

/** User-owned keys where only service accounts should hold keys. */
export const userOwnedKey = definePolicy({
  id: "user-owned-key",
  summary:
    "Key owned by a user in a project with service_accounts_only: true (or everywhere with all_projects)",
  defaultSeverity: "error",
  options: {
    all_projects: {
      type: "boolean",
      default: false,
      description:
        "Flag user-owned keys in every project, not only those with service_accounts_only.",
    },
  },
  rationale:
    "Applications should authenticate as service accounts; a user's key leaves with the user.",
  source: "OpenAI production best practices (service accounts for applications)",
  message:
    "owned by {owner|owner}; this project allows service-account keys only: replace it with a service-account key",
  remedy: { action: "waiver", summary: "Replace it with a service-account key, then delete it" },
  forProject: ({ serviceAccountsOnly, options }) => {
    const applies = serviceAccountsOnly || options.all_projects;
    return (key) => {
      if (!applies || key.owner.type !== "user") return null;
      return ownerFacts(key);
    };
  },
});
