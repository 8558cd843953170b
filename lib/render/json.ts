/**
 * `json`: the stable, versioned machine format (SPEC section 6). Its shape is the schema in
 * `lib/report/schema.ts` (imported for its types only, so rendering never loads TypeBox).
 */
import { idSetDigest } from "../core/ids.ts";
import { FORMAT_VERSION } from "../report/format_version.ts";
import type {
  Drift,
  Enriched,
  FamilySummary,
  Finding,
  OwnerRef,
  Remediation,
  Report,
  SourceLocation,
  Summary,
} from "./words.ts";
import type {
  JsonApiRequests,
  JsonDrift,
  JsonFamily,
  JsonFinding,
  JsonOwner,
  JsonRemediation,
  JsonReport,
  JsonSummary,
} from "../report/schema.ts";
import type { ApiUse } from "../core/types.ts";
import { liveDetail, ownerText } from "./_shared.ts";
import { ORG } from "../core/types.ts";
import { enrichedFields } from "./_enrich.ts";

export { FORMAT_VERSION } from "../report/format_version.ts";

/** True only when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// `summary` and owners are the report's own objects, passed through: a field added to `Summary` or
// `OwnerRef` must be added to the schema too, or these lines stop type-checking.
const _sameSummary: Same<Summary, JsonSummary> = true;
const _sameOwner: Same<OwnerRef, JsonOwner> = true;
void [_sameSummary, _sameOwner];

const loc = (
  l: SourceLocation | null,
) => (l ? { file: l.file, line: l.line, column: l.column } : null);

/** A `project_unexpected` item's live project. */
function projectOf(d: Drift): Pick<JsonDrift, "project"> {
  const p = d.liveProject;
  return p ? { project: { name: p.name, status: p.status, key_count: p.keyCount } } : {};
}

function drift(d: Drift): JsonDrift {
  // Declared with their types so that the checker also refuses a field the schema lacks.
  const candidates: Pick<JsonDrift, "candidates" | "candidates_total" | "candidates_sha256"> =
    d.candidates
      ? {
        candidates: d.candidates.map((c) => ({
          id: c.id,
          name: c.name,
          owner: ownerText(c.owner),
          owner_ref: c.owner,
        })),
        candidates_total: d.candidatesTotal ?? d.candidates.length,
        candidates_sha256: d.candidateSet ?? idSetDigest(d.candidates.map((c) => c.id)),
      }
      : {};
  const live: Pick<JsonDrift, "detail" | "owner" | "redacted_value"> = d.live
    ? { detail: liveDetail(d), owner: d.live.owner, redacted_value: d.live.redactedValue }
    : {};
  return {
    kind: d.kind,
    severity: d.severity,
    ...orgOf(d),
    project_id: d.keyType === "admin" ? null : d.projectId,
    key_type: d.keyType ?? "project",
    key_id: d.keyId,
    key_name: d.keyName,
    changes: d.changes.map((c) => ({ path: c.path, expected: c.expected, actual: c.actual })),
    ...candidates,
    ...live,
    ...projectOf(d),
    location: loc(d.location),
    ...enriched(d),
    baselined: d.baselined === true,
  };
}

/** The enrichment fields (only those the run filled) and the remediation (always). */
function enriched(x: Enriched) {
  return { ...enrichedFields(x), remediation: x.remediation ? remediation(x.remediation) : null };
}

/** A fix as data, with its summary. */
function remediation(r: Remediation): JsonRemediation {
  return {
    method: r.method,
    path: r.path,
    body: r.body,
    summary: r.summary,
    action: r.action,
    ids: r.ids,
    in_published_spec: r.in_published_spec,
    ...(r.instead_of ? { instead_of: r.instead_of } : {}),
  };
}

function finding(f: Finding): JsonFinding {
  return {
    policy: f.policy,
    severity: f.severity,
    ...orgOf(f),
    project_id: f.keyType === "admin" ? null : f.projectId,
    key_type: f.keyType ?? "project",
    key_id: f.keyId,
    key_name: f.keyName,
    ...(f.family !== undefined ? { family: f.family } : {}),
    message: f.message,
    facts: f.facts,
    waived: f.waived,
    waiver: f.waiver
      ? {
        reason: f.waiver.reason,
        expires: f.waiver.expires,
        state: f.waiver.state,
        location: loc(f.waiver.location),
      }
      : null,
    location: loc(f.location),
    ...(f.dataAsOf === undefined ? {} : { data_as_of: f.dataAsOf }),
    ...enriched(f),
    baselined: f.baselined === true,
  };
}

