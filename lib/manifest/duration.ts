/**
 * Durations in the manifest (`max_ttl: 24h`): whole numbers of days, hours, minutes and seconds,
 * largest unit first, each unit at most once (`7d`, `24h`, `1h30m`, `90s`): the units Vault's
 * `ttl` and `max_ttl` are usually written in, without fractions or milliseconds (the Admin API
 * dates keys to the second). Pure.
 */

/** The pattern the schema gives (`keydrift schema`); {@link durationProblem} says what is wrong. */
export const DURATION_PATTERN = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$";

/** The longest duration accepted: ten years, far beyond any key lifetime. */
export const MAX_DURATION_S = 3650 * 86_400;

const UNIT_S = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;

/** `value` in seconds, or why it is not a duration (what is wrong, then what to write). */
export function parseDuration(value: unknown): { seconds: number } | { problem: string } {
  const example = "a whole number and a unit, d, h, m or s, largest first (24h, 7d, 1h30m)";
  if (typeof value === "number") {
    return { problem: `${value} has no unit; write ${example}` };
  }
  if (typeof value !== "string") return { problem: `it is not a duration; write ${example}` };
  const m = new RegExp(DURATION_PATTERN).exec(value);
  if (value === "" || !m) return { problem: `"${value}" is not a duration; write ${example}` };
  let seconds = 0;
  for (const part of m.slice(1)) {
    if (part === undefined) continue;
    const unit = part.slice(-1) as keyof typeof UNIT_S;
    seconds += Number(part.slice(0, -1)) * UNIT_S[unit];
  }
  if (seconds === 0) {
    return { problem: `"${value}" is zero; write how long a credential may live (24h)` };
  }
  if (seconds > MAX_DURATION_S) {
    return { problem: `"${value}" is more than ten years (3650d); write a shorter one` };
  }
  return { seconds };
}
