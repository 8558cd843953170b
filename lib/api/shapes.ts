/**
 * The wire shapes keydrift reads: for each OpenAPI component schema it uses, exactly the fields it
 * reads, compares or evaluates, typed as the spec types them (`tests/api_wire_test.ts` holds
 * every shape to the spec's schemas). Data only; `wire.ts` checks answers against them.
 */

import type { UsageFamily } from "../core/types.ts";

/** How the spec types one field keydrift uses. */
export interface Field {
  type: "string" | "integer" | "number" | "boolean" | "array" | "object";
  /** The spec allows `null` (`anyOf: [..., {type: "null"}]`). */
  nullable?: boolean;
  /** The spec's `enum` (a one-value enum is an `object` constant). */
  enum?: readonly string[];
  /** Unix seconds (`format: unixtime`): also checked to be a real date. */
  unixtime?: boolean;
  /** keydrift accepts the field's absence (it does not always need it). */
  optional?: boolean;
  /** Why the field is read although the spec does not list it (the spec lags the API). */
  notInSpec?: string;
  /** Why `enum` accepts only some of the spec's values (keydrift asks the API for only those). */
  narrowed?: string;
  /**
   * An integer of any size: its range is the reader's to judge (a usage count out of range makes
   * that key's usage unknown, not the whole read malformed).
   */
  anySize?: boolean;
}

/** The fields of one spec schema (`schema` is a JSON pointer below `components/schemas`). */
export interface Shape {
  schema: string;
  fields: Readonly<Record<string, Field>>;
}

const str: Field = { type: "string" };
const time: Field = { type: "integer", unixtime: true };

/** The shape of a project as the Admin API returns it (`Project` in the OpenAPI spec) */
export const PROJECT: Shape = {
  schema: "Project",
  fields: {
    object: { type: "string", enum: ["organization.project"] },
    id: str,
    name: { type: "string", nullable: true },
    status: { type: "string", nullable: true },
  },
};

/** The shape of a project API key as the Admin API returns it (`ProjectApiKey`) */
export const PROJECT_API_KEY: Shape = {
  schema: "ProjectApiKey",
  fields: {
    object: { type: "string", enum: ["organization.project.api_key"] },
    id: str,
    name: str,
    redacted_value: str,
    created_at: time,
    last_used_at: { ...time, nullable: true },
    expires_at: {
      ...time,
      nullable: true,
      optional: true,
      notInSpec: "the SDK 7.57 and the live API send it; the spec of 2026-08-21 lags",
    },
    owner_project_access: { type: "string", enum: ["active", "inactive"] },
    owner: { type: "object" },
  },
};

/** The shape of a project API key's owner: a user or a service account */
export const KEY_OWNER: Shape = {
  schema: "ProjectApiKey/properties/owner",
  fields: {
    type: { type: "string", enum: ["user", "service_account"] },
    user: { type: "object", optional: true },
    service_account: { type: "object", optional: true },
  },
};

/** The shape of a key owner that is a user */
export const OWNER_USER: Shape = {
  schema: "ProjectApiKeyOwnerUser",
  fields: { id: str, name: str, email: str, role: str },
};

/** The shape of a key owner that is a service account */
export const OWNER_SERVICE_ACCOUNT: Shape = {
  schema: "ProjectApiKeyOwnerServiceAccount",
  fields: { id: str, name: str, role: str },
};

/** The list envelope (the same for projects and keys). */
export const LIST: Shape = {
  schema: "ProjectApiKeyListResponse",
  fields: {
    object: { type: "string", enum: ["list"] },
    data: { type: "array" },
    has_more: { type: "boolean" },
    last_id: { type: "string", nullable: true, optional: true },
  },
};

/** The audit-log event fields attribution reads (SPEC 10.5). */
export const AUDIT_LOG: Shape = {
  schema: "AuditLog",
  fields: {
    id: str,
    type: {
      type: "string",
      enum: ["api_key.created", "api_key.updated"],
      narrowed: "keydrift asks for key events only (`event_types[]`); any other is not an answer",
    },
    effective_at: time,
    actor: { type: "object", nullable: true, optional: true },
    "api_key.created": { type: "object", optional: true },
    "api_key.updated": { type: "object", optional: true },
  },
};

/** The details of an `api_key.created` event: `id` is the key's id. */
export const AUDIT_KEY_CREATED: Shape = {
  schema: "AuditLog/properties/api_key.created",
  fields: { id: str },
};

/** The details of an `api_key.updated` event. */
export const AUDIT_KEY_UPDATED: Shape = {
  schema: "AuditLog/properties/api_key.updated",
  fields: { id: str },
};

const optStr: Field = { type: "string", optional: true };

/** The shape of an audit-log event's actor: a session or an API key */
export const AUDIT_ACTOR: Shape = {
  schema: "AuditLogActor",
  fields: {
    type: { type: "string", enum: ["session", "api_key"] },
    session: { type: "object", optional: true },
    api_key: { type: "object", optional: true },
  },
};

/** The shape of an audit-log actor that is a signed-in session */
export const AUDIT_SESSION: Shape = {
  schema: "AuditLogActorSession",
  fields: {
    user: { type: "object", optional: true },
    ip_address: optStr,
    user_agent: {
      ...optStr,
      notInSpec: "the spec's own audit-log examples and the live API send it; its schema lags",
    },
  },
};

