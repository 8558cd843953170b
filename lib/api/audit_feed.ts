/**
 * The audit log as a change feed for `--snapshot` (issue 21): `GET /organization/audit_logs`,
 * every event type (an unfiltered read is the only one that shows a type keydrift does not know),
 * newest first, in two streams: the organisation's events, and the tenant-scoped ones the API
 * returns only with `tenant_only=true`.
 *
 * A snapshot records the log's {@link AuditMark}: its newest event (the position) and the ids of
 * the events of the {@link AUDIT_LAG_S} seconds before it (the horizon). The next run reads every
 * event from that many seconds before the position: an event the server dated a little earlier
 * than it was written (clocks of different writers) is still seen, and the horizon's events, which
 * the snapshot already reflects, are left out. The position event itself must come back: that is
 * the proof that the log still reaches back to the snapshot.
 */
import { ApiError } from "../core/errors.ts";
import { idProblem, showId } from "../core/ids.ts";
import type { ApiCore, Query } from "./client.ts";
import { AUDIT_NOT_ENABLED, FUTURE_SKEW_S } from "./audit.ts";
import { enrichmentError } from "./enrich.ts";
import { check, type Scrub } from "./wire.ts";
import { AUDIT_DETAILS, AUDIT_EVENT, AUDIT_PROJECT } from "./shapes.ts";

/** How long before the snapshot's newest event the next read starts (clock skew of writers). */
export const AUDIT_LAG_S = 300;

/** An audit-log event: its id and when the log dates it (Unix seconds). */
export interface AuditPosition {
  id: string;
  at: number;
}

/** Where the audit log stood when a snapshot was taken. */
export interface AuditMark {
  /** Its newest event; null when the log held none. */
  position: AuditPosition | null;
  /** The ids of the events of the {@link AUDIT_LAG_S} seconds up to the position. */
  horizon: string[];
}

/** One audit-log event as `--snapshot` reads it. */
export interface FeedEvent {
  id: string;
  type: string;
  at: number;
  /** The project the event was scoped to (`project.id`), or null. */
  projectId: string | null;
  /** Who acted: a person in the dashboard, a request made with a key, or not said. */
  actor: "session" | "api_key" | null;
  /** The id the event's details name (a key or a project), or null. */
  subject: string | null;
}

const PATH = "/organization/audit_logs";
const STREAMS: Query[] = [[], [["tenant_only", true]]];

/** The log's mark now (its newest page in each stream): taken before a full read. */
export async function readAuditMark(core: ApiCore, now: number): Promise<AuditMark> {
  const pages = await Promise.all(STREAMS.map((stream, i) =>
    readStream(core, {
      what: i ? "read the tenant audit log" : "read the audit log",
      query: [...stream, ["limit", 100]],
      now,
      maxPages: 1,
    })
  ));
  return markOf(pages[0].events, pages.flatMap((p) => p.events));
}

/**
 * Every event since `since` (less {@link AUDIT_LAG_S}) in both streams, and the log's new mark.
 * `complete` is false when the log holds more than `maxPages` pages per stream since then (a full
 * read is then cheaper); `reachesBack` says whether the event at `since` itself was among them.
 * Throws `UnavailableError` when the log is not enabled or may not be read, `ApiError` when an
 * answer cannot be trusted.
 */
export async function readAuditSince(
  core: ApiCore,
  o: { since: AuditPosition; now: number; maxPages: number },
): Promise<{ events: FeedEvent[]; complete: boolean; reachesBack: boolean; mark: AuditMark }> {
  const from: Query = [["effective_at[gte]", Math.max(0, o.since.at - AUDIT_LAG_S)]];
  const reads = await Promise.all(STREAMS.map((stream, i) =>
    readStream(core, {
      what: i ? "read the tenant audit log" : "read the audit log",
      query: [...stream, ...from, ["limit", 100]],
      now: o.now,
      maxPages: o.maxPages,
    })
  ));
  const events = reads.flatMap((r) => r.events);
  return {
    events,
    complete: reads.every((r) => r.complete),
    reachesBack: reads[0].events.some((e) => e.id === o.since.id),
    mark: markOf(reads[0].events, events),
  };
}

/** The newest event of the organisation's stream, and what both streams hold near it. */
function markOf(own: readonly FeedEvent[], all: readonly FeedEvent[]): AuditMark {
  let newest: FeedEvent | null = null;
  for (const e of own) if (!newest || e.at > newest.at) newest = e;
  if (!newest) return { position: null, horizon: [] };
  const from = newest.at - AUDIT_LAG_S;
  return {
    position: { id: newest.id, at: newest.at },
    horizon: [...new Set(all.filter((e) => e.at >= from).map((e) => e.id))],
  };
}

async function readStream(
  core: ApiCore,
  o: { what: string; query: Query; now: number; maxPages: number },
): Promise<{ events: FeedEvent[]; complete: boolean }> {
  const latest = Math.floor(o.now / 1000) + FUTURE_SKEW_S;
  const asError = enrichmentError(core, {
    what: o.what,
    feature: "audit logging",
    permission: "the audit-log read permission (api.audit_logs.read)",
    notEnabled: AUDIT_NOT_ENABLED,
    enable: "an organisation owner can enable it under Data controls, once for good",
  });
  try {
    const r = await core.list(
      o.what,
      PATH,
      o.query,
      (item, what) => feedEvent(item, what, core.scrub, latest),
      {
        priority: (n) => (n === 1 ? 0 : 1),
        refusals: true,
        stop: (_, n) => n >= o.maxPages,
      },
    );
    return { events: r.items, complete: r.complete };
  } catch (e) {
    throw asError(e);
  }
}

/** One event of the answer, checked (`latest`: the last Unix second it may be dated). */
export function feedEvent(raw: unknown, what: string, scrub: Scrub, latest: number): FeedEvent {
  const e = check(raw, AUDIT_EVENT, what);
  const id = e.id as string;
  const label = `audit event ${showId(scrub(id))} (${what})`;
  const untrusted = (why: string): never => {
    throw new ApiError(`Cannot read ${label}: ${why}; keydrift cannot trust this answer`);
  };
  const at = e.effective_at as number;
  // An event dated in the future would move the next read's start past events yet to come.
  if (at > latest) untrusted(`it is dated ${at}, in the future`);
  const type = e.type as string;
  const project = e.project === undefined ? null : check(e.project, AUDIT_PROJECT, label);
  const details = e[type];
  const subject = details !== undefined && details !== null && typeof details === "object" &&
      "id" in details
    ? check(details, AUDIT_DETAILS, label).id as string
    : null;
  for (const v of [project?.id, subject]) {
    if (typeof v === "string" && idProblem(v)) {
      untrusted(`it names ${showId(scrub(v))}, which cannot be an id: ${idProblem(v)}`);
    }
  }
  const actor = e.actor as { type?: unknown } | null | undefined;
  return {
    id,
    type,
    at,
    projectId: (project?.id as string | undefined) ?? null,
    actor: actor?.type === "session" || actor?.type === "api_key" ? actor.type : null,
    subject,
  };
}
