/**
 * `GET /organization/audit_logs`: the events are built once when the state is loaded (explicit
 * `audit_log.events` plus one `api_key.created` per key with `created_by`), newest first, and
 * served with the spec's filters and `after`/`before` cursor paging.
 */

import type { FakeAdminKey, FakeAuditLog, FakeProject, FakeUser, Json } from "./types.ts";
import { AUDIT_EVENT_TYPES } from "./audit_event_types.ts";
import { errorEnvelope } from "./wire.ts";
import { badParam, cursorPage, type Served } from "./paging.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;
type Bad = (o: object, f: string | undefined, msg: string) => void;

/** What building the fake audit log needs from the state being loaded */
export interface AuditContext {
  users: FakeUser[];
  projects: FakeProject[];
  adminKeys: FakeAdminKey[];
  time: (o: Obj, f: string, fallback: number | null) => number | null;
  bad: Bad;
}

/**
 * ASSUMPTION: the status and wording the real API gives when audit logging was never activated
 * are not documented (nor found in public captures); this 403 paraphrases the documented rule
 * ("an Organization Owner must activate logging in the Data Controls settings").
 */
export const AUDIT_LOG_DISABLED: Served = {
  status: 403,
  body: errorEnvelope(
    "Audit logging is not enabled for this organization. An organization owner can activate it in the Data Controls settings.",
    "invalid_request_error",
    null,
    null,
  ),
};

/** Resolves a state-file actor to the wire `AuditLogActor`. */
function actorObject(a: Obj, ctx: AuditContext): Json {
  const kinds = ["user", "service_account", "api_key"].filter((k) => a[k] !== undefined);
  if (kinds.length !== 1) {
    ctx.bad(a, undefined, `an actor has exactly one of "user", "service_account" or "api_key"`);
  }
  if (a.user === undefined && (a.ip !== undefined || a.user_agent !== undefined)) {
    const f = a.ip !== undefined ? "ip" : "user_agent";
    ctx.bad(a, f, `"${f}" belongs to session actors ("user"); api_key actors carry neither`);
  }
  if (a.user !== undefined) {
    const u = ctx.users.find((x) => x.id === a.user);
    if (!u) ctx.bad(a, "user", `actor "${a.user}" is not an org user`);
    const session: Json = { user: { id: a.user, email: u?.email ?? "" } };
    if (a.ip !== undefined) session.ip_address = a.ip;
    if (a.user_agent !== undefined) session.user_agent = a.user_agent;
    return { type: "session", session };
  }
  if (a.service_account !== undefined) {
    const known = ctx.projects.some((p) =>
      p.service_accounts.some((x) => x.id === a.service_account)
    ) ||
      ctx.adminKeys.some((k) =>
        k.owner.type === "service_account" && k.owner.id === a.service_account
      );
    if (!known) ctx.bad(a, "service_account", `actor "${a.service_account}" is no service account`);
    return {
      type: "api_key",
      api_key: { type: "service_account", service_account: { id: a.service_account } },
    };
  }
  return { type: "api_key", api_key: apiKeyActor(a, ctx) };
}

/** The api_key actor for a project or admin key: its id and its owner. */
function apiKeyActor(a: Obj, ctx: AuditContext): Json {
  const id = a.api_key as string;
  const userActor = (userId: string) => ({
    id,
    type: "user",
    user: { id: userId, email: ctx.users.find((u) => u.id === userId)?.email ?? "" },
  });
  const admin = ctx.adminKeys.find((k) => k.id === id);
  if (admin) {
    return admin.owner.type === "user"
      ? userActor(admin.owner.id)
      : { id, type: "service_account", service_account: { id: admin.owner.id } };
  }
  for (const p of ctx.projects) {
    const k = p.keys.find((x) => x.id === id);
    if (!k) continue;
    return p.service_accounts.some((sa) => sa.id === k.owner)
      ? { id, type: "service_account", service_account: { id: k.owner } }
      : userActor(k.owner);
  }
  ctx.bad(a, "api_key", `actor "${id}" is neither a project key nor an admin key of this state`);
  return { id, type: "user" };
}

