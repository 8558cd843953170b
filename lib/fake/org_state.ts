/**
 * The organisation-level parts of the fake's state file: admin API keys (`admin_keys:`), the audit
 * log (`audit_log:` and each key's `created_by`), and usage (each key's `usage` / `usage_daily`).
 * Schemas for the state-file checker, and the builders that turn checked YAML into state.
 */
import {
  type FakeAdminKey,
  type FakeAdminKeyOwner,
  type FakeUsage,
  USAGE_ENDPOINTS,
} from "./types.ts";
import type { JsonSchema } from "../yaml/json_schema.ts";
import { AUDIT_EVENT_TYPES } from "./audit_event_types.ts";

/** A timestamp in a state file. */
export const ts: JsonSchema = {
  description: "Unix seconds, an ISO date, `now`, or relative (`-97d`, `+3h`).",
};
/** A string in a state file. */
export const s = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: "string",
  description,
  ...extra,
});
const int = (description: string, minimum = 0): JsonSchema => ({
  type: "integer",
  minimum,
  description,
});
/** The JSON Schema of an object in the state file: no properties besides those listed */
export const obj = (
  title: string,
  required: string[],
  properties: Record<string, JsonSchema>,
): JsonSchema => ({
  title,
  description: title,
  type: "object",
  additionalProperties: false,
  required,
  properties,
});
/** The JSON Schema of a list in the state file */
export const list = (items: JsonSchema): JsonSchema => ({
  type: "array",
  description: "list",
  items,
});

/** An actor: a user in a browser session, a service account, or the API key that acted. */
export const ACTOR_SCHEMA: JsonSchema = obj("actor", [], {
  user: s("an org user id: a session actor"),
  service_account: s("a service account id: an api_key actor"),
  api_key: s("a project or admin key id: an api_key actor"),
  ip: s("the session's IP address (user actors only)"),
  user_agent: s("the session's user agent (user actors only)"),
});

const usageFields = {
  endpoint: s("usage family (default completions)", { enum: [...USAGE_ENDPOINTS] }),
  requests: int("model requests, or calls for file_search_calls and web_search_calls"),
  input_tokens: int("input tokens (completions, embeddings, moderations)"),
  output_tokens: int("output tokens (completions only)"),
  units: int(
    "the family's own count: images, characters, seconds, usage_bytes, num_sessions, or " +
      "web_search_calls' num_model_requests",
  ),
  cost: { type: "number", description: "what the record cost (the Costs API)" } as JsonSchema,
  currency: s("the cost's currency, lowercase ISO-4217 (default usd)", { minLength: 1 }),
};

/** `usage:` on a key: explicit records. */
export const USAGE_SCHEMA: JsonSchema = list(
  obj("usage record", ["day"], { day: ts, ...usageFields }),
);
/** `usage_daily:` on a key: the same usage on each of the last `days` days (today included). */
export const USAGE_DAILY_SCHEMA: JsonSchema = obj("usage_daily", ["days"], {
  days: int("how many days, today included", 1),
  ...usageFields,
});

const scopes = list(s("scope"));
/** The JSON Schema of the state file's `audit_log` section */
export const AUDIT_LOG_SCHEMA: JsonSchema = obj("audit_log", [], {
  enabled: { type: "boolean", description: "false: audit logging is not enabled" },
  events: list(obj("audit event", ["type", "at"], {
    id: s("event id (default: generated)", { minLength: 1 }),
    type: s("event type", { enum: AUDIT_EVENT_TYPES }),
    at: ts,
    project: s("project id"),
    actor: ACTOR_SCHEMA,
    details: obj("details", [], {
      id: s("the resource id (a key id for api_key.* events)"),
      data: obj("data", [], { scopes }),
      changes_requested: obj("changes_requested", [], {
        scopes,
        expires_in_seconds: int("expiry", 1),
      }),
    }),
  })),
});

/** The JSON Schema of the state file's `admin_keys` section */
export const ADMIN_KEYS_SCHEMA: JsonSchema = list(obj("admin key", ["id", "owner"], {
  id: s("id", { minLength: 1 }),
  name: { description: "name (may be null)" },
  owner: obj("admin key owner", [], {
    user: s("an org user id"),
    service_account: s("a service account id"),
    name: s("the service account's name"),
    created_at: ts,
    role: s("role (default owner for users, member for service accounts)"),
  }),
  created_at: ts,
  last_used_at: ts,
  expires_at: ts,
  redacted_value: s("redacted value"),
}));

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;
type Time = (o: Obj, f: string, fallback: number | null) => number | null;
type Bad = (o: object, f: string, msg: string) => void;

/** The start of the UTC day holding `t`. */
export function dayStart(t: number): number {
  return Math.floor(t / 86400) * 86400;
}

/** A key's usage from its `usage` and `usage_daily` fields. */
export function buildUsage(k: Obj, time: Time, now: number): FakeUsage[] {
  const rec = (u: Obj, at: number): FakeUsage => ({
    at,
    endpoint: u.endpoint ?? "completions",
    requests: u.requests ?? 0,
    input_tokens: u.input_tokens ?? 0,
    output_tokens: (u.endpoint ?? "completions") === "completions" ? u.output_tokens ?? 0 : 0,
    units: u.units ?? 0,
    cost: u.cost ?? 0,
    currency: u.currency ?? "usd",
  });
  const out = ((k.usage ?? []) as Obj[]).map((u) => rec(u, dayStart(time(u, "day", now)!)));
  const d = k.usage_daily as Obj | undefined;
  for (let i = 0; d && i < d.days; i++) out.push(rec(d, dayStart(now - i * 86400)));
  return out;
}

/** Admin keys from `admin_keys:`; owners are org users or service accounts named here. */
export function buildAdminKeys(
  raw: Obj[],
  users: { id: string; name: string; created_at: number }[],
  time: Time,
  bad: Bad,
  now: number,
): FakeAdminKey[] {
  const seen = new Set<string>();
  return raw.map((k) => {
    if (seen.has(k.id)) bad(k, "id", `admin key "${k.id}" appears twice`);
    seen.add(k.id);
    const o = k.owner as Obj;
    let owner: FakeAdminKeyOwner;
    if (o.user !== undefined && o.service_account === undefined) {
      const u = users.find((x) => x.id === o.user);
      if (!u) bad(o, "user", `owner "${o.user}" is not an org user`);
      owner = {
        type: "user",
        id: o.user,
        name: u?.name ?? "",
        created_at: time(o, "created_at", u?.created_at ?? now)!,
        role: o.role ?? "owner",
      };
    } else if (o.service_account !== undefined && o.user === undefined) {
      owner = {
        type: "service_account",
        id: o.service_account,
        name: o.name ?? o.service_account,
        created_at: time(o, "created_at", now - 300 * 86400)!,
        role: o.role ?? "member",
      };
    } else {
      bad(k, "owner", `an admin key's owner has exactly one of "user" or "service_account"`);
      owner = { type: "user", id: "", name: "", created_at: 0, role: "owner" };
    }
    if (k.name !== undefined && k.name !== null && typeof k.name !== "string") {
      bad(k, "name", `"name" is a string or null`);
    }
    return {
      id: k.id,
      name: typeof k.name === "string" ? k.name : null,
      owner,
      created_at: time(k, "created_at", now - 100 * 86400)!,
      last_used_at: time(k, "last_used_at", null),
      expires_at: time(k, "expires_at", null),
      redacted_value: k.redacted_value ?? `sk-admin...${k.id.slice(-3)}`,
    };
  });
}
