/** Days and dates of Unix-seconds times, in UTC: what policies, enrichment and renderers share. */

/** Seconds in a day. */
export const DAY = 86_400;

/** Whole days in `seconds`, rounded down. */
export function days(seconds: number): number {
  return Math.floor(seconds / DAY);
}

/** `YYYY-MM-DD` of a Unix-seconds timestamp, in UTC. */
export function isoDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}
