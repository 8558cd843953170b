import { DAY, days, definePolicy } from "../lib/assess/policy.ts";

/** Keys idle for longer than `max_idle_days`. */
export const keyUnused = definePolicy({
  id: "key-unused",
  summary: "Key not used for more than max_idle_days days",
  defaultSeverity: "warning",
  options: {
    max_idle_days: {
      type: "integer",
      default: 90,
      minimum: 1,
      description: "Days without use before a key is flagged.",
    },
  },
  rationale: "Idle credentials are attack surface with no benefit; disable or delete them.",
  source:
    "CIS AWS Foundations 1.2 §1.3 (90 days); AWS Config iam-user-unused-credentials-check (90 days)",
  message: "last used {days} days ago; the limit is {limit} days: rotate or delete it",
  remedy: { action: "delete_key", summary: "Delete the idle key if nobody needs it." },
  appliesTo: { projectKeys: true, adminKeys: true },
  readsLastUsedAt: true,
  forProject: ({ options, now }) => (key) => {
    const max = options.max_idle_days;
    if (typeof key.lastUsedAt !== "number" || now - key.lastUsedAt <= max * DAY) return null;
    return { days: days(now - key.lastUsedAt), limit: max };
  },
});
