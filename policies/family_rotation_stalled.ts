import { DAY, days, defineFamilyPolicy } from "../lib/assess/policy.ts";
import { familyFacts } from "./_family.ts";

/** A family whose newest key is older than `rotate_every_days` + `grace_days`. */
export const familyRotationStalled = defineFamilyPolicy({
  id: "family-rotation-stalled",
  summary: "A key family's newest key is older than its rotation period and grace",
  defaultSeverity: "error",
  options: {},
  rationale:
    "A manager that stopped rotating fails quietly: the last key lives on past the period the family promises, and every report still looks in sync.",
  source: "The family's own rotate_every_days (Doppler, Infisical and Phase rotate on a schedule)",
  message:
    "the newest key of family {family} was created {days} days ago, past its rotation every {rotate_every_days} days and {grace_days} days of grace: find out why {manager} stopped rotating",
  remedy: {
    action: "waiver",
    summary: "Rotate the family's credential, and find out why its manager stopped",
  },
  forFamily: ({ family, members, now }) => {
    const every = family.rotateEveryDays;
    const newest = members[0];
    if (every === null || newest === undefined) return [];
    const limit = every + family.graceDays;
    if (now - newest.createdAt <= limit * DAY) return [];
    return [{
      key: newest,
      facts: {
        ...familyFacts(family),
        days: days(now - newest.createdAt),
        limit,
        rotate_every_days: every,
        grace_days: family.graceDays,
      },
    }];
  },
});
