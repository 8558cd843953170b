/**
 * The JSON report's own JSON Schema (draft-07), written once with TypeBox: each `Type.Object`
 * below is at the same time the JSON Schema of one object in the report and, through `Static`,
 * its TypeScript type. `lib/render/json.ts` builds values of these types (checked by `deno
 * check`), `keydrift schema --report` prints {@link REPORT_SCHEMA}, and the test suite validates
 * every JSON report it produces against the printed text, so the type, the schema and the output
 * cannot drift apart.
 *
 * Only `keydrift schema --report` (and the tests) load this module at run time: the renderer
 * imports its types only (`import type`), so `check` never pays for TypeBox.
 *
 * Adding a field to the report (one place per object):
 * 1. Add the property to its object below, with a `description`; wrap it in `Type.Optional`
 *    when only some items carry it (for drift, also list it in an `onlyFor` rule saying which
 *    kind carries it), and use `nullable(...)` when it can be null. Every object
 *    keydrift controls has `additionalProperties: false`, so a report with a field the schema
 *    does not list fails the suite until the schema lists it.
 * 2. Emit it in `lib/render/json.ts` (the type checker then holds the two together).
 * 3. Bump `FORMAT_VERSION` in `lib/report/format_version.ts` by one minor version (additive changes only;
 *    removing or renaming a field or changing its meaning would be a new major version).
 * 4. Add a line for the new version to README's "JSON report versions" list.
 */
import { UsageStatusSchema } from "./schema_usage.ts";
import { type Static, Type } from "@sinclair/typebox";
import { FORMAT_VERSION } from "./format_version.ts";
import {
  BaselineEntrySchema,
  BaselineMismatchSchema,
  ENRICHED,
  RemediationSchema,
} from "./schema_enrich.ts";
import { closed, count, maybeText, nullable, stringEnum, text } from "./schema_kit.ts";
import { familySchema } from "./schema_families.ts";
import { fleetFields, ORG_FIELD } from "./schema_fleet.ts";
import { SnapshotSchema, UndeclaredProjectSchema } from "./schema_snapshot.ts";

export {
  ActorSchema,
  BaselineEntrySchema,
  BaselineMismatchSchema,
  KeyEventSchema,
  RemediationSchema,
  UsageSchema,
} from "./schema_enrich.ts";

/** Where the report's schema is published (its `$id`). */
export const REPORT_SCHEMA_ID = "https://keydrift.dev/schema/report-v1.json";

const SEVERITY = ["error", "warning"] as const;
const OWNER_TYPE = ["user", "service_account"] as const;

/** A place in a manifest. */
export const LocationSchema = Type.Object({
  file: text("the manifest file, as given to keydrift (relative or absolute)"),
  line: Type.Integer({ minimum: 1, description: "line, starting at 1" }),
  column: Type.Integer({ minimum: 1, description: "column, starting at 1" }),
}, { ...closed, title: "location", description: "a place in a manifest file" });

const location = (description: string) => nullable(LocationSchema, description);

/** The owner of a live key, as the Admin API describes it. */
export const OwnerSchema = Type.Object({
  type: stringEnum(OWNER_TYPE, "whether a person or a service account owns the key"),
  id: text("the owner's id (user or service account id)"),
  name: text("the owner's name"),
  email: nullable(text("the user's email"), "the user's email; null for service accounts"),
  role: nullable(
    text("the owner's role"),
    "the owner's role in the project (for example owner or member); null only for an admin key the API sends without one",
  ),
}, { ...closed, title: "owner", description: "the owner of a live key" });

/** One field that differs between the manifest and the live state. */
export const ChangeSchema = Type.Object({
  path: text("what differs: a field of the key or project, for example owner.name or status"),
  expected: nullable(text("the declared value"), "the value the manifest declares, or null"),
  actual: nullable(text("the live value"), "the value in the live state, or null"),
}, { ...closed, title: "change", description: "one field that differs" });

/** A live key that fits an ambiguous entry. */
export const CandidateSchema = Type.Object({
  id: text("the live key's id"),
  name: text("the live key's name"),
  owner: text('the owner in words, for example user "Ana Ruiz"'),
  owner_ref: OwnerSchema,
}, { ...closed, title: "candidate", description: "a live key that fits an ambiguous entry" });

/** The kinds of drift, in the words of the report. */
export const DRIFT_KINDS = [
  "missing",
  "unexpected",
  "changed",
  "ambiguous",
  "project_missing",
  "project_changed",
  "project_unexpected",
] as const;

/**
 * A rule on drift items: the `fields` are present on items of `kind` and on no other item (each
 * field stays declared, optional, in the drift object's properties).
 */
