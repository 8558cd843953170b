/**
 * The enrich stage of `check` (SPEC 10.5), after the assessment: who created each key that needs a
 * look (`--attribute`), how much it was used (`--usage DAYS`), and the fix for every item. The
 * command reads the audit log and the usage API for the keys {@link wantedKeys} names (its one IO
 * step) and passes what came back in as data; `enrich` is a pure merge into a new assessment.
 *
 * Enrichment never changes drift, status or exit code: a read that fails is recorded on each item
 * (`attribution: null` + `attributionError`, `usage: null` + `usageError`) and in the assessment's
 * `enrichment`, and the run goes on.
 */
import { minimum } from "../core/arrays.ts";
import type { KeyEvents } from "../api/audit.ts";
import { isoDate } from "../core/time.ts";
import type { Assessment } from "../assess/assessment.ts";
import { planFixes } from "./fix_plan.ts";
import { type UsageData, usageOf, type UsageStatus, usageStatus } from "./usage.ts";
import type { Drift, Enriched, Finding } from "../core/types.ts";

/** Which enrichments a run asked for: audit-log attribution and usage over some days */
export interface EnrichRequest {
  attribute: boolean;
  /** `--usage DAYS`, or null. */
  usageDays: number | null;
}

/** What the enrichment reads brought back (or why they failed). */
export interface EnrichData {
  attribution?: { events: KeyEvents; since: number } | { error: string };
  usage?: UsageData;
}

/** Per enrichment asked for: null error when it was read, else why it could not be. */
export interface EnrichmentStatus {
  attribution: { error: string | null } | null;
  usage: UsageStatus | null;
}

/** Slack before the oldest key's `created_at` when reading the audit log (clock skew). */
const SKEW_S = 60;

// Admin keys are left out: they cannot call inference endpoints (no usage to read), and the
// audit-log reader is built for project keys' events.
const needsAttribution = (x: Drift | Finding): boolean =>
  x.keyId !== null && x.keyType !== "admin" &&
  ("kind" in x ? x.kind === "unexpected" || x.kind === "changed" : true);
const needsUsage = (x: Drift | Finding): boolean =>
  x.keyId !== null && x.keyType !== "admin" && ("kind" in x ? x.kind === "unexpected" : true);

/** The key ids each enrichment needs, in report order, without repeats. */
export function wantedKeys(
  a: Pick<Assessment, "drift" | "findings">,
): { attribution: string[]; usage: string[] } {
  const items = [...a.drift, ...a.findings];
  const ids = (pick: (x: Drift | Finding) => boolean) => [
    ...new Set(items.filter(pick).map((x) => x.keyId as string)),
  ];
  return { attribution: ids(needsAttribution), usage: ids(needsUsage) };
}

/**
 * Where the audit-log read for `keyIds` starts (Unix seconds): a minute before the oldest key was
 * created, or 0 (the whole log) when a key's creation time is unknown.
 */
export function auditSince(a: Assessment, keyIds: readonly string[]): number {
  const created = keyIds.map((id) => a.facts.createdAt.get(id));
  return keyIds.length && created.every((c) => c !== undefined)
    ? Math.max(0, minimum(created as number[]) - SKEW_S)
    : 0;
}

/** Why an asked-for read has no data: the check did not complete, so it was never sent. */
const NOT_READ = "not read: the check did not complete";

/** What the audit log says of an item's key: its creation (or latest change), or why not. */
function attributionOf(x: Drift | Finding, at: EnrichData["attribution"]): Enriched {
  if (!at) return { attribution: null, attributionError: NOT_READ };
  if ("error" in at) return { attribution: null, attributionError: at.error };
  const unknown = at.events.unknown.get(x.keyId as string);
  if (unknown !== undefined) return { attribution: null, attributionError: unknown };
  const hit = at.events.byKey.get(x.keyId as string);
  if (!hit) {
    return {
      attribution: null,
      attributionError: `no api_key.created or api_key.updated event for the key in the audit log${
        at.since ? ` since ${isoDate(at.since)}` : ""
      }`,
    };
  }
  return { attribution: hit.created ?? hit.updated, lastUpdate: hit.updated };
}

/** Per enrichment asked for, whether it was read; absent when neither was asked for. */
function status(
  data: EnrichData,
  req: EnrichRequest,
  drift: readonly Drift[],
): { enrichment?: EnrichmentStatus } {
  const at = data.attribution;
  if (!req.attribute && req.usageDays === null) return {};
  return {
    enrichment: {
      attribution: req.attribute
        ? { error: !at ? NOT_READ : "error" in at ? at.error : null }
        : null,
      usage: req.usageDays !== null
        ? usageStatus(data.usage, req.usageDays, drift, NOT_READ)
        : null,
    },
  };
}

/**
 * The assessment with enrichment merged in: attribution and usage on the items that need them, a
 * mark where usage contradicts `last_used_at`, and a remediation on every item (the run's fixes
 * decided as a whole, `fix_plan.ts`). Drift and the
 * findings' verdicts are those of `a`, unchanged.
 */
export function enrich<A extends Assessment>(
  a: A,
  data: EnrichData,
  req: EnrichRequest,
): A & { enrichment?: EnrichmentStatus } {
  const policies = new Map(a.policies.map((p) => [p.id, p]));
  const usageFacts = {
    readsLastUsedAt: (policy: string) => policies.get(policy)?.readsLastUsedAt === true,
    lastUsedAt: (id: string) => a.facts.lastUsedAt?.get(id),
  };
  const known = (x: Drift | Finding): Enriched => ({
    ...(req.attribute && needsAttribution(x) ? attributionOf(x, data.attribution) : {}),
    ...(req.usageDays !== null && needsUsage(x) ? usageOf(x, data.usage, usageFacts) : {}),
  });
  const drift = a.drift.map((d) => ({ ...d, ...known(d) }));
  const findings = a.findings.map((f) => ({ ...f, ...known(f) }));
  // The fixes read what enrichment found (a key whose use is in doubt is not deleted).
  const fixes = planFixes({ ...a, drift, findings });
  return {
    ...a,
    drift: drift.map((d, i) => ({ ...d, remediation: fixes.drift[i] })),
    findings: findings.map((f, i) => ({ ...f, remediation: fixes.findings[i] })),
    ...status(data, req, drift),
  };
}