/** A key family (SPEC 11.4): its declaration, members newest first, newest age and capacity. */
function family(f: FamilySummary): JsonFamily {
  const d = f.family;
  const newest = f.members[0];
  return {
    project_id: f.projectId,
    name: d.name,
    managed_by: d.managedBy,
    owner: { type: d.owner.type, name_pattern: d.owner.namePattern },
    key_name_pattern: d.keyNamePattern,
    live: f.members.length,
    max_live: d.maxLive,
    rotate_every_days: d.rotateEveryDays,
    grace_days: d.graceDays,
    max_ttl: d.maxTtl?.text ?? null,
    max_ttl_seconds: d.maxTtl?.seconds ?? null,
    newest_created_at: newest?.createdAt ?? null,
    newest_age_days: newest ? Math.floor(newest.ageSeconds / 86_400) : null,
    members: f.members.map((m) => ({
      id: m.id,
      name: m.name,
      owner: m.owner,
      created_at: m.createdAt,
      age_days: Math.floor(m.ageSeconds / 86_400),
    })),
    location: loc(d.location),
  };
}

/** The report as a plain JSON value (also used by tests and other renderers' fixtures). */
export function toJson(report: Report): JsonReport {
  return skeleton(report, report.drift.map(drift), report.findings.map(finding));
}

/** The report with its two long arrays left to the caller (plain arrays or streamed ones). */
type Skeleton<D, F> = Omit<JsonReport, "drift" | "findings"> & { drift: D; findings: F };

function skeleton<D, F>(report: Report, driftItems: D, findingItems: F): Skeleton<D, F> {
  return {
    format_version: FORMAT_VERSION,
    tool: report.tool,
    status: report.status,
    exit_code: report.exitCode,
    fail_on: report.failOn,
    summary: report.summary,
    drift: driftItems,
    findings: findingItems,
    errors: report.errors.map(runError),
    warnings: report.notes.map((n) => ({
      message: n.message,
      location: loc(n.location),
      kind: n.kind,
      waiver: n.waiver,
    })),
    ...(report.enrichment ? { enrichment: report.enrichment } : {}),
    api_requests: report.api ? apiRequests(report.api) : null,
    families: report.families.map(family),
    admin_keys_checked: report.adminKeysChecked === true,
    undeclared_projects_checked: report.undeclaredChecked === true,
    ...(report.snapshot ? { snapshot: snapshotJson(report.snapshot) } : {}),
    baseline_file: report.baseline?.file ?? null,
    baseline_resolved: report.baseline?.resolved ?? [],
    baseline_mismatched: (report.baseline?.mismatched ?? []).map((m) => ({
      location: m.location,
      entry: m.entry,
      item: m.item,
      matched_by: m.matchedBy,
    })),
    ...fleetOf(report),
  };
}

/** A run error: what could not be read, and where when it is a manifest problem. */
function runError(e: Report["errors"][number]): JsonReport["errors"][number] {
  return {
    message: e.message,
    project_id: e.projectId,
    kind: e.kind,
    status: e.status,
    code: e.code,
    request_id: e.requestId,
    location: loc(e.location ?? null),
    ...orgOf(e),
  };
}

/** `org` for an item of a fleet (manifest `orgs:`); nothing otherwise. */
function orgOf(x: { org?: string }): { org?: string } {
  return x.org === undefined ? {} : { org: x.org };
}

/** A fleet report's `orgs` and `manifest_sha256`; nothing otherwise. */
function fleetOf(report: Report): Pick<
  JsonReport,
  "orgs" | "declared" | "manifest_files" | "manifest_sha256"
