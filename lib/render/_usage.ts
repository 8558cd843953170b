/**
 * The words for usage and spend (`--usage DAYS`), shared by every renderer: a key's use across
 * the usage families (`used 5,067 times in the last 7 days (completions 67, embeddings 5,000)`),
 * its spend (`spent $12.34`), what is unknown and why, where the sources disagree, and the spend
 * of the keys nobody declared, largest first. Returned strings hold server data raw: each renderer
 * makes them inert for its format.
 */
import type * as model from "../core/types.ts";
import { USAGE_FAMILIES } from "../core/types.ts";
import { grouped } from "../core/grouped.ts";
import { isoDate } from "../core/time.ts";
import type { Report } from "../report/report.ts";

type Usage = model.KeyUsage & { days: number };
/** An item as the renderers read it (with its worded note). */
type Item = model.Enriched & { usageNote?: string };
/** An unexpected key's drift item, as far as the spend list needs it. */
type Spent = Pick<model.Drift, "kind" | "keyId" | "keyName" | "projectId" | "usage">;

const inDays = (n: number) => `in the last ${n === 1 ? "day" : `${grouped(n)} days`}`;
const times = (n: number) => `${grouped(n)} time${n === 1 ? "" : "s"}`;

/** `$1,234.56`; `less than $0.01` for a spend that rounds to no cent; `-` before a credit. */
export function usdText(v: number): string {
  if (v === 0) return "$0.00";
  const sign = v < 0 ? "-" : "";
  const cents = Math.round(Math.abs(v) * 100);
  if (cents === 0) return `${sign}less than $0.01`;
  return `${sign}$${grouped(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, "0")}`;
}

/** `completions 67, embeddings 5,000`: the families with use, in the families' order. */
export function familiesText(u: Pick<model.KeyUsage, "by_family">): string {
  return USAGE_FAMILIES.filter((f) => u.by_family[f] !== undefined)
    .map((f) => `${f} ${grouped(u.by_family[f]!)}`).join(", ");
}

/** The note on a finding about use when the usage API counts requests in the window. */
export function contradictionWords(u: Usage): string {
  const n = u.requests;
  return `the usage API counts ${grouped(n)} request${n === 1 ? "" : "s"} (${familiesText(u)}) ${
    inDays(u.days)
  }, which contradicts last_used_at`;
}

/** The note on a key whose usage reads zero while its `last_used_at` or its spend say it was used. */
export function inconsistentWords(
  u: Usage,
  c: NonNullable<model.Enriched["usageConflict"]>,
): string {
  const seen = [
    c.lastUsedAt !== null ? `its last_used_at is ${isoDate(c.lastUsedAt)}` : "",
    c.costUsd !== null ? `it spent ${usdText(c.costUsd)}` : "",
  ].filter(Boolean).join(" and ");
  return `usage inconsistent: no usage family counts a request ${inDays(u.days)}, but ${seen}; ` +
    `neither used nor unused can be said`;
}

/** The note an item carries: a contradiction of `last_used_at`, or an inconsistent verdict. */
export function usageNoteOf(x: model.Enriched): string | undefined {
  if (!x.usage) return undefined;
  if (x.usageVerdict === "inconsistent" && x.usageConflict) {
    return inconsistentWords(x.usage, x.usageConflict);
  }
  return x.usageContradicts ? contradictionWords(x.usage) : undefined;
}

/** The key's use in words, by its verdict (the note, when it has one, says it instead). */
function useText(u: Usage, verdict: model.UsageVerdict | undefined, why: string | undefined) {
  if (u.requests > 0) {
    const least = u.complete ? "" : "at least ";
    const rest = u.complete ? "" : `; usage incomplete: ${why ?? "some families unknown"}`;
    return `used ${least}${times(u.requests)} ${inDays(u.days)} (${familiesText(u)})${rest}`;
  }
  if (verdict === "unused" || (verdict === undefined && u.complete)) {
    return `not used ${inDays(u.days)} in any usage family`;
  }
  return `usage unknown: no request counted ${inDays(u.days)} in the families read, but ${
    why ?? "some families are unknown"
  }`;
}

