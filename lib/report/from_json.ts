/**
 * A JSON report read back into the model (`keydrift merge`, issue 24): the facts each item
 * carries, so that every renderer words it again. The value must have been validated against the
 * report's schema first; rules come from the policies this build knows (the JSON has none).
 */
import type { JsonDrift, JsonFamily, JsonFinding, JsonReport } from "./schema.ts";
import type { Policy } from "../assess/policy.ts";
import type {
  ApiUse,
  Drift,
  Enriched,
  Finding,
  InsteadOf,
  Remediation,
  RunError,
} from "../core/types.ts";
import { ORG } from "../core/types.ts";
import { type Report, type RuleInfo, ruleInfo } from "./report.ts";
import type { FamilySummary } from "../assess/families.ts";

/** The rules a report of these policies describes (at their default severities). */
export function rulesOf(policies: readonly Policy[]): RuleInfo[] {
  return policies.map((p) => ruleInfo(p, p.defaultSeverity));
}

/** The model of a (validated) JSON report. */
export function fromJson(j: JsonReport, rules: readonly RuleInfo[]): Report {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return {
    tool: { name: "keydrift", version: j.tool.version },
    status: j.status,
    exitCode: j.exit_code,
    failOn: j.fail_on,
    manifestFiles: j.manifest_files ?? [],
    summary: j.summary,
    drift: j.drift.map(drift),
    findings: j.findings.map((f) => finding(f, byId.get(f.policy))),
    errors: j.errors.map(runError),
    notes: j.warnings.map((w) => ({ kind: w.kind, waiver: w.waiver, location: w.location! })),
    families: j.families.map(family),
    rules: [...rules],
    declared: (j.declared ?? []).map((d) => ({
      projectId: d.project_id ?? ORG,
      org: d.org,
      location: d.location,
      keys: d.keys,
    })),
    ...baselineOf(j),
    adminKeysChecked: j.admin_keys_checked,
    undeclaredChecked: j.undeclared_projects_checked,
    ...(j.enrichment ? { enrichment: j.enrichment } : {}),
    api: apiOf(j),
    ...fleetOf(j),
  };
}

/** An error of the report, back in the model. */
function runError(e: JsonReport["errors"][number]): RunError {
  return {
    message: e.message,
    projectId: e.project_id,
    kind: e.kind,
    status: e.status,
    code: e.code,
    requestId: e.request_id,
    ...(e.location ? { location: e.location } : {}),
    ...org(e),
  };
}

/** The requests the run sent, back in the model. */
function apiOf(j: JsonReport): ApiUse | null {
  const a = j.api_requests;
  if (!a) return null;
  const endpoints = a.endpoints.map((e) => ({
    endpoint: e.endpoint,
    requests: e.requests,
    refused: e.refused,
    budget: e.budget_per_minute,
    source: e.budget_source,
  }));
  return { requests: a.requests, refused: a.refused, retries: a.retries, endpoints };
}

/** The baseline outcome the report carries, if the run had one. */
function baselineOf(j: JsonReport): Pick<Report, "baseline"> {
  if (!j.baseline_file) return {};
  return {
    baseline: {
      file: j.baseline_file,
      resolved: j.baseline_resolved,
      mismatched: j.baseline_mismatched.map((m) => ({
        location: m.location,
        entry: m.entry,
        item: m.item,
        matchedBy: m.matched_by,
      })),
    },
  };
}

/** A fleet report's orgs and manifest hash, if it is one. */
function fleetOf(j: JsonReport): Pick<Report, "fleet"> {
  if (!j.orgs || !j.manifest_sha256) return {};
  const orgs = j.orgs.map((o) => ({
    name: o.name,
    id: o.id,
    checked: o.checked,
    exitCode: o.exit_code,
  }));
  return { fleet: { orgs, manifestSha256: j.manifest_sha256 } };
}

const org = (x: { org?: string }) => (x.org === undefined ? {} : { org: x.org });

/**
 * A key family as the report carries it. Ages come back in whole days (the JSON's `age_days`),
 * which is all any renderer shows of them.
 */
function family(f: JsonFamily): FamilySummary {
  return {
    projectId: f.project_id,
    family: {
      name: f.name,
      owner: { type: f.owner.type, namePattern: f.owner.name_pattern },
      keyNamePattern: f.key_name_pattern,
      managedBy: f.managed_by,
      maxLive: f.max_live,
      rotateEveryDays: f.rotate_every_days,
      graceDays: f.grace_days,
      maxTtl: f.max_ttl === null || f.max_ttl_seconds === null
        ? null
        : { text: f.max_ttl, seconds: f.max_ttl_seconds },
      location: f.location!, // a family is declared in the manifest: the run writes its place
    },
    members: f.members.map((m) => ({
      id: m.id,
      name: m.name,
      owner: m.owner,
      createdAt: m.created_at,
      ageSeconds: m.age_days * 86_400,
    })),
  };
}