> {
  const f = report.fleet;
  if (!f) return {};
  return {
    orgs: f.orgs.map((o) => ({
      name: o.name,
      id: o.id,
      checked: o.checked,
      exit_code: o.exitCode,
    })),
    declared: report.declared.map((d) => ({
      org: d.org ?? "",
      project_id: d.projectId === ORG ? null : d.projectId,
      location: d.location,
      keys: d.keys.map((k) => ({ name: k.name, id: k.id, location: k.location })),
    })),
    manifest_files: report.manifestFiles,
    manifest_sha256: f.manifestSha256,
  };
}

/** How the run used `--snapshot` (format 1.12). */
function snapshotJson(s: NonNullable<Report["snapshot"]>): NonNullable<JsonReport["snapshot"]> {
  return {
    file: s.file,
    full_read: s.fullRead,
    based_on: s.basedOn,
    written: s.written,
    projects: s.projects.map(({ projectId, source }) => ({
      project_id: projectId,
      source: source.from,
      read_at: source.from === "snapshot" ? source.readAt : null,
    })),
  };
}

/** The requests the run sent, as the report writes them. */
function apiRequests(api: ApiUse): JsonApiRequests {
  return {
    requests: api.requests,
    refused: api.refused,
    retries: api.retries,
    endpoints: api.endpoints.map((e) => ({
      endpoint: e.endpoint,
      requests: e.requests,
      refused: e.refused,
      budget_per_minute: e.budget,
      budget_source: e.source,
    })),
  };
}

/**
 * The report in pieces, one per drift item and finding: byte for byte `JSON.stringify(toJson(r),
 * null, 2)` plus a newline, without ever holding the whole text or a second copy of the items.
 */
export function jsonChunks(report: Report): Iterable<string> {
  return streamJson(
    skeleton(report, new Streamed(report.drift, drift), new Streamed(report.findings, finding)),
  );
}

/** The report as JSON */
export function renderJson(report: Report): string {
  return [...jsonChunks(report)].join("");
}

/**
 * An array inside a value given to `streamJson`: written item by item, each item made by `map`
 * only when it is written. `compact` writes one item per line instead of indenting it.
 */
export class Streamed<T> {
  constructor(
    readonly items: Iterable<T>,
    readonly map: (item: T) => unknown,
    readonly compact = false,
  ) {}
}

/**
 * `JSON.stringify(value, null, 2) + "\n"` in pieces: the text around each `Streamed` array,
 * then one piece per item. Every piece ends at an item boundary, so no string a server sent is
 * ever split between two pieces (secret scrubbing works piece by piece).
 */
export function* streamJson(value: unknown): Generator<string> {
  const arrays: Streamed<unknown>[] = [];
  // A marker that occurs nowhere else in the text: tried with a growing salt until unique.
  for (let salt = 0;; salt++) {
    arrays.length = 0;
    const marker = (i: number) => `\u0000keydrift-stream-${salt}-${i}`;
    const text = JSON.stringify(value, (_k, v) => {
      if (!(v instanceof Streamed)) return v;
      arrays.push(v);
      return [marker(arrays.length - 1)];
    }, 2) + "\n";
    const quoted = arrays.map((_, i) => JSON.stringify(marker(i)));
    if (quoted.some((q) => text.indexOf(q) !== text.lastIndexOf(q))) continue;
    const at = quoted.map((q, i) => ({ i, pos: text.indexOf(q) })).sort((a, b) => a.pos - b.pos);
    let from = 0;
    for (const { i, pos } of at) {
      const lineStart = text.lastIndexOf("\n", pos) + 1;
      const indent = text.slice(lineStart, pos);
      const open = text.lastIndexOf("[", lineStart);
      const close = text.indexOf("]", pos + quoted[i].length);
      yield* items(text.slice(from, open + 1), arrays[i], indent);
      from = close + 1;
    }
    yield text.slice(from);
    return;
  }
}

function* items(head: string, s: Streamed<unknown>, indent: string): Generator<string> {
  let first = true;
  for (const item of s.items) {
    const body = s.compact
      ? JSON.stringify(s.map(item))
      : JSON.stringify(s.map(item), null, 2).replace(/\n/g, `\n${indent}`);
    yield `${first ? head : ","}\n${s.compact ? "" : indent}${body}`;
    first = false;
  }
  if (first) yield `${head}]`;
  else yield `\n${indent.slice(2)}]`;
}
