import { definePolicy, ownerFacts } from "../lib/assess/policy.ts";

/** Orphaned keys: the owner no longer has access to the project, the key still works. */
export const ownerLostAccess = definePolicy({
  id: "owner-lost-access",
  summary: "Key owner no longer has access to the project (owner_project_access: inactive)",
  defaultSeverity: "error",
  options: {},
  rationale:
    "A key outlives its owner's access: someone who left the project still holds a working key.",
  source:
    "OpenAI Admin API owner_project_access; offboarding controls (CIS 5.3, credentials of departed users)",
  message:
    "{owner|owner} no longer has access to the project, but the key still works: delete it or restore access",
  remedy: {
    action: "delete_key",
    summary: "Delete the key its owner can no longer manage, or restore their access.",
  },
  forProject: () => (key) => {
    if (key.ownerProjectAccess !== "inactive") return null;
    return ownerFacts(key);
  },
});
