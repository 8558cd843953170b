/**
 * The enrichment fields (format 1.2) of the JSON report's schema that drift items and findings
 * may carry: attribution, usage and remediation; and what the baseline stage adds (formats 1.3 and
 * 1.4). `report/schema.ts`, where the rules for changing the schema are, holds the rest.
 */
import { Type } from "@sinclair/typebox";
import { ORG_FIELD } from "./schema_fleet.ts";
import { closed, maybeText, nullable, stringEnum, text } from "./schema_kit.ts";
import { USAGE_ITEM_FIELDS, UsageSchema } from "./schema_usage.ts";

export { UsageSchema } from "./schema_usage.ts";

/** The fields a `changed` or `project_changed` drift item can name (and an EDIT can set). */
const CHANGE_PATHS = [
  "name",
  "status",
  "owner.type",
  "owner.name",
  "owner.id",
  "owner.email",
  "owner.role",
] as const;

/** Who performed an audit-logged action (the fields the event carries; others null). */
export const ActorSchema = Type.Object({
  type: stringEnum(
    ["session", "api_key"],
    "session: a person signed in; api_key: a request with a key",
  ),
  user_id: maybeText("the acting user's id"),
  email: maybeText("the acting user's email"),
  api_key_id: maybeText("the key the request was made with"),
  service_account_id: maybeText("the service account that owns that key"),
}, { ...closed, title: "actor", description: "who acted, as the audit log says" });

/** One audit-log event about a key. */
export const KeyEventSchema = Type.Object({
  event: stringEnum(["api_key.created", "api_key.updated"], "the audit-log event type"),
  at: Type.Integer({ minimum: 0, description: "when it happened, Unix seconds" }),
  actor: nullable(ActorSchema, "who acted, or null when the log does not say"),
  ip_address: maybeText("the IP address the action came from"),
  user_agent: maybeText("the user agent of the action"),
}, { ...closed, title: "key event", description: "an audit-log event about a key" });

/** What a fix does (SPEC 11.3). */
export const FIX_ACTIONS = [
  "delete_key",
  "delete_service_account",
  "delete_admin_key",
  "set_expiry",
  "create_service_account",
  "create_key",
  "edit_manifest",
] as const;

/** Why a fix stands in for the item's own remedy (1.6). */
const InsteadOfSchema = Type.Object({
  action: stringEnum(FIX_ACTIONS, "the item's own remedy, which this fix stands in for"),
  because: stringEnum(
    ["service_account_holds", "use_unknown", "use_inconsistent", "key_deleted", "project_archived"],
    "service_account_holds: the key goes only with its service account, which holds more; " +
      "use_unknown / use_inconsistent: --usage left the key's use in doubt, so it is not deleted; " +
      "key_deleted: another item's fix deletes the key; " +
      "project_archived: the API changes nothing in an archived project",
  ),
  account: Type.Optional(Type.Object({
    id: text("the service account"),
    keys: Type.Array(text("a live key id"), { description: "its other keys this run keeps" }),
    entries: Type.Array(text("an entry name"), {
      description: "declared entries still missing that name it",
    }),
  }, { ...closed, description: "service_account_holds: what the account holds" })),
}, {
  ...closed,
  title: "instead of",
  description: "set when the fix is not the item's own remedy: what that was, and why (1.6)",
});

/** The Admin API call (or manifest edit) that would fix an item; keydrift never sends it. */
export const RemediationSchema = Type.Object({
  method: stringEnum(
    ["DELETE", "POST", "EDIT"],
    "the HTTP method, or EDIT for a change to the manifest",
  ),
  path: text("the Admin API path, or file:line of the manifest entry to edit"),
  body: nullable(
    Type.Union([
      Type.Object({
        expires_in_seconds: Type.Integer({
          minimum: 1,
          maximum: 31_536_000,
          description: "POST: the key's new lifetime in seconds",
        }),
      }, closed),
      Type.Object({ name: text("POST: the service account (and first key) to create") }, closed),
      Type.Object({
        add_entry: Type.Object({
          name: nullable(text("the key name"), "the name of the entry to add"),
          id: nullable(text("the key id"), "the id of the live key to pin in the entry (1.6)"),
        }, { ...closed, description: "EDIT: declare this key" }),
      }, closed),
      Type.Object({
        add_project: Type.Object({
          id: text("the project id"),
          name: maybeText("the live project's name"),
        }, { ...closed, description: "EDIT: declare this project (1.12)" }),
      }, closed),
      Type.Object({
        remove: stringEnum(["entry", "project"], "EDIT: delete the entry or the project block"),
      }, closed),
      Type.Object({
        set: Type.Object(
          Object.fromEntries(
            CHANGE_PATHS.map((p) => [p, Type.Optional(maybeText(`write this ${p}`))]),
          ),
          { ...closed, description: "EDIT: write these values into the entry or project" },
        ),
      }, closed),
      Type.Object({
        pin_one_of: Type.Array(text("a live key id"), {
          description: "EDIT: write one of these ids as the entry's id",
        }),
      }, closed),
      Type.Object({
        add_waiver: Type.Object({
          policy: text("the policy"),
          project: text("the project"),
          key: maybeText("the key name"),
        }, { ...closed, description: "EDIT: accept the finding with a waiver" }),
      }, closed),
    ], { description: "the request body" }),
    "the request body (or what to change in the manifest), or null",
  ),
  summary: text("what the fix does, in one sentence"),
  action: stringEnum(FIX_ACTIONS, "what the fix does (1.5)"),
  ids: Type.Object({
    project_id: maybeText("the project, or null (admin keys belong to no project)"),
    key_id: maybeText("the key, or null where the fix names none"),
    service_account_id: maybeText("the service account, or null where the fix names none"),
  }, { ...closed, description: "the objects the fix acts on (1.5)" }),
  in_published_spec: nullable(
    Type.Boolean({ description: "whether the endpoint is in the published OpenAPI spec" }),
    "whether the published OpenAPI spec has this endpoint; null for a manifest edit (1.5)",
  ),
  instead_of: Type.Optional(InsteadOfSchema),
}, { ...closed, title: "remediation", description: "the fix, as data; never executed" });

