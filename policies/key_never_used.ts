import { DAY, days, definePolicy } from "../lib/assess/policy.ts";

/** Keys never used and older than `grace_days`. */
export const keyNeverUsed = definePolicy({
  id: "key-never-used",
  summary: "Key never used and created more than grace_days days ago",
  defaultSeverity: "warning",
  options: {
    grace_days: {
      type: "integer",
      default: 30,
      minimum: 0,
      description: "Days a new key may stay unused.",
    },
  },
  rationale: "A key nobody has used since it was minted is usually forgotten; delete it.",
  source:
    "CIS AWS Foundations (no credentials created and left unused); AWS Config unused-credentials check",
  message:
    "never used since it was created {days} days ago; the grace period is {grace_days} days: delete it if nobody needs it",
  remedy: { action: "delete_key", summary: "Delete the never-used key if nobody needs it." },
  appliesTo: { projectKeys: true, adminKeys: true },
  readsLastUsedAt: true,
  forProject: ({ options, now }) => (key) => {
    const grace = options.grace_days;
    if (key.lastUsedAt !== null || now - key.createdAt <= grace * DAY) return null;
    return { days: days(now - key.createdAt), grace_days: grace };
  },
});