function onlyFor(kind: (typeof DRIFT_KINDS)[number], fields: string[]) {
  // `properties: { f: true }` beside each `required` only names the field (Ajv's strictRequired).
  const has = (names: string[]) => ({
    properties: Object.fromEntries(names.map((f) => [f, true])),
    required: names,
  });
  return {
    if: { properties: { kind: { const: kind } } },
    then: has(fields),
    else: { not: { anyOf: fields.map((f) => has([f])) } },
  };
}

/** One difference between the manifest and the live state. */
export const DriftSchema = Type.Object({
  kind: stringEnum(
    DRIFT_KINDS,
    "missing: declared but not live; unexpected: live but not declared; changed: a declared key's name or owner differs; ambiguous: several live keys fit one entry; project_missing: a declared project does not exist or is not visible; project_changed: a declared project is archived or renamed; project_unexpected: a live project no manifest declares (1.12)",
  ),
  severity: stringEnum(SEVERITY, "the severity of this drift"),
  project_id: nullable(
    text("the project the drift is in"),
    "the project the drift is in; null for the organisation's admin keys",
  ),
  key_type: stringEnum(["project", "admin"], "a project API key, or an organisation admin key"),
  baselined: Type.Boolean({
    description: "true when the baseline file (--baseline) records it: shown, not failing",
  }),
  key_id: nullable(text("the key id"), "the key's id, or null when not known or not a key"),
  key_name: nullable(text("the key name"), "the key's name, or null for project drift"),
  changes: Type.Array(ChangeSchema, {
    description: "the fields that differ (changed and project_changed; empty otherwise)",
  }),
  candidates: Type.Optional(Type.Array(CandidateSchema, {
    description: "ambiguous only: the live keys that fit the entry, the first 20 by id",
  })),
  candidates_total: Type.Optional(Type.Integer({
    minimum: 2,
    description: "ambiguous only: how many live keys fit the entry (candidates lists up to 20)",
  })),
  candidates_sha256: Type.Optional(Type.String({
    pattern: "^[0-9a-f]{64}$",
    description:
      "ambiguous only: SHA-256 of the ids of every live key that fits, listed or not: part of the item's identity (fingerprints, baselines) (1.14)",
  })),
  detail: Type.Optional(text("unexpected only: the owner and redacted value in words")),
  owner: Type.Optional({ ...OwnerSchema, description: "unexpected only: who owns the live key" }),
  redacted_value: Type.Optional(
    text("unexpected only: the key's redacted value as the API shows it (never the secret)"),
  ),
  project: Type.Optional(UndeclaredProjectSchema),
  location: location("where the manifest declares the key or project; null when nowhere"),
  ...ENRICHED,
  ...ORG_FIELD,
}, {
  ...closed,
  title: "drift",
  description: "one difference between manifest and live state",
  allOf: [
    onlyFor("unexpected", ["detail", "owner", "redacted_value"]),
    onlyFor("ambiguous", ["candidates", "candidates_total", "candidates_sha256"]),
    onlyFor("project_unexpected", ["project"]),
  ],
});

/** The waiver a finding matched. */
export const WaiverSchema = Type.Object({
  reason: text("why the finding is accepted, as written in the manifest"),
  expires: text("the last day the waiver applies (YYYY-MM-DD, UTC), as written"),
  state: stringEnum(
    ["active", "expired", "malformed"],
    "active: it applies; expired: past its date; malformed: it never applies",
  ),
  location: location("where the manifest writes the waiver"),
}, { ...closed, title: "waiver", description: "a manifest waiver that matched the finding" });

/** One policy finding. */
export const FindingSchema = Type.Object({
  policy: text("the policy id (keydrift policies lists them)"),
  severity: stringEnum(SEVERITY, "the severity the policy has in this run"),
  project_id: nullable(
    text("the project the finding is in"),
    "the project the finding is in; null for the organisation's admin keys",
  ),
  key_type: stringEnum(["project", "admin"], "a project API key, or an organisation admin key"),
  baselined: Type.Boolean({
    description: "true when the baseline file (--baseline) records it: shown, not failing",
  }),
  key_id: nullable(text("the key id"), "the key's id, or null when the finding has none"),
  key_name: nullable(text("the key name"), "the key's name, or null when the finding has none"),
  message: text("what the policy found and what to do, in words"),
  facts: Type.Record(
    Type.String({ pattern: "^[a-z_]+$" }),
    Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
    {
      ...closed,
      description:
        "what the policy found, as values (for example days and limit); the message says them in words (1.5)",
    },
  ),
  family: Type.Optional(
    text("family policies only: the key family the finding is about (1.13)"),
  ),
  waived: Type.Boolean({ description: "true when an active waiver accepts the finding" }),
  waiver: nullable(WaiverSchema, "the waiver that matched the finding, or null"),
  location: location("where the manifest declares the key; null for undeclared keys"),
  data_as_of: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "--snapshot: a policy that reads last_used_at judged the key as the snapshot read it at this Unix time; the API moves last_used_at without an audit event (1.12)",
    }),
  ),
  ...ENRICHED,
  ...ORG_FIELD,
}, { ...closed, title: "finding", description: "one policy finding" });