/** The enrichment fields drift items and findings may carry (1.2). */
export const ENRICHED = {
  attribution: Type.Optional(
    nullable(
      KeyEventSchema,
      "--attribute: the key's api_key.created event, or null (see attribution_error)",
    ),
  ),
  last_update: Type.Optional(
    nullable(KeyEventSchema, "--attribute: the key's latest api_key.updated event, or null"),
  ),
  attribution_error: Type.Optional(text("--attribute: why the attribution is null")),
  usage: Type.Optional(
    nullable(UsageSchema, "--usage: the key's usage, or null (see usage_error)"),
  ),
  usage_error: Type.Optional(text("--usage: why the usage is null")),
  usage_note: Type.Optional(
    text(
      "--usage: where the usage API contradicts last_used_at (policies that read it), or the " +
        "sources disagree (usage_verdict inconsistent)",
    ),
  ),
  ...USAGE_ITEM_FIELDS,
  remediation: nullable(RemediationSchema, "the fix; null only outside check"),
};

/** What a baseline entry records of an item: equal identities are the same item. */
const IDENTITY = {
  rule: text("drift/<kind> or policy/<id>"),
  project_id: maybeText("the project, or null for admin keys"),
  key_id: maybeText("the key id, when known"),
  key_name: maybeText("the key name, when known"),
  owner: nullable(
    Type.Object({
      type: stringEnum(["user", "service_account"], "a person or a service account"),
      id: text("the owner's id"),
    }, closed),
    "the live key's owner where the item carries one (unexpected keys), else null",
  ),
  family: Type.Optional(
    text("family policies only: the key family the finding is about (1.13)"),
  ),
  asserts: nullable(
    text("SHA-256 (hex)"),
    "SHA-256 over what the item says beyond its key (an ambiguous item's candidate ids, a change's path, expected and actual values, a finding's facts that are not numbers), or null when it says nothing more",
  ),
  occurrence: Type.Integer({
    minimum: 1,
    description: "1, or n for the n-th item of one identity in a run (same-named keys without ids)",
  }),
  ...ORG_FIELD,
};

/** One entry of a baseline file (as `keydrift baseline` writes it). */
export const BaselineEntrySchema = Type.Object({
  fingerprint: text("SHA-256 of the identity (as SARIF partialFingerprints and codeclimate)"),
  ...IDENTITY,
  summary: text("what the item said when it was recorded"),
  recorded: text("the day it was first recorded (YYYY-MM-DD)"),
  tool_version: text("the keydrift version that recorded it"),
}, { ...closed, title: "baseline entry", description: "an item a baseline file records" });

/** A baseline entry that resembles an item of the run without hiding it (format 1.4). */
export const BaselineMismatchSchema = Type.Object({
  location: Type.Object({
    file: text("the baseline file, as given to --baseline"),
    line: Type.Integer({ minimum: 1, description: "line, starting at 1" }),
    column: Type.Integer({ minimum: 1, description: "column, starting at 1" }),
  }, { ...closed, description: "where the entry starts in the baseline file" }),
  entry: BaselineEntrySchema,
  item: Type.Object({
    fingerprint: text("the item's fingerprint"),
    ...IDENTITY,
  }, { ...closed, description: "the item of this run the entry resembles; it was not hidden" }),
  matched_by: stringEnum(
    ["fingerprint", "identity"],
    "what the entry shares with the item: its fingerprint (but records another item) or its " +
      "identity (but not its fingerprint)",
  ),
}, {
  ...closed,
  title: "baseline mismatch",
  description: "a baseline entry that is not the item it resembles, so it hides nothing",
});
