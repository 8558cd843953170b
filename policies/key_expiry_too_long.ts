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
  forProject: ({ options }) => (key) => {
    const max = options.max_days;
    if (typeof key.expiresAt !== "number" || key.expiresAt - key.createdAt <= max * DAY) {
      return null;
    }
    return `expires ${
      days(key.expiresAt - key.createdAt)
    } days after it was created; the limit is ${max} days: shorten its lifetime`;
  },
});
