/**
 * The write endpoints keydrift's fixes call, answered as the official OpenAPI spec says, and only
 * when the state's `options.writes` is on (`fake-api --writes`): by default the fake is read-only.
 *
 * - `DELETE …/projects/{p}/api_keys/{k}`: a user's key goes; a service-account key gets the spec's
 *   400 (the spec: "an error if the key belonged to a service account"; the SDK is more lenient,
 *   the fake follows the spec).
 * - `POST …/projects/{p}/api_keys/{k}`: the key update endpoint (in the official SDK, not in the
 *   published spec): `scopes` and/or `expires_in_seconds` (1..31,536,000, counted from now); an
 *   expired key cannot be updated.
 * - `DELETE …/projects/{p}/service_accounts/{sa}`: the account and every key it owns.
 * - `POST …/projects/{p}/service_accounts`: an account with its first key (the fake names that
 *   key after the account), or none with `create_service_account_only`.
 * - `POST …/projects/{p}/service_accounts/{sa}/api_keys`: a new key for the account.
 * - `DELETE /organization/admin_api_keys/{k}`.
 *
 * Each records its audit-log event (`api_key.deleted`, `api_key.updated`, `api_key.created`,
 * `service_account.deleted`, `service_account.created`, `tenant.admin_api_key.deleted`). A write
 * to an archived project is a 400. Secrets: a created key's `value` is `sk-…-fake-<id>`, no secret.
 */
import type { FakeKey, FakeProject, FakeState, Json } from "./types.ts";
import { appendEvent } from "./audit_logs.ts";
import { badParam, notFound, type Served } from "./paging.ts";
import { errorEnvelope, keyObject } from "./wire.ts";
import { readCreate, readUpdate } from "./write_bodies.ts";
import { redactFor } from "./state.ts";

/** What a write needs besides the state: the clock (Unix seconds) and a fresh id. */
export interface WriteContext {
  state: FakeState;
  now: number;
  newId: (prefix: string) => string;
}

const PROJECT_WRITE =
  /^\/v1\/organization\/projects\/([^/]+)\/(?:(api_keys)\/([^/]+)|(service_accounts)(?:\/([^/]+)(\/api_keys)?)?)\/?$/;
const ADMIN_KEY_WRITE = /^\/v1\/organization\/admin_api_keys\/([^/]+)\/?$/;

/** Whether `method path` is one of the write endpoints above. */
export function isWrite(method: string, path: string): boolean {
  const m = PROJECT_WRITE.exec(path);
  if (m) {
    if (m[2]) return method === "DELETE" || method === "POST";
    if (m[6]) return method === "POST";
    return m[5] ? method === "DELETE" : method === "POST";
  }
  return method === "DELETE" && ADMIN_KEY_WRITE.test(path);
}

/** The answer when writes are off: the fake is read-only unless started with them. */
export function writesOff(method: string, path: string): Served {
  return {
    status: 403,
    body: errorEnvelope(
      `This fake Admin API is read-only: start it with --writes (or set options.writes: true in its state file) to serve ${method} ${path}`,
      "invalid_request_error",
      null,
      "writes_disabled",
    ),
  };
}

/** Serves a write (`isWrite` holds); `body` is the request's text. */
export function serveWrite(ctx: WriteContext, method: string, path: string, body: string): Served {
  const admin = ADMIN_KEY_WRITE.exec(path);
  if (admin) return deleteAdminKey(ctx, decodeURIComponent(admin[1]));
  const m = PROJECT_WRITE.exec(path)!;
  const p = ctx.state.projects.find((x) => x.id === decodeURIComponent(m[1]));
  if (!p) return notFound(`No project found with id '${decodeURIComponent(m[1])}'.`);
  if (p.status === "archived") {
    return {
      status: 400,
      body: errorEnvelope(`Project ${p.id} is archived`, "invalid_request_error", null, null),
    };
  }
  const id = decodeURIComponent(m[3] ?? m[5] ?? "");
  if (m[2]) return method === "DELETE" ? deleteKey(ctx, p, id) : updateKey(ctx, p, id, body);
  if (m[6]) return createKey(ctx, p, id, body);
  return m[5] ? deleteAccount(ctx, p, id) : createAccount(ctx, p, body);
}

const projectRef = (p: FakeProject) => ({ id: p.id, name: p.name });

function deleteKey(ctx: WriteContext, p: FakeProject, id: string): Served {
  const idx = p.keys.findIndex((k) => k.id === id);
  if (idx < 0) return notFound(`No API key found with id '${id}' in project '${p.id}'.`);
  if (p.service_accounts.some((sa) => sa.id === p.keys[idx].owner)) {
    return {
      status: 400,
      body: errorEnvelope(
        `API key '${id}' belongs to a service account: delete the service account instead`,
        "invalid_request_error",
        null,
        null,
      ),
    };
  }
  p.keys.splice(idx, 1);
  appendEvent(ctx.state.audit_log, {
    type: "api_key.deleted",
    at: ctx.now,
    project: projectRef(p),
    payload: { id },
  });
  return {
    status: 200,
    body: { object: "organization.project.api_key.deleted", id, deleted: true },
  };
}

