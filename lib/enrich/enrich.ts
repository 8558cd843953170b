/**
 * The enrichment stage of `check` (SPEC 10.5), after the diff and the policies: who created each
 * key that needs a look (`--attribute`), how much it was used (`--usage DAYS`), and the fix for
 * every item. `readEnrichment` is the one IO step (batched reads through the client's core, none
 * when no key needs them); `enrich` is a pure merge into a new report.
 *
 * Enrichment never changes drift, status or exit code: a read that fails is recorded on each item
 * (`attribution: null` + `attributionError`, `usage: null` + `usageError`) and in
 * `report.enrichment`, and the run goes on.
 */
import type { ApiCore } from "../api/client.ts";
import { type KeyEvents, readKeyEvents } from "../api/audit.ts";
import { readKeyUsage, type UnknownUsage } from "../api/usage.ts";
import { UnavailableError } from "../api/enrich.ts";
import { ApiError } from "../core/errors.ts";
import { effectiveOptions, isoDate, type Policy } from "../assess/policy.ts";
import type { Report } from "../report/report.ts";
import { remediateDrift, remediateFinding, type RemediationContext } from "./remediation.ts";
import type { DeclaredOwner, Drift, Enriched, Finding, KeyUsage, Manifest } from "../core/types.ts";
import { grouped } from "../core/grouped.ts";

/** Which enrichments a run asked for: audit-log attribution and usage over some days */
export interface EnrichRequest {
  attribute: boolean;
  /** `--usage DAYS`, or null. */
  usageDays: number | null;
}

