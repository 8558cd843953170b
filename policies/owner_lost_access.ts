import { definePolicy, ownerLabel } from "../lib/assess/policy.ts";

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
  forProject: () => (key) => {
    if (key.ownerProjectAccess !== "inactive") return null;
    return `${
      ownerLabel(key)
    } no longer has access to the project, but the key still works: delete it or restore access`;
  },
});
