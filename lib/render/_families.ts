/**
 * Key families (SPEC 11.4) in words, for every renderer that shows them: a family's one-line
 * state (members, newest age, capacity, rotation) and each member. Returned strings hold server
 * data raw (owner names): each renderer makes them inert for its format.
 */
import type { FamilySummary } from "./words.ts";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** An age in the largest whole unit: `40 days`, `5 hours`, `12 minutes`, `30 seconds`. */
export function ageWords(seconds: number): string {
  if (seconds >= 86_400) return plural(Math.floor(seconds / 86_400), "day");
  if (seconds >= 3_600) return plural(Math.floor(seconds / 3_600), "hour");
  if (seconds >= 60) return plural(Math.floor(seconds / 60), "minute");
  return plural(seconds, "second");
}

/** `billing (managed by infisical)`. */
export function familyTitle(f: FamilySummary): string {
  const by = f.family.managedBy === null ? "" : ` (managed by ${f.family.managedBy})`;
  return `${f.family.name}${by}`;
}

/**
 * What the family holds and promises: `2 live of max 2, newest 10 days old; rotated every 30 days
 * (+7 grace); keys live at most 24h`.
 */
export function familyState(f: FamilySummary): string {
  const d = f.family;
  const live = d.maxLive === null
    ? `${f.members.length} live`
    : `${f.members.length} live of max ${d.maxLive}`;
  const newest = f.members[0];
  const parts = [newest ? `${live}, newest ${ageWords(newest.ageSeconds)} old` : live];
  if (d.rotateEveryDays !== null) {
    const grace = d.graceDays ? ` (+${d.graceDays} grace)` : "";
    parts.push(`rotated every ${plural(d.rotateEveryDays, "day")}${grace}`);
  }
  if (d.maxTtl !== null) parts.push(`keys live at most ${d.maxTtl.text}`);
  return parts.join("; ");
}

/** One member: `key_b2 service account "billing-1722860400000", 10 days old`. */
export function memberWords(m: FamilySummary["members"][number]): string {
  const owner = m.owner.type === "user"
    ? `user "${m.owner.name}"`
    : `service account "${m.owner.name}"`;
  return `${m.id} ${owner}, ${ageWords(m.ageSeconds)} old`;
}

/** At most this many members are listed per family by the formats for people (JSON has all). */
export const MEMBERS_SHOWN = 10;