/** What the enrichment reads brought back (or why they failed). */
export interface EnrichData {
  attribution?: { events: KeyEvents; since: number } | { error: string };
  usage?:
    | { days: number; totals: Map<string, KeyUsage | UnknownUsage> }
    | { days: number; error: string };
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
export function wantedKeys(report: Report): { attribution: string[]; usage: string[] } {
  const items = [...report.drift, ...report.findings];
  const ids = (pick: (x: Drift | Finding) => boolean) => [
    ...new Set(items.filter(pick).map((x) => x.keyId as string)),
  ];
  return { attribution: ids(needsAttribution), usage: ids(needsUsage) };
}

/** Why a read failed, for the report: the refusal's short summary, or the error's message. */
function reason(e: unknown): string {
  if (e instanceof UnavailableError) return e.summary;
  if (e instanceof ApiError) return e.message.split("\n")[0];
  throw e;
}

/**
 * Reads what `req` asks for the keys of `report` that need it: one batched audit-log query and
 * one batched usage query (each split only to stay within the URL budget), nothing for a read
 * no key needs. Failures are returned as data, never thrown (programming errors excepted).
 */
export async function readEnrichment(
  core: ApiCore,
  report: Report,
  req: EnrichRequest,
  ctx: { now: number; createdAt(keyId: string): number | undefined },
): Promise<EnrichData> {
  const want = wantedKeys(report);
  const out: EnrichData = {};
  const jobs: Promise<void>[] = [];
  if (req.attribute) {
    const created = want.attribution.map((id) => ctx.createdAt(id));
    const since = want.attribution.length && created.every((c) => c !== undefined)
      ? Math.max(0, Math.min(...(created as number[])) - SKEW_S)
      : 0;
    if (!want.attribution.length) {
      out.attribution = { events: { byKey: new Map(), noEvent: [], unknown: new Map() }, since };
    } else {
      jobs.push(
        readKeyEvents(core, { keyIds: want.attribution, since, now: ctx.now }).then(
          (events) => void (out.attribution = { events, since }),
          (e) => void (out.attribution = { error: reason(e) }),
        ),
      );
    }
  }
  if (req.usageDays !== null) {
    const days = req.usageDays;
    if (!want.usage.length) out.usage = { days, totals: new Map() };
    else {
      jobs.push(
        readKeyUsage(core, { keyIds: want.usage, days, now: ctx.now }).then(
          (totals) => void (out.usage = { days, totals }),
          (e) => void (out.usage = { days, error: reason(e) }),
        ),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

/** The note on key-unused / key-never-used when the usage API counts requests in the window. */
export function usageNote(u: KeyUsage & { days: number }): string {
  return `the usage API counts ${grouped(u.requests)} request${
    u.requests === 1 ? "" : "s"
  } in the last ${u.days} day${u.days === 1 ? "" : "s"}, which contradicts last_used_at`;
}

/** Why an asked-for read has no data: the check did not complete, so it was never sent. */
const NOT_READ = "not read: the check did not complete";

const CONTRADICTED = new Set(["key-unused", "key-never-used"]);

/**
 * The report with enrichment merged in: attribution and usage on the items that need them, a
 * note where usage contradicts `last_used_at`, a remediation on every item, and unexpected keys
 * in use first within their project. Drift, findings' verdicts, status and exit code are those
 * of `report`, unchanged.
 */
export function enrich(
  report: Report,
  data: EnrichData,
  req: EnrichRequest,
  ctx: RemediationContext,
): Report {
  const a = data.attribution;
  const u = data.usage;
  const attributed = (x: Drift | Finding): Enriched => {
    if (!req.attribute || !needsAttribution(x)) return {};
    if (!a) return { attribution: null, attributionError: NOT_READ };
    if ("error" in a) return { attribution: null, attributionError: a.error };
    const unknown = a.events.unknown.get(x.keyId as string);
    if (unknown !== undefined) return { attribution: null, attributionError: unknown };
    const hit = a.events.byKey.get(x.keyId as string);
    if (!hit) {
      return {
        attribution: null,
        attributionError:
          `no api_key.created or api_key.updated event for the key in the audit log${
            a.since ? ` since ${isoDate(a.since)}` : ""
          }`,
      };
    }
    return { attribution: hit.created ?? hit.updated, lastUpdate: hit.updated };
  };
  const used = (x: Drift | Finding): Enriched => {
    if (req.usageDays === null || !needsUsage(x)) return {};
    if (!u) return { usage: null, usageError: NOT_READ };
    if ("error" in u) return { usage: null, usageError: u.error };
    const t = u.totals.get(x.keyId as string);
    if (!t) return { usage: null, usageError: "usage was not read for this key" };
    if ("unknown" in t) return { usage: null, usageError: t.unknown };
    const usage = { days: u.days, ...t };
    const note = "policy" in x && CONTRADICTED.has(x.policy) && t.requests > 0
      ? { usageNote: usageNote(usage) }
      : {};
    return { usage, ...note };
  };
  const drift = report.drift.map((d) => ({
    ...d,
    ...attributed(d),
    ...used(d),
    remediation: remediateDrift(d, ctx),
  }));
  const findings = report.findings.map((f) => ({
    ...f,
    ...attributed(f),
    ...used(f),
    remediation: remediateFinding(f, ctx),
  }));
  const asked = req.attribute || req.usageDays !== null;
  return {
    ...report,
    drift,
    findings,
    ...(asked
      ? {
        enrichment: {
          attribution: req.attribute
            ? { error: !a ? NOT_READ : "error" in a ? a.error : null }
            : null,
          usage: req.usageDays !== null
            ? { days: req.usageDays, error: !u ? NOT_READ : "error" in u ? u.error : null }
            : null,
        },
      }
      : {}),
  };
}

/** What the remediations need to know of the run: the manifest's entries and options, the clock. */
export function remediationContext(
  manifest: Manifest,
  policies: readonly Policy[],
  now: number,
  createdAt: (keyId: string) => number | undefined,
): RemediationContext {
  // Built once per run, not searched again per item: each entry's owner (the first entry of a
  // name, as a search would find it) and each policy's options, resolved as the engine does.
  const owners = new Map<string, DeclaredOwner>();
  for (const p of manifest.projects) {
    for (const k of p.keys) {
      const at = `${p.id}\u0000${k.name}`;
      if (!owners.has(at)) owners.set(at, k.owner);
    }
  }
  const options = new Map(policies.map((p) => [p.id, effectiveOptions(p, manifest)]));
  return {
    now,
    createdAt,
    declaredOwner: (projectId, keyName) => owners.get(`${projectId}\u0000${keyName}`),
    option: (policy, name) => options.get(policy)?.[name],
  };
}
