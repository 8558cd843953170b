/**
 * Who created (and last changed) a key, from the organisation's audit log (SPEC 10.5, issue 13):
 * `GET /organization/audit_logs` filtered by `event_types[]`, `resource_ids[]` (the key ids) and
 * `effective_at[gte]`, as few requests as the URL budget allows, every page under the listing
 * guards.
 *
 * `resource_ids[]` is taken to match the `id` in the event's details (`api_key.created.id`), which
 * the spec calls the key's "tracking ID" and its own examples show as the key id (`key_…`). An
 * event for a key not asked for, of a type not asked for or before the window means the server did
 * not apply the filters: the whole read fails rather than trust the rest of that answer.
 */
import { ApiError } from "../core/errors.ts";
import type { AuditActor, KeyAttribution, KeyEvent } from "../core/types.ts";
import type { ApiCore, Query } from "./client.ts";
import { batchIds, batchName, enrichmentError } from "./enrich.ts";
import { check, type Scrub } from "./wire.ts";
import {
  AUDIT_ACTOR,
  AUDIT_API_KEY,
  AUDIT_KEY_CREATED,
  AUDIT_KEY_UPDATED,
  AUDIT_LOG,
  AUDIT_SERVICE_ACCOUNT,
  AUDIT_SESSION,
  AUDIT_USER,
} from "./shapes.ts";

/** The audit-log event types keydrift reads for keys (creation and update) */
export type KeyEventType = KeyEvent["event"];

/** Which keys' audit-log events to look up, and over which window */
export interface KeyEventsQuery {
  keyIds: readonly string[];
  /** Default: both. */
  eventTypes?: readonly KeyEventType[];
  /**
   * Start of the window, Unix seconds (`effective_at[gte]`). A key's creation event is at its
   * `created_at`, so the oldest `created_at` of the keys asked (less a minute for clock skew) finds
   * every creation the log still holds; the log's retention is best-effort and undocumented.
   */
  since: number;
  /**
   * The run's clock, Unix milliseconds: an event dated after it (beyond {@link FUTURE_SKEW_S}) is
   * not a record of what happened, and leaves that key's attribution unknown.
   */
  now: number;
  /**
   * Narrows by project (`project_ids[]`). Off by default: the spec says actions taken with admin
   * keys are logged against the organisation's default project, so a key created through the Admin
   * API (a service-account key) would not be found under its own project.
   */
  projectIds?: readonly string[];
  /** Longest URL sent (default `URL_BUDGET`). */
  urlBudget?: number;
}

/** The audit-log events found for the keys asked about, and the keys with none */
export interface KeyEvents {
  /** Keys with at least one event in the window. */
  byKey: Map<string, KeyAttribution>;
  /** Keys asked for that have no event in the window, in the order asked. */
  noEvent: string[];
  /**
   * Keys whose events carry data out of range (dated in the future, or before OpenAI existed),
   * with why: their attribution is unknown, the other keys' stands.
   */
  unknown: Map<string, string>;
}

/** How far past the run's clock an event may be dated (the server's clock may run ahead). */
export const FUTURE_SKEW_S = 300;
/** 2015-12-11T00:00:00Z, when OpenAI was founded: no key event of its API is older. */
export const OPENAI_FOUNDED_S = 1_449_792_000;

const PATH = "/organization/audit_logs";
/**
 * The API's words when audit logging is off for the organisation. ASSUMPTION: the answer is
 * undocumented and no capture of it was found; an owner must enable audit logging in the Data
 * controls settings, so the message is taken to say it is not enabled, or that it must be enabled.
 */
export const AUDIT_NOT_ENABLED =
  /audit[ _-]?log(?:ging|s)?\b[^.;]*\bnot\s+(?:yet\s+|been\s+)*(?:enabled|activated|turned on)|\b(?:enable|activate|turn on)\s+audit[ _-]?log/i;