/** The shape of an audit-log actor that is an API key */
export const AUDIT_API_KEY: Shape = {
  schema: "AuditLogActorApiKey",
  fields: {
    id: optStr,
    type: { type: "string", enum: ["user", "service_account"], optional: true },
    user: { type: "object", optional: true },
    service_account: { type: "object", optional: true },
  },
};

/** The shape of the user behind an audit-log actor */
export const AUDIT_USER: Shape = {
  schema: "AuditLogActorUser",
  fields: { id: optStr, email: optStr },
};

/** The shape of the service account behind an audit-log actor */
export const AUDIT_SERVICE_ACCOUNT: Shape = {
  schema: "AuditLogActorServiceAccount",
  fields: { id: optStr },
};

/** An organisation admin API key (issue 14). */
export const ADMIN_API_KEY: Shape = {
  schema: "AdminApiKey",
  fields: {
    object: { type: "string", enum: ["organization.admin_api_key"] },
    id: str,
    name: { type: "string", nullable: true, optional: true },
    redacted_value: str,
    created_at: time,
    expires_at: { ...time, nullable: true },
    last_used_at: { ...time, nullable: true, optional: true },
    owner: { type: "object" },
  },
};

/** The spec types `type` as a free string ("always user"); the reader accepts the two owner types. */
export const ADMIN_KEY_OWNER: Shape = {
  schema: "AdminApiKey/properties/owner",
  fields: { type: str, id: str, name: str, role: optStr },
};

/** A page of a usage query (`page` / `next_page` paging, not `after`). */
export const USAGE_PAGE: Shape = {
  schema: "UsageResponse",
  fields: {
    object: { type: "string", enum: ["page"] },
    data: { type: "array" },
    has_more: { type: "boolean" },
    next_page: { type: "string", nullable: true },
  },
};

/** The shape of one time bucket of the usage API */
export const USAGE_BUCKET: Shape = {
  schema: "UsageTimeBucket",
  fields: {
    object: { type: "string", enum: ["bucket"] },
    start_time: { type: "integer" },
    end_time: { type: "integer" },
    results: { type: "array" },
  },
};

const count: Field = { type: "integer", anySize: true };
const byKey: Field = { type: "string", nullable: true };
const usageResult = (schema: string, object: string, counts: string[]): Shape => ({
  schema,
  fields: {
    object: { type: "string", enum: [`organization.usage.${object}.result`] },
    ...Object.fromEntries(counts.map((c) => [c, count])),
    api_key_id: byKey,
  },
});

/**
 * One result of each per-key usage family, in the counts keydrift sums: `num_model_requests`, or
 * `num_requests` for the tool-call families (file and web searches), and the tokens of the
 * families that count them. `api_key_id` is required because keydrift groups by it.
 */
export const USAGE_RESULTS: Readonly<Record<UsageFamily, Shape>> = {
  completions: usageResult("UsageCompletionsResult", "completions", [
    "num_model_requests",
    "input_tokens",
    "output_tokens",
  ]),
  embeddings: usageResult("UsageEmbeddingsResult", "embeddings", [
    "num_model_requests",
    "input_tokens",
  ]),
  moderations: usageResult("UsageModerationsResult", "moderations", [
    "num_model_requests",
    "input_tokens",
  ]),
  images: usageResult("UsageImagesResult", "images", ["num_model_requests"]),
  audio_speeches: usageResult("UsageAudioSpeechesResult", "audio_speeches", [
    "num_model_requests",
  ]),
  audio_transcriptions: usageResult("UsageAudioTranscriptionsResult", "audio_transcriptions", [
    "num_model_requests",
  ]),
  file_search_calls: usageResult("UsageFileSearchCallsResult", "file_searches", ["num_requests"]),
  web_search_calls: usageResult("UsageWebSearchCallsResult", "web_searches", ["num_requests"]),
};

/** One result of the Costs API; `amount` is required because keydrift sums it. */
export const COSTS_RESULT: Shape = {
  schema: "CostsResult",
  fields: {
    object: { type: "string", enum: ["organization.costs.result"] },
    amount: { type: "object" },
    api_key_id: byKey,
  },
};

/** A cost's amount: a decimal value in a lowercase ISO-4217 currency. */
export const COSTS_AMOUNT: Shape = {
  schema: "CostsResult/properties/amount",
  fields: { value: { type: "number" }, currency: str },
};

/** Every shape, for the test that holds them to the spec. */
export const SHAPES: readonly Shape[] = [
  PROJECT,
  PROJECT_API_KEY,
  KEY_OWNER,
  OWNER_USER,
  OWNER_SERVICE_ACCOUNT,
  LIST,
  { ...LIST, schema: "ProjectListResponse" },
  AUDIT_LOG,
  AUDIT_KEY_CREATED,
  AUDIT_KEY_UPDATED,
  AUDIT_ACTOR,
  AUDIT_SESSION,
  AUDIT_API_KEY,
  AUDIT_USER,
  AUDIT_SERVICE_ACCOUNT,
  { ...LIST, schema: "ListAuditLogsResponse" },
  ADMIN_API_KEY,
  ADMIN_KEY_OWNER,
  { ...LIST, schema: "ApiKeyList" },
  USAGE_PAGE,
  USAGE_BUCKET,
  ...Object.values(USAGE_RESULTS),
  COSTS_RESULT,
  COSTS_AMOUNT,
];
