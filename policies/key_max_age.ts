import { DAY, days, definePolicy } from "../lib/assess/policy.ts";

/** Keys older than `max_age_days`. */
export const keyMaxAge = definePolicy({
  id: "key-max-age",
  summary: "Key created more than max_age_days days ago: rotate it",
  defaultSeverity: "off",
  options: {
    max_age_days: {
      type: "integer",
      default: 365,
      minimum: 1,
      description: "Maximum key age in days.",
    },
  },
  rationale: "Regular rotation bounds how long a leaked key stays useful.",
  source:
    "CIS AWS Foundations 1.5 §1.14 and AWS Config access-keys-rotated (90 days); OpenAI key lifetime cap (365 days)",
  message: "created {days} days ago; the maximum age is {limit} days: rotate it",
  remedy: {
    action: "waiver",
    summary: "Rotate the key (create a replacement, then delete this one)",
  },
  appliesTo: { projectKeys: true, adminKeys: true },
  forProject: ({ options, now }) => (key) => {
    const max = options.max_age_days;
    if (now - key.createdAt <= max * DAY) return null;
    return { days: days(now - key.createdAt), limit: max };
  },
});