/** What `--usage` knows of an item's key, as short phrases (empty when it was not asked). */
export function usageParts(x: Item): string[] {
  const parts: string[] = [];
  if (x.usageNote) parts.push(x.usageNote);
  else if (x.usage) parts.push(useText(x.usage, x.usageVerdict, x.usageError));
  else if (x.usage === null) parts.push(`usage unknown: ${x.usageError ?? "not read"}`);
  const cost = x.usage?.cost_usd ?? null;
  if (cost !== null) parts.push(`spent ${usdText(cost)}`);
  else if (x.costError !== undefined) parts.push(`spend unknown: ${x.costError}`);
  return parts;
}

/** The unexpected keys with a known spend above zero, largest first (then in report order). */
export function bySpend<D extends Spent>(r: { drift: readonly D[] }): D[] {
  return r.drift
    .filter((d) => d.kind === "unexpected" && (d.usage?.cost_usd ?? 0) > 0)
    .sort((a, b) => b.usage!.cost_usd! - a.usage!.cost_usd!);
}

/**
 * The summary of undeclared spend: `Undeclared spend: $1,234.56 in the last 7 days (3 keys; 1
 * unknown)`, or null without `--usage` (or when it could not be read).
 */
export function spendSummary(r: Pick<Report, "enrichment">): string | null {
  const u = r.enrichment?.usage;
  const s = u?.unexpected_spend;
  if (!u || !s) return null;
  const keys = `${grouped(s.keys)} key${s.keys === 1 ? "" : "s"}`;
  const unknown = s.unknown_keys
    ? `; ${grouped(s.unknown_keys)} more unknown, so at least this`
    : "";
  return `Undeclared spend: ${usdText(s.cost_usd)} ${inDays(u.days)} (${keys}${unknown})`;
}

/** At most 80 characters of a name or id: the spend list stays a few short lines. */
const short = (s: string) => (s.length > 80 ? `${[...s].slice(0, 80).join("")}…` : s);

/** `$1,000.00  key "old-ci" [key_old_ci_carl] in proj_payments`, for the spend list. */
export function spendItem(d: Spent): string {
  const name = d.keyName === null ? "(unnamed)" : JSON.stringify(short(d.keyName));
  return `${usdText(d.usage!.cost_usd!)}  key ${name} [${short(d.keyId ?? "")}] in ${
    short(d.projectId)
  }`;
}

/**
 * The spend section: the summary, then the unexpected keys with spend, largest first (at most
 * `max`, then how many more); empty without `--usage` or without unexpected keys it covered.
 */
export function spendLines<D extends Spent>(
  r: { drift: readonly D[]; enrichment?: Report["enrichment"] },
  max = 10,
): { head: string; items: string[] } | null {
  const s = r.enrichment?.usage?.unexpected_spend;
  const head = spendSummary(r);
  if (!s || head === null || s.keys + s.unknown_keys === 0) return null;
  const spent = bySpend(r);
  const items = spent.slice(0, max).map(spendItem);
  if (spent.length > max) items.push(`and ${grouped(spent.length - max)} more`);
  return { head, items };
}

/** Why usage is incomplete, for the status line: `images: …; costs: …` (null when whole). */
export function incompleteText(r: Pick<Report, "enrichment">): string | null {
  const u = r.enrichment?.usage;
  if (!u || u.error || !u.incomplete?.length) return null;
  const byWhy = new Map<string, string[]>();
  for (const f of u.incomplete) byWhy.set(f.error, [...byWhy.get(f.error) ?? [], f.family]);
  return [...byWhy].map(([why, fs]) => `${[...new Set(fs)].join(", ")}: ${why}`).join("; ");
}
