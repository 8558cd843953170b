/**
 * Fleets (issue 24): one report from the reports of several organisations, each read on its own
 * (a `check` over `orgs:`, or `keydrift merge` of per-org JSON reports). The verdict is the worst
 * of the parts (1 over 2 over 0), decided as for one organisation: by {@link exitCodeFor}.
 */
import { exitCodeFor, type FailOn, type Report, statusFor, type Summary } from "./report.ts";
import type { EnrichmentStatus } from "../enrich/enrich.ts";
import type { ApiUse, EndpointUse } from "../core/types.ts";
import { minimum } from "../core/arrays.ts";

/**
 * One report from `parts` (each a fleet report covering some of `fleet.orgs`), in the fleet's
 * order of orgs: items, errors and counts added up, the verdict recomputed from them.
 */
export function combineReports(
  parts: readonly Report[],
  fleet: { orgs: { name: string; id: string }[]; manifestSha256: string },
  failOn: FailOn,
): Report {
  const rank = new Map(fleet.orgs.map((o, i) => [o.name, i]));
  const first = (r: Report) => minimum(checkedOrgs(r).map((n) => rank.get(n) ?? Infinity));
  const sorted = [...parts].sort((a, b) => first(a) - first(b));
  const drift = sorted.flatMap((r) => r.drift);
  const findings = sorted.flatMap((r) => r.findings);
  const errors = sorted.flatMap((r) => r.errors);
  const exitCode = exitCodeFor({ drift, findings, errors, failOn });
  const outcome = new Map(
    sorted.flatMap((r) => r.fleet?.orgs ?? []).filter((o) => o.checked)
      .map((o) => [o.name, o]),
  );
  return {
    tool: sorted[0]?.tool ?? { name: "keydrift", version: "" },
    status: statusFor(exitCode),
    exitCode,
    failOn,
    manifestFiles: sorted[0]?.manifestFiles ?? [],
    summary: sumOf(sorted.map((r) => r.summary)),
    drift,
    findings,
    errors,
    notes: sorted.flatMap((r) => r.notes),
    families: sorted.flatMap((r) => r.families),
    rules: sorted[0]?.rules ?? [],
    declared: sorted.flatMap((r) => r.declared),
    ...baselineOf(sorted),
    adminKeysChecked: sorted.length > 0 && sorted.every((r) => r.adminKeysChecked === true),
    undeclaredChecked: sorted.length > 0 && sorted.every((r) => r.undeclaredChecked === true),
    ...enrichmentOf(sorted),
    api: apiOf(sorted),
    fleet: {
      orgs: fleet.orgs.map((o) => outcome.get(o.name) ?? { ...o, checked: false, exitCode: null }),
      manifestSha256: fleet.manifestSha256,
    },
  };
}

/** The orgs a part holds the items of. */
export function checkedOrgs(r: Report): string[] {
  return (r.fleet?.orgs ?? []).filter((o) => o.checked).map((o) => o.name);
}

/** The counts added up; coverage recomputed from the sums. */
function sumOf(all: readonly Summary[]): Summary {
  const out = {} as Record<keyof Summary, number>;
  for (const s of all) {
    for (const [k, n] of Object.entries(s) as [keyof Summary, number][]) {
      out[k] = (out[k] ?? 0) + n;
    }
  }
  const zero: Summary = {
    unexpected_projects: 0,
    projects: 0,
    declared_keys: 0,
    live_keys: 0,
    in_sync_keys: 0,
    missing: 0,
    unexpected: 0,
    changed: 0,
    ambiguous: 0,
    project_drift: 0,
    ambiguous_candidates: 0,
    ignored: 0,
    in_missing_projects: 0,
    policy_errors: 0,
    policy_warnings: 0,
    waived: 0,
    baselined: 0,
    managed_keys: 0,
    family_keys: 0,
    coverage: 100,
  };
  const sum = { ...zero, ...out };
  sum.coverage = sum.live_keys === 0 ? 100 : Math.floor((sum.managed_keys / sum.live_keys) * 100);
  return sum;
}

/** The parts' baseline outcomes as one (the same file: entries of every org). */
function baselineOf(parts: readonly Report[]): Pick<Report, "baseline"> {
  const withBaseline = parts.filter((r) => r.baseline);
  if (!withBaseline.length) return {};
  return {
    baseline: {
      file: withBaseline[0].baseline!.file,
      resolved: withBaseline.flatMap((r) => r.baseline!.resolved),
      mismatched: withBaseline.flatMap((r) => r.baseline!.mismatched),
    },
  };
}

/** What the parts' enrichment read: the first failure of each kind, naming its org. */
function enrichmentOf(parts: readonly Report[]): Pick<Report, "enrichment"> {
  const asked = parts.filter((r) => r.enrichment);
  if (!asked.length) return {};
  const firstError = (pick: (e: EnrichmentStatus) => { error: string | null } | null) => {
    for (const r of asked) {
      const error = pick(r.enrichment!)?.error;
      if (error) return `org "${checkedOrgs(r).join(", ")}": ${error}`;
    }
    return null;
  };
  const e = asked[0].enrichment!;
  return {
    enrichment: {
      attribution: e.attribution ? { error: firstError((x) => x.attribution) } : null,
      usage: e.usage ? { days: e.usage.days, error: firstError((x) => x.usage) } : null,
    },
  };
}

/**
 * The requests of every part added up, per endpoint too. Each org has its own budget: an
 * endpoint's budget is kept only when every org that used it had the same one, else null.
 */
function apiOf(parts: readonly Report[]): ApiUse | null {
  const uses = parts.flatMap((r) => r.api ? [r.api] : []);
  if (!uses.length) return null;
  const endpoints = new Map<string, EndpointUse>();
  for (const e of uses.flatMap((u) => u.endpoints)) {
    const seen = endpoints.get(e.endpoint);
    if (!seen) {
      endpoints.set(e.endpoint, { ...e });
      continue;
    }
    seen.requests += e.requests;
    seen.refused += e.refused;
    if (seen.budget !== e.budget || seen.source !== e.source) {
      [seen.budget, seen.source] = [null, null];
    }
  }
  const sum = (f: "requests" | "refused" | "retries") => uses.reduce((n, u) => n + u[f], 0);
  return {
    requests: sum("requests"),
    refused: sum("refused"),
    retries: sum("retries"),
    endpoints: [...endpoints.values()],
  };
}
