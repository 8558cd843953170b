import { DAY, days, definePolicy } from "../lib/assess/policy.ts";

/** Keys whose lifetime exceeds `max_days`. */
export const keyExpiryTooLong = definePolicy({
  id: "key-expiry-too-long",
  summary: "Key expires more than max_days days after it was created",
  defaultSeverity: "off",
  options: {
    max_days: {
      type: "integer",
      default: 366,
      minimum: 1,
      description: "Maximum lifetime in days.",
    },
  },
  rationale: "Long-lived keys defeat the point of an expiry date.",
  source:
    "GitHub organisation PAT policy (366 days default); OpenAI expires_in_seconds cap (365 days)",
  message:
    "expires {days} days after it was created; the limit is {limit} days: shorten its lifetime",
  // At the end of the allowed lifetime (`limit` days after creation), else 90 days from now.
  remedy: { action: "set_expiry", days: 90, lifetime: "limit" },
  appliesTo: { projectKeys: true, adminKeys: true },
  forProject: ({ options }) => (key) => {
    const max = options.max_days;
    if (typeof key.expiresAt !== "number" || key.expiresAt - key.createdAt <= max * DAY) {
      return null;
    }
    return { days: days(key.expiresAt - key.createdAt), limit: max };
  },
});
