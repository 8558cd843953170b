/**
 * The usage part of the enrich stage (SPEC 10.5, 11.3): a key's counts from the usage read as the
 * report's `usage` (requests per family, tokens, spend, whether every family was read whole), the
 * verdict on its use (`used`, `unused`, `unknown`, `inconsistent`), and the run's usage status
 * with the spend of the keys nobody declared. Pure.
 */
import type { KeyCounts, UsageFailure, UsageRead } from "../api/usage.ts";
import { asNanos, fromNanos } from "../core/money.ts";
import {
  type Drift,
  type Enriched,
  type Finding,
  type KeyUsage,
  USAGE_FAMILIES,
  type UsageFamily,
  type UsageVerdict,
} from "../core/types.ts";

/** What the usage read brought back, or why it could not be made. */
export type UsageData = { days: number; read: UsageRead } | { days: number; error: string };

/** The spend of the unexpected keys (keys nobody declared) over the window. */
export interface UnexpectedSpend {
  /** Their known spend summed, in US dollars (a lower bound when `unknown_keys` > 0). */
  cost_usd: number;
  /** How many unexpected keys the sum covers. */
  keys: number;
  /** How many unexpected keys have an unknown spend. */
  unknown_keys: number;
}

/** `--usage`: whether the read was made, what failed in part, and the undeclared keys' spend. */
export interface UsageStatus {
  days: number;
  /** Why no key's usage could be read at all, or null. */
  error: string | null;
  /** The queries that failed (their family, or `costs`), each for some keys; absent: not read. */
  incomplete?: { family: UsageFamily | "costs"; keys: number; error: string }[];
  unexpected_spend?: UnexpectedSpend;
}

/** `images, audio_speeches: <why>; costs: <why>`: which figures are unknown, grouped by why. */
function unknownWords(parts: [string, string][]): string {
  const byWhy = new Map<string, string[]>();
  for (const [what, why] of parts) byWhy.set(why, [...byWhy.get(why) ?? [], what]);
  return [...byWhy].map(([why, whats]) => `${whats.join(", ")}: ${why}`).join("; ");
}

/** A key's counts as the report's `usage`, or null when no family could be read for it. */
function usageFrom(c: KeyCounts, days: number): KeyUsage & { days: number } | null {
  const unknown = USAGE_FAMILIES.filter((f) => c.unknown.has(f));
  if (unknown.length === USAGE_FAMILIES.length) return null;
  return {
    days,
    requests: c.requests,
    input_tokens: c.inputTokens,
    output_tokens: c.outputTokens,
    by_family: Object.fromEntries(
      USAGE_FAMILIES.filter((f) => c.byFamily.has(f)).map((f) => [f, c.byFamily.get(f)!]),
    ),
    cost_usd: "nanos" in c.cost ? fromNanos(c.cost.nanos) : null,
    complete: unknown.length === 0,
    unknown_families: unknown,
  };
}

/**
 * The verdict on a key's use: a request in any family is use; no request with a family unknown is
 * unknown; no request over every family read whole is unused, unless its `last_used_at` falls in
 * the window or it has spend there: then the sources disagree.
 */
function verdictOf(
  u: KeyUsage,
  lastUsedAt: number | null | undefined,
  windowStart: number,
): { usageVerdict: UsageVerdict; usageConflict?: Enriched["usageConflict"] } {
  if (u.requests > 0) return { usageVerdict: "used" };
  if (!u.complete) return { usageVerdict: "unknown" };
  const seen = typeof lastUsedAt === "number" && lastUsedAt >= windowStart ? lastUsedAt : null;
  const spent = u.cost_usd !== null && u.cost_usd > 0 ? u.cost_usd : null;
  if (seen === null && spent === null) return { usageVerdict: "unused" };
  return { usageVerdict: "inconsistent", usageConflict: { lastUsedAt: seen, costUsd: spent } };
}

/**
 * What the usage says of an item's key: its usage (or why not), the verdict, and, for a finding
 * whose policy reads `last_used_at`, a mark where the usage API counts requests.
 */
export function usageOf(
  x: Drift | Finding,
  u: UsageData | undefined,
  o: {
    readsLastUsedAt: (policy: string) => boolean;
    lastUsedAt: (id: string) => number | null | undefined;
  },
): Enriched {
  const unknown = (usageError: string): Enriched => ({
    usage: null,
    usageError,
    usageVerdict: "unknown",
  });
  if (!u) return unknown("not read: the check did not complete");
  if ("error" in u) return unknown(u.error);
  const id = x.keyId as string;
  const c = u.read.keys.get(id);
  if (!c) return unknown("usage was not read for this key");
  const costError = "unknown" in c.cost ? { costError: c.cost.unknown } : {};
  const why = unknownWords(
    USAGE_FAMILIES.filter((f) => c.unknown.has(f)).map((f) => [f, c.unknown.get(f)!]),
  );
  const usage = usageFrom(c, u.days);
  if (!usage) return { ...unknown(why), ...costError };
  const verdict = verdictOf(usage, o.lastUsedAt(id), u.read.window.start);
  const contradicts = "policy" in x && verdict.usageVerdict === "used" &&
    o.readsLastUsedAt(x.policy);
  return {
    usage,
    ...(usage.complete ? {} : { usageError: why }),
    ...costError,
    ...verdict,
    ...(contradicts ? { usageContradicts: true } : {}),
  };
}

/** The run's usage status: null error unless no key's usage could be read; the spend undeclared. */
export function usageStatus(
  u: UsageData | undefined,
  days: number,
  drift: readonly Drift[],
  notRead: string,
): UsageStatus {
  if (!u) return { days, error: notRead };
  if ("error" in u) return { days, error: u.error };
  const keys = [...u.read.keys.values()];
  const none = keys.length > 0 && keys.every((c) => c.unknown.size === USAGE_FAMILIES.length);
  return {
    days,
    error: none
      ? unknownWords(u.read.failures.map((f): [string, string] => [f.family, f.why]))
      : null,
    incomplete: u.read.failures.map((f: UsageFailure) => ({
      family: f.family,
      keys: f.keys,
      error: f.why,
    })),
    unexpected_spend: unexpectedSpend(drift),
  };
}

/** The spend of the unexpected keys, summed in nano-units. */
function unexpectedSpend(drift: readonly Drift[]): UnexpectedSpend {
  let nanos = 0n;
  let keys = 0;
  let unknown = 0;
  for (const d of drift) {
    if (d.kind !== "unexpected" || d.usage === undefined) continue;
    const cost = d.usage?.cost_usd ?? null;
    if (cost === null) unknown++;
    else {
      nanos += asNanos(cost);
      keys++;
    }
  }
  return { cost_usd: fromNanos(nanos), keys, unknown_keys: unknown };
}