/**
 * The creation event and the latest update event of each key in `keyIds` since `since`. Throws
 * `UnavailableError` when audit logging is not enabled or the key may not read it, `ApiError`
 * when an answer cannot be trusted.
 */
export async function readKeyEvents(core: ApiCore, q: KeyEventsQuery): Promise<KeyEvents> {
  const types = eventTypes(q);
  const latest = Math.floor(q.now / 1000) + FUTURE_SKEW_S;
  const fixed: Query = [
    ...types.map((t): [string, string] => ["event_types[]", t]),
    ...(q.projectIds ?? []).map((p): [string, string] => ["project_ids[]", p]),
    ["effective_at[gte]", q.since],
    ["limit", 100],
  ];
  const what = "read the audit log";
  const batch = { what, path: PATH, fixed, param: "resource_ids[]", budget: q.urlBudget };
  const batches = batchIds(core, batch, q.keyIds);
  const asError = enrichmentError(core, {
    what,
    feature: "audit logging",
    permission: "the audit-log read permission (api.audit_logs.read)",
    notEnabled: AUDIT_NOT_ENABLED,
    enable: "an organisation owner can enable it under Data controls, once for good",
  });
  // Once one batch fails the read has failed: the others stop at their next page.
  let failed = false;
  const results = await Promise.all(batches.map((ids, i) => {
    const asked = new Set(ids);
    return core.list(
      batchName(what, ids, i, batches.length),
      PATH,
      [...fixed, ...ids.map((id): [string, string] => ["resource_ids[]", id])],
      (item, where) =>
        readKeyEvent(item, where, core.scrub, { asked, types, since: q.since, latest }),
      { priority: (n) => (n === 1 ? 0 : 1), refusals: true, stop: () => failed },
    ).catch((e) => {
      failed = true;
      throw asError(e);
    });
  }));
  return gather(results.flatMap((r) => r.items), q.keyIds);
}

/** The event types asked for; a query that cannot be asked is a programming error. */
function eventTypes(q: KeyEventsQuery): readonly string[] {
  const types = q.eventTypes ?? ["api_key.created", "api_key.updated"];
  if (types.length === 0) throw new RangeError("readKeyEvents(): eventTypes must not be empty");
  if (!Number.isSafeInteger(q.since) || q.since < 0) {
    throw new RangeError(`readKeyEvents(): "since" must be Unix seconds, not ${q.since}`);
  }
  if (!Number.isFinite(q.now)) throw new RangeError(`readKeyEvents(): "now" is ${q.now}`);
  return types;
}

/** Each key's events; a key with an event dated out of range is unknown, with why. */
function gather(reads: readonly ReturnType<typeof readKeyEvent>[], keyIds: readonly string[]) {
  const byKey = new Map<string, KeyAttribution>();
  const unknown = new Map<string, string>();
  for (const read of reads) {
    if ("unknown" in read) {
      if (!unknown.has(read.keyId)) unknown.set(read.keyId, read.unknown);
    } else record(byKey, read.keyId, read.event);
  }
  for (const keyId of unknown.keys()) byKey.delete(keyId);
  const noEvent = [...new Set(keyIds)].filter((id) => !byKey.has(id) && !unknown.has(id));
  return { byKey, noEvent, unknown };
}

function record(byKey: Map<string, KeyAttribution>, keyId: string, e: KeyEvent): void {
  const a = byKey.get(keyId) ?? { created: null, updated: null };
  byKey.set(keyId, a);
  if (e.event === "api_key.created") {
    if (a.created) {
      throw new ApiError(
        `Cannot read the audit log: key "${keyId}" has two creation events; keydrift cannot trust this answer`,
      );
    }
    a.created = e;
  } else if (!a.updated || e.at > a.updated.at) {
    a.updated = e;
  }
}

function bad(what: string, why: string): never {
  throw new ApiError(`Cannot read ${what}: ${why}; keydrift cannot trust this answer`);
}

/**
 * One event of the answer, checked against what was asked (`latest`: the last Unix second an
 * event may be dated). An event dated out of range leaves its key's attribution unknown, with why.
 */
