import { definePolicy } from "../lib/assess/policy.ts";

/** Keys that never expire. */
export const keyNoExpiry = definePolicy({
  id: "key-no-expiry",
  summary: "Key has no expiry date",
  defaultSeverity: "off",
  options: {},
  rationale: "A key without an expiry stays valid until someone remembers to delete it.",
  source: "GitHub fine-grained PAT policy (expiry required); OpenAI key expiration controls",
  message:
    "never expires: set an expiry with the key update endpoint, or rotate to an expiring key",
  remedy: { action: "set_expiry", days: 90 },
  appliesTo: { projectKeys: true, adminKeys: true },
  forProject: () => (key) => {
    if (typeof key.expiresAt === "number") return null;
    return {};
  },
});