function eventId(type: string, resource: string, at: number, n: number): string {
  let h = 2166136261;
  for (const c of `${type}|${resource}|${at}|${n}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const day = new Date(at * 1000).toISOString().slice(0, 10).replaceAll("-", "");
  return `audit_log-${(h >>> 0).toString(36).padStart(7, "0")}_${day}`;
}

/** Builds the audit log from `audit_log:` and the keys' `created_by`. */
export function buildAuditLog(raw: Obj | undefined, ctx: AuditContext): FakeAuditLog {
  const events: Json[] = [];
  const ids = new Set<string>();
  const add = (src: Obj, e: Json) => {
    if (ids.has(e.id)) ctx.bad(src, "id", `audit event "${e.id}" appears twice`);
    ids.add(e.id);
    events.push(e);
  };
  for (const e of (raw?.events ?? []) as Obj[]) add(e, writtenEvent(e, ctx, events.length));
  for (const p of ctx.projects) {
    for (const k of p.keys) {
      if (!k.created_by) continue;
      add(k.created_by, {
        id: eventId("api_key.created", k.id, k.created_at, 0),
        type: "api_key.created",
        effective_at: k.created_at,
        project: p.name ? { id: p.id, name: p.name } : { id: p.id },
        actor: actorObject(k.created_by, ctx),
        "api_key.created": { id: k.id },
      });
    }
  }
  events.sort((a, b) =>
    b.effective_at - a.effective_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
  return { enabled: raw?.enabled ?? true, events };
}

/**
 * Records an event a write made (`api_key.deleted`, ...): at `at`, about `project` (absent for
 * organisation-level objects), with `payload` under the type's key and a null actor (the fake
 * holds no secrets, so it cannot tell which admin key sent the request). Newest first, as served.
 */
export function appendEvent(
  log: FakeAuditLog,
  e: { type: string; at: number; project?: { id: string; name: string | null }; payload: Json },
): Json {
  const event: Json = {
    id: eventId(e.type, e.payload.id ?? "", e.at, log.events.length),
    type: e.type,
    effective_at: e.at,
    ...(e.project
      ? {
        project: e.project.name ? { id: e.project.id, name: e.project.name } : { id: e.project.id },
      }
      : {}),
    actor: null,
    [e.type]: e.payload,
  };
  const at = log.events.findIndex((x) => x.effective_at <= e.at);
  log.events.splice(at < 0 ? log.events.length : at, 0, event);
  return event;
}

/** An event as `audit_log.events` writes it, as the API sends it; `n` events came before it. */
function writtenEvent(e: Obj, ctx: AuditContext, n: number): Json {
  const at = ctx.time(e, "at", 0)!;
  const out: Json = {
    id: e.id ?? eventId(e.type, e.details?.id ?? "", at, n),
    type: e.type,
    effective_at: at,
  };
  if (e.project !== undefined) {
    const p = ctx.projects.find((x) => x.id === e.project);
    if (!p) ctx.bad(e, "project", `project "${e.project}" is not in this state`);
    out.project = p?.name ? { id: e.project, name: p.name } : { id: e.project };
  }
  out.actor = e.actor ? actorObject(e.actor, ctx) : null;
  if (e.details) out[e.type] = e.details;
  return out;
}

/** An array query parameter, as the SDK sends it (`name[]=a&name[]=b`) or repeated plain. */
export function arrayParam(q: URLSearchParams, name: string): string[] {
  return [...q.getAll(`${name}[]`), ...q.getAll(name)];
}

const TENANT_SCOPED = (t: string) =>
  t.startsWith("tenant.") || t === "role.bound_to_resource" || t === "role.unbound_from_resource";

type Bound = [(a: number, b: number) => boolean, number];

const RANGE: [string, (a: number, b: number) => boolean][] = [
  ["gt", (a, b) => a > b],
  ["gte", (a, b) => a >= b],
  ["lt", (a, b) => a < b],
  ["lte", (a, b) => a <= b],
];

/** Answers a listing of the audit log. */
export function serveAuditLogs(
  log: FakeAuditLog,
  q: URLSearchParams,
): { served: Served; page: number } {
  if (!log.enabled) return { served: AUDIT_LOG_DISABLED, page: 1 };
  const fail = (served: Served) => ({ served, page: 1 });
  const types = arrayParam(q, "event_types");
  const unknown = types.find((t) => !AUDIT_EVENT_TYPES.includes(t));
  if (unknown !== undefined) {
    return fail(
      badParam("event_types", `Invalid value for 'event_types': '${unknown}' is not an event type`),
    );
  }
  const bounds = effectiveAt(q);
  if (!Array.isArray(bounds)) return fail(bounds);
  const tenant = q.get("tenant_only");
  if (tenant !== null && tenant !== "true" && tenant !== "false") {
    return fail(badParam("tenant_only", `Invalid value for 'tenant_only': expected a boolean`));
  }
  const matches = filter(q);
  const items = log.events.filter((e) =>
    (tenant === "true") === TENANT_SCOPED(e.type) &&
    (!types.length || types.includes(e.type)) &&
    bounds.every(([cmp, v]) => cmp(e.effective_at, v)) && matches(e)
  );
  return cursorPage(items, q, { before: true });
}

/** The `effective_at[gt|gte|lt|lte]` bounds, or the 400 for one that is not an integer. */
function effectiveAt(q: URLSearchParams): Bound[] | Served {
  const bounds: Bound[] = [];
  for (const [op, cmp] of RANGE) {
    const raw = q.get(`effective_at[${op}]`);
    if (raw === null) continue;
    if (!/^-?\d+$/.test(raw)) {
      return badParam(
        `effective_at[${op}]`,
        `Invalid 'effective_at[${op}]': expected an integer, got '${raw}'`,
      );
    }
    bounds.push([cmp, Number(raw)]);
  }
  return bounds;
}

/** Whether an event is of the projects, resources, actors and emails the query names. */
function filter(q: URLSearchParams): (e: Json) => boolean {
  const set = (name: string) => new Set(arrayParam(q, name));
  const sets = {
    projects: set("project_ids"),
    resources: set("resource_ids"),
    actors: set("actor_ids"),
    emails: set("actor_emails"),
  };
  const hit = (want: Set<string>, have: (string | undefined)[]) =>
    !want.size || have.some((h) => h !== undefined && want.has(h));
  return (e) => {
    const actor = e.actor ?? {};
    const key = actor.api_key ?? {};
    const user = actor.session?.user ?? key.user ?? {};
    return hit(sets.projects, [e.project?.id]) &&
      hit(sets.resources, [e[e.type]?.id]) &&
      hit(sets.actors, [user.id, key.id, key.service_account?.id]) &&
      hit(sets.emails, [user.email]);
  };
}