/** What is common to drift items and findings. */
function common(x: JsonDrift | JsonFinding) {
  return {
    severity: x.severity,
    projectId: x.project_id ?? ORG,
    keyId: x.key_id,
    keyName: x.key_name,
    ...(x.key_type === "admin" ? { keyType: "admin" as const } : {}),
    ...(x.baselined ? { baselined: true } : {}),
    ...org(x),
  };
}

function drift(d: JsonDrift): Drift {
  return {
    kind: d.kind,
    ...common(d),
    changes: d.changes,
    location: d.location,
    ...(d.candidates
      ? {
        candidates: d.candidates.map((c) => ({ id: c.id, name: c.name, owner: c.owner_ref })),
        candidatesTotal: d.candidates_total,
        candidateSet: d.candidates_sha256,
      }
      : {}),
    ...(d.project
      ? {
        liveProject: {
          name: d.project.name,
          status: d.project.status,
          keyCount: d.project.key_count,
        },
      }
      : {}),
    ...(d.owner && d.redacted_value !== undefined
      ? { live: { owner: d.owner, redactedValue: d.redacted_value } }
      : {}),
    ...enriched(d, null),
  };
}

function finding(f: JsonFinding, rule: RuleInfo | undefined): Finding {
  return {
    policy: f.policy,
    ...common(f),
    facts: f.facts,
    ...(f.family === undefined ? {} : { family: f.family }),
    waived: f.waived,
    waiver: f.waiver ? { ...f.waiver, location: f.waiver.location! } : null,
    location: f.location,
    ...(f.data_as_of === undefined ? {} : { dataAsOf: f.data_as_of }),
    ...enriched(f, rule ?? null, f.facts),
  };
}

/**
 * Enrichment and the fix. A fix that sets an expiry counts it as its policy decided it: from the
 * key's creation when the finding holds the policy's lifetime, else from now (enrich/remediation.ts).
 */
function enriched(
  x: JsonDrift | JsonFinding,
  rule: RuleInfo | null,
  facts: JsonFinding["facts"] = {},
): Enriched {
  const r = x.remediation;
  const remedy = rule?.remedy;
  let expiry: Remediation["expiry"];
  if (
    r && remedy?.action === "set_expiry" &&
    (r.action === "set_expiry" || r.action.startsWith("delete"))
  ) {
    const limit = remedy.lifetime === undefined ? undefined : facts[remedy.lifetime];
    expiry = typeof limit === "number"
      ? { from: "created", days: limit }
      : { from: "now", days: remedy.days };
  }
  return {
    ...enrichment(x),
    ...(r
      ? {
        remediation: {
          action: r.action,
          method: r.method,
          path: r.path,
          body: r.body as Remediation["body"], // the schema's record admits undefined; JSON not
          ids: r.ids,
          in_published_spec: r.in_published_spec,
          ...(r.instead_of ? { instead_of: r.instead_of as InsteadOf } : {}),
          ...(expiry ? { expiry } : {}),
        },
      }
      : {}),
  };
}

/** The attribution and usage an item carries. */
function enrichment(x: JsonDrift | JsonFinding): Enriched {
  return {
    ...(x.attribution !== undefined ? { attribution: x.attribution } : {}),
    ...(x.attribution ? { lastUpdate: x.last_update ?? null } : {}),
    ...(x.attribution_error !== undefined ? { attributionError: x.attribution_error } : {}),
    ...(x.usage !== undefined ? { usage: x.usage } : {}),
    ...(x.usage_error !== undefined ? { usageError: x.usage_error } : {}),
    ...(x.usage_verdict !== undefined ? { usageVerdict: x.usage_verdict } : {}),
    ...(x.cost_error !== undefined ? { costError: x.cost_error } : {}),
    ...(x.usage_conflict
      ? {
        usageConflict: {
          lastUsedAt: x.usage_conflict.last_used_at,
          costUsd: x.usage_conflict.cost_usd,
        },
      }
      : {}),
    // A note without a conflict is a finding about use that the usage counts contradict.
    ...(x.usage_note !== undefined && !x.usage_conflict ? { usageContradicts: true } : {}),
  };
}
