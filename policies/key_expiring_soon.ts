import { DAY, days, definePolicy } from "../lib/assess/policy.ts";

/** Keys that expire within `within_days`. */
export const keyExpiringSoon = definePolicy({
  id: "key-expiring-soon",
  summary: "Key expires within within_days days",
  defaultSeverity: "warning",
  options: {
    within_days: {
      type: "integer",
      default: 14,
      minimum: 1,
      description: "Warning window before expiry, in days.",
    },
  },
  rationale:
    "An expiring key breaks whatever uses it; rotate before the date, not after the outage.",
  source: "GitHub PAT expiry notifications (7 days); common certificate-renewal practice",
  message:
    "expires in {days} days (on {expires_at|date}); the warning window is {within_days} days: rotate it before then",
  remedy: { action: "waiver", summary: "Rotate the key before it expires" },
  appliesTo: { projectKeys: true, adminKeys: true },
  forProject: ({ options, now }) => (key) => {
    const within = options.within_days;
    if (typeof key.expiresAt !== "number") return null;
    const left = key.expiresAt - now;
    if (left <= 0 || left > within * DAY) return null;
    return { days: days(left), expires_at: key.expiresAt, within_days: within };
  },
});
