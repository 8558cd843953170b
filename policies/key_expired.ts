import { definePolicy } from "../lib/assess/policy.ts";

/** Keys past their expiry that the API still lists. */
export const keyExpired = definePolicy({
  id: "key-expired",
  summary: "Key expires_at is in the past, yet the key is still listed",
  defaultSeverity: "error",
  options: {},
  rationale:
    "An expired key no longer works; whatever still uses it is broken, and the entry is clutter.",
  source: "OpenAI key expiration controls (expired keys cannot be updated)",
  message:
    "expired on {expires_at|date} but is still listed: delete it and update whatever used it",
  remedy: {
    action: "delete_key",
    summary: "Delete the expired key; expired keys cannot be updated.",
  },
  appliesTo: { projectKeys: true, adminKeys: true },
  forProject: ({ now }) => (key) => {
    if (typeof key.expiresAt !== "number" || key.expiresAt > now) return null;
    return { expires_at: key.expiresAt };
  },
});