/** The counts of a run. */
export const SummarySchema = Type.Object({
  projects: count("projects in scope"),
  declared_keys: count("key entries declared for the projects in scope"),
  live_keys: count("live keys read"),
  in_sync_keys: count("declared keys that match a live key exactly"),
  missing: count("missing drift items"),
  unexpected: count("unexpected drift items"),
  changed: count("changed drift items"),
  ambiguous: count("ambiguous drift items"),
  project_drift: count("project_missing plus project_changed drift items"),
  unexpected_projects: count(
    "project_unexpected drift items: live projects no manifest declares (1.12)",
  ),
  ambiguous_candidates: count("live keys that fit an ambiguous entry (not counted unexpected)"),
  ignored: count("unexpected live keys in projects with unmanaged: ignore"),
  in_missing_projects: count("declared keys of projects that do not exist"),
  policy_errors: count("unwaived policy findings with severity error"),
  policy_warnings: count("unwaived policy findings with severity warning"),
  waived: count("policy findings accepted by an active waiver"),
  baselined: count("drift items and findings the baseline file records (not counted above)"),
  managed_keys: count("live keys matched to a manifest entry or managed by a family"),
  family_keys: count("live keys key families manage, counted in managed_keys too (1.13)"),
  coverage: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: "managed_keys / live_keys as a whole percentage, rounded down (100 with none)",
  }),
}, { ...closed, title: "summary", description: "the counts of the run" });

/** A part of the live state that could not be read. */
export const RunErrorSchema = Type.Object({
  message: text("what could not be read or done, in words"),
  project_id: nullable(text("the project"), "the project it concerns, or null for the whole run"),
  kind: stringEnum(
    ["api", "unknown", "run"],
    "api: a read failed; unknown: a project left unknown by another failure; run: the run stopped before comparing anything (1.5)",
  ),
  status: nullable(
    Type.Integer({ description: "the HTTP status" }),
    "the HTTP status the API answered, or null (1.5)",
  ),
  code: maybeText("the API's error code, or null (1.5)"),
  request_id: maybeText("the API's request id, or null (1.5)"),
  location: location(
    "where in a manifest, for a manifest problem that stopped the run (kind run), or null (1.10)",
  ),
  ...ORG_FIELD,
}, { ...closed, title: "error", description: "something the run could not read or do" });

/** A warning about the manifest. */
export const WarningSchema = Type.Object({
  message: text("the warning, in words (for example an unmatched or malformed waiver)"),
  location: location("where in the manifest, or null"),
  kind: stringEnum(["unused_waiver"], "unused_waiver: a waiver that matches no finding (1.5)"),
  waiver: Type.Object({
    policy: text("the waiver's policy"),
    project: text("the waiver's project"),
    key: text("the waiver's key name, id or *"),
  }, { ...closed, description: "the waiver the warning is about (1.5)" }),
}, { ...closed, title: "warning", description: "a warning about the manifest" });

/** The requests one endpoint was sent (issue 21). */
export const EndpointUseSchema = Type.Object({
  endpoint: text("the path template, as the OpenAPI spec names it"),
  requests: count("requests sent to it, refused ones included"),
  refused: count("requests it answered with 429 (its budget, or a retry-after)"),
  budget_per_minute: nullable(
    Type.Integer({ minimum: 1, description: "requests a minute" }),
    "its budget in requests a minute, or null when none was known",
  ),
  budget_source: nullable(
    stringEnum(["max-rpm", "learned"], "max-rpm: given; learned: from its refusals"),
    "where the budget came from, or null when none was known",
  ),
}, { ...closed, title: "endpoint", description: "the requests one endpoint was sent (1.7)" });

/** The requests a run sent to the Admin API (issue 21). */
export const ApiRequestsSchema = Type.Object({
  requests: count("requests sent to the Admin API, refused and retried ones included"),
  refused: count("requests answered with 429"),
  retries: count("requests sent again after a failure or a refusal"),
  endpoints: Type.Array(EndpointUseSchema, {
    description: "one per endpoint (path template) the run sent a request to",
  }),
}, { ...closed, title: "api requests", description: "the requests the run sent (1.7)" });