function updateKey(ctx: WriteContext, p: FakeProject, id: string, text: string): Served {
  const k = p.keys.find((x) => x.id === id);
  if (!k) return notFound(`No API key found with id '${id}' in project '${p.id}'.`);
  const change = readUpdate(text);
  if ("status" in change) return change;
  if (k.expires_at !== null && k.expires_at <= ctx.now) {
    return badParam("api_key_id", `API key '${id}' has expired; expired keys cannot be updated`);
  }
  if (change.expires_in_seconds !== undefined) k.expires_at = ctx.now + change.expires_in_seconds;
  appendEvent(ctx.state.audit_log, {
    type: "api_key.updated",
    at: ctx.now,
    project: projectRef(p),
    payload: { id, changes_requested: change },
  });
  return { status: 200, body: keyObject(ctx.state, p, k) };
}

function deleteAccount(ctx: WriteContext, p: FakeProject, id: string): Served {
  const idx = p.service_accounts.findIndex((sa) => sa.id === id);
  if (idx < 0) return notFound(`No service account found with id '${id}' in project '${p.id}'.`);
  p.service_accounts.splice(idx, 1);
  // ASSUMPTION: the account's keys go with it (a key cannot outlive its owner); the spec does not
  // say which events the real API records for them, so the fake records the account's only.
  p.keys = p.keys.filter((k) => k.owner !== id);
  appendEvent(ctx.state.audit_log, {
    type: "service_account.deleted",
    at: ctx.now,
    project: projectRef(p),
    payload: { id },
  });
  return {
    status: 200,
    body: { object: "organization.project.service_account.deleted", id, deleted: true },
  };
}

/** A new key for a service account: in the state, in the audit log, and as the wire answer. */
function mint(ctx: WriteContext, p: FakeProject, owner: string, name: string, scopes: string[]) {
  const k: FakeKey = {
    id: ctx.newId("key_"),
    name,
    owner,
    created_at: ctx.now,
    last_used_at: null,
    expires_at: null,
    redacted_value: "",
    usage: [],
  };
  k.redacted_value = redactFor(k.id, "service_account");
  p.keys.push(k);
  appendEvent(ctx.state.audit_log, {
    type: "api_key.created",
    at: ctx.now,
    project: projectRef(p),
    payload: { id: k.id, data: { scopes } },
  });
  return {
    object: "organization.project.service_account.api_key",
    value: `sk-svcacct-fake-${k.id}`,
    name: k.name,
    created_at: k.created_at,
    id: k.id,
  };
}

function createKey(ctx: WriteContext, p: FakeProject, sa: string, text: string): Served {
  const account = p.service_accounts.find((x) => x.id === sa);
  if (!account) return notFound(`No service account found with id '${sa}' in project '${p.id}'.`);
  const body = readCreate(text, "key");
  if ("status" in body) return body;
  return { status: 200, body: mint(ctx, p, sa, body.name ?? "Secret key", body.scopes ?? []) };
}

function createAccount(ctx: WriteContext, p: FakeProject, text: string): Served {
  const body = readCreate(text, "service account");
  if ("status" in body) return body;
  const only = body.create_service_account_only === true;
  const sa = {
    id: ctx.newId("svc_acct_"),
    name: body.name!,
    role: only ? "none" : "member",
    created_at: ctx.now,
  };
  p.service_accounts.push(sa);
  appendEvent(ctx.state.audit_log, {
    type: "service_account.created",
    at: ctx.now,
    project: projectRef(p),
    payload: { id: sa.id, data: { role: sa.role } },
  });
  const api_key = only ? null : mint(ctx, p, sa.id, sa.name, []);
  const out: Json = { object: "organization.project.service_account", ...sa, api_key };
  return { status: 200, body: out };
}

function deleteAdminKey(ctx: WriteContext, id: string): Served {
  const keys = ctx.state.admin_keys;
  const idx = keys.findIndex((k) => k.id === id);
  if (idx < 0) return notFound(`No admin API key found with id '${id}'.`);
  keys.splice(idx, 1);
  // ASSUMPTION: the spec lists `tenant.admin_api_key.deleted` as the event type for this and
  // documents no payload for it; the fake puts the key id under the type, as other events do.
  appendEvent(ctx.state.audit_log, {
    type: "tenant.admin_api_key.deleted",
    at: ctx.now,
    payload: { id },
  });
  return {
    status: 200,
    body: { id, object: "organization.admin_api_key.deleted", deleted: true },
  };
}