export function readKeyEvent(
  raw: unknown,
  what: string,
  scrub: Scrub,
  asked: { asked: ReadonlySet<string>; types: readonly string[]; since: number; latest: number },
): { keyId: string; event: KeyEvent } | { keyId: string; unknown: string } {
  const e = check(raw, AUDIT_LOG, what);
  const label = `audit event "${scrub(e.id as string)}" (${what})`;
  const type = e.type as KeyEventType;
  if (!asked.types.includes(type)) bad(label, `it is a "${type}" event, which was not asked for`);
  const at = e.effective_at as number;
  if (at < asked.since) {
    bad(label, `it is from ${at}, before the window asked for (${asked.since})`);
  }
  if (e[type] === undefined) bad(label, `it has no "${type}" object`);
  const details = check(
    e[type],
    type === "api_key.created" ? AUDIT_KEY_CREATED : AUDIT_KEY_UPDATED,
    `the "${type}" details of ${label}`,
  );
  const keyId = details.id as string;
  if (!asked.asked.has(keyId)) {
    bad(label, `it is about key "${scrub(keyId)}", which was not asked for`);
  }
  const unknown = outOfRange(type, at, asked.latest);
  if (unknown) return { keyId, unknown };
  const actor = e.actor === undefined || e.actor === null ? null : readActor(e.actor, label, scrub);
  return {
    keyId,
    event: { event: type, at, actor: actor?.actor ?? null, ...(actor?.from ?? NOWHERE) },
  };
}

/** Why an event's date cannot be right (in the future, before OpenAI existed), or null. */
function outOfRange(type: string, at: number, latest: number): string | null {
  const range = at > latest
    ? "in the future"
    : at < OPENAI_FOUNDED_S
    ? "before OpenAI existed"
    : null;
  if (!range) return null;
  const when = new Date(at * 1000).toISOString().replace(".000Z", "Z");
  return `the audit log dates its ${type} event for the key ${when}, ${range}; who acted is unknown`;
}

const NOWHERE = { ip_address: null, user_agent: null };

/** A person in the dashboard: who, and where from. */
function sessionActor(
  raw: unknown,
  label: string,
  s: (v: unknown) => string | null,
  user: (v: unknown, whose: string) => Record<string, unknown>,
): { actor: AuditActor; from: { ip_address: string | null; user_agent: string | null } } {
  const ses = check(raw, AUDIT_SESSION, `the session of ${label}`);
  const u = user(ses.user, `the session of ${label}`);
  return {
    actor: {
      type: "session",
      user_id: s(u.id),
      email: s(u.email),
      api_key_id: null,
      service_account_id: null,
    },
    from: { ip_address: s(ses.ip_address), user_agent: s(ses.user_agent) },
  };
}

function readActor(
  raw: unknown,
  label: string,
  scrub: Scrub,
): { actor: AuditActor; from: { ip_address: string | null; user_agent: string | null } } {
  const a = check(raw, AUDIT_ACTOR, `the actor of ${label}`);
  const type = a.type as AuditActor["type"];
  const s = (v: unknown) => (typeof v === "string" ? scrub(v) : null);
  const user = (v: unknown, whose: string) =>
    v === undefined ? {} : check(v, AUDIT_USER, `the user of ${whose}`);
  if (a[type] === undefined) bad(label, `the actor says "${type}" but has no "${type}" object`);
  if (type === "session") return sessionActor(a.session, label, s, user);
  const k = check(a.api_key, AUDIT_API_KEY, `the API key of ${label}`);
  const u = user(k.user, `the API key of ${label}`);
  const sa = k.service_account === undefined
    ? {}
    : check(k.service_account, AUDIT_SERVICE_ACCOUNT, `the service account of ${label}`);
  return {
    actor: {
      type,
      user_id: s(u.id),
      email: s(u.email),
      api_key_id: s(k.id),
      service_account_id: s(sa.id),
    },
    from: NOWHERE,
  };
}