/** The whole JSON report (`--format json`). */
export const REPORT_SCHEMA = Type.Object({
  format_version: Type.Literal(FORMAT_VERSION, {
    description: "the report format's version: a minor bump adds fields, a major one breaks",
  }),
  tool: Type.Object({
    name: Type.Literal("keydrift", { description: "the tool that wrote the report" }),
    version: text("the keydrift version that wrote the report"),
  }, { ...closed, title: "tool", description: "the tool that wrote the report" }),
  status: stringEnum(
    ["in_sync", "drift", "error"],
    "in_sync: nothing at or above fail_on; drift: something is; error: a part could not be read",
  ),
  exit_code: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
    description: "the exit code of the run: 0 in_sync, 1 error, 2 drift",
  }),
  fail_on: stringEnum(SEVERITY, "the lowest severity that fails the run (--fail-on)"),
  summary: SummarySchema,
  drift: Type.Array(DriftSchema, {
    description: "every drift item, ordered by project id, key name, key id",
  }),
  findings: Type.Array(FindingSchema, {
    description: "every policy finding, waived ones included, ordered by project, key, policy",
  }),
  errors: Type.Array(RunErrorSchema, {
    description: "what could not be read; not empty exactly when status is error",
  }),
  warnings: Type.Array(WarningSchema, { description: "warnings about the manifest" }),
  families: Type.Array(
    familySchema(OwnerSchema, location("where the manifest declares the family")),
    {
      description:
        "the key families of the projects read, by project then as declared: members, newest age, capacity (1.13)",
    },
  ),
  admin_keys_checked: Type.Boolean({
    description:
      "whether the run read the organisation's admin keys (the manifest has admin_keys:)",
  }),
  undeclared_projects_checked: Type.Boolean({
    description:
      "whether the run read the live projects no manifest declares (not with unmanaged_projects: ignore or --project) (1.12)",
  }),
  snapshot: Type.Optional(SnapshotSchema),
  baseline_file: maybeText("the baseline file the run used (--baseline), or null"),
  baseline_resolved: Type.Array(BaselineEntrySchema, {
    description: "baseline entries whose item no longer occurs (the file can shrink: --prune)",
  }),
  baseline_mismatched: Type.Array(BaselineMismatchSchema, {
    description: "baseline entries that share an item's fingerprint or identity but not both: " +
      "they hide nothing (the entry was edited or forged); empty without --baseline",
  }),
  api_requests: nullable(
    ApiRequestsSchema,
    "the requests the run sent to the Admin API, or null when it sent none (1.7)",
  ),
  enrichment: Type.Optional(Type.Object({
    attribution: nullable(
      Type.Object({ error: maybeText("why the audit log could not be read") }, closed),
      "--attribute: null when not asked for",
    ),
    usage: nullable(UsageStatusSchema, "--usage: null when not asked for"),
  }, {
    ...closed,
    title: "enrichment",
    description: "what --attribute / --usage read, or why not",
  })),
  ...fleetFields(LocationSchema),
}, {
  ...closed,
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: REPORT_SCHEMA_ID,
  title: "keydrift JSON report",
  description:
    `The JSON report keydrift check writes (--format json), format_version ${FORMAT_VERSION}.`,
});

/** The JSON report, as a TypeScript type. */
export type JsonReport = Static<typeof REPORT_SCHEMA>;
/** One item of the report's `drift` array. */
export type JsonDrift = Static<typeof DriftSchema>;
/** One item of the report's `findings` array. */
export type JsonFinding = Static<typeof FindingSchema>;
/** A live key's owner, as drift items and candidates carry it. */
export type JsonOwner = Static<typeof OwnerSchema>;
/** The report's `summary`. */
export type JsonSummary = Static<typeof SummarySchema>;
/** The report's `api_requests`, when the run sent requests. */
export type JsonApiRequests = Static<typeof ApiRequestsSchema>;
/** An item's `remediation`. */
export type JsonRemediation = Static<typeof RemediationSchema>;
/** One item of the report's `families` array. */
export type JsonFamily = JsonReport["families"][number];

/** The schema as `keydrift schema --report` prints it: `$schema`, `$id` and title first. */
export function reportSchemaText(): string {
  const { $schema, $id, title, description, ...rest } = REPORT_SCHEMA;
  return JSON.stringify({ $schema, $id, title, description, ...rest }, null, 2) + "\n";
}
