/**
 * What a `--snapshot` run reads (issue 21): from the snapshot and the audit-log events since it,
 * the projects that changed; every other project is taken from the snapshot. Any doubt reads
 * every project (`fullRead`, with the reason): a snapshot too old, from another API, without the
 * projects the run needs or without an audit position; an event that could change keys without
 * naming the project; a key event whose project cannot be trusted. Pure.
 */
import type { FullReadReason, LiveProject, ReadSource, WireProject } from "../core/types.ts";
import type { AuditMark, FeedEvent } from "./audit_feed.ts";
import { eventClass } from "./audit_classes.ts";
import type { ReadPlan } from "./live_state.ts";
import type { Snapshot, SnapshotProject } from "./snapshot.ts";

/** Why a run reads every project, and what it concerns (a date, an event, a problem). */
export interface FullRead {
  reason: FullReadReason;
  detail: string | null;
}

/**
 * Why the snapshot cannot spare this run anything before the audit log is read, or null:
 * `now` and `maxAgeS` in Unix seconds, `api` the API this run reads, `needsAll` whether it reads
 * every project of the organisation (`unmanaged_projects` not `ignore`, no `--project`).
 */
export function snapshotProblem(
  s: Snapshot,
  o: { now: number; maxAgeS: number; api: string; needsAll: boolean },
): FullRead | null {
  if (o.now - s.baseAt > o.maxAgeS) return { reason: "too_old", detail: String(s.baseAt) };
  if (s.api !== o.api) return { reason: "other_api", detail: s.api };
  if (o.needsAll && !s.allProjects) return { reason: "scope", detail: null };
  if (!s.audit.position) return { reason: "no_position", detail: null };
  return null;
}

/** The plan, and the projects events named (`dirty`: the snapshot's data for them is stale). */
export interface Planned {
  plan: ReadPlan;
  dirty: ReadonlySet<string>;
}

/** The plan for the events since the snapshot, or why every project must be read. */
export function planSnapshotRead(s: Snapshot, events: readonly FeedEvent[]): Planned | FullRead {
  const known = new Set(s.audit.horizon);
  const keyProject = new Map<string, string>();
  for (const { project } of s.projects) {
    for (const k of project.keys) keyProject.set(k.id, project.id);
  }
  const keys = new Set<string>();
  const whole = new Set<string>();
  for (const e of events) {
    if (known.has(e.id)) continue;
    const named = namedBy(e, keyProject);
    if ("reason" in named) return named;
    for (const id of named.keys) keys.add(id);
    for (const id of named.whole) whole.add(id);
  }
  const byId = new Map(s.projects.map((p) => [p.project.id, p]));
  const keysOnly = new Map<string, WireProject>();
  for (const id of keys) {
    const p = byId.get(id)?.project;
    if (!whole.has(id) && p?.found) keysOnly.set(id, { id, name: p.name, status: p.status });
  }
  const dirty = new Set([...keys, ...whole]);
  const kept = new Map<string, { project: LiveProject; readAt: number }>();
  for (const p of s.projects) {
    if (!dirty.has(p.project.id)) kept.set(p.project.id, p);
  }
  const org = s.allProjects
    ? [
      ...new Set([...s.projects.filter((p) => p.project.found).map((p) => p.project.id), ...whole]),
    ]
    : null;
  return { plan: { kept, keysOnly, org }, dirty };
}

/** What one event makes the run read: projects' keys, whole projects, or everything. */
function namedBy(
  e: FeedEvent,
  keyProject: ReadonlyMap<string, string>,
): { keys: string[]; whole: string[] } | FullRead {
  const event = { reason: "event" as const, detail: `${e.type} ${e.id}` };
  const cls = eventClass(e.type);
  if (cls === "none") return { keys: [], whole: [] };
  if (cls === "all" || e.subject === null) return event;
  if (cls === "project") return { keys: [], whole: [e.subject] };
  // A key event. Its project, when the snapshot holds the key; and the project it was scoped to
  // when a person acted (an admin key's actions are logged against the default project).
  const held = keyProject.get(e.subject);
  const scoped = e.actor === "session" ? e.projectId : null;
  const keys = [held, scoped].filter((id): id is string => typeof id === "string");
  return keys.length ? { keys, whole: [] } : event;
}

/**
 * The snapshot a complete run writes: what it delivered (`read` now at `now`, or kept from the
 * snapshot with their dates), and, after a planned run, the old snapshot's projects it did not
 * need, unless an event named them. It holds every project of the organisation when the run read
 * them all, or when the old one did and no project an event named was left unread.
 */
export function nextSnapshot(o: {
  /** The snapshot the run used, and the projects events named; null after a full read. */
  old: { snapshot: Snapshot; dirty: ReadonlySet<string> } | null;
  delivered: readonly { project: LiveProject; source: ReadSource }[];
  /** Whether the run read (or kept) every project of the organisation. */
  readAll: boolean;
  now: number;
  api: string;
  audit: AuditMark;
}): Snapshot {
  const byId = new Map<string, SnapshotProject>();
  const readNow = new Set<string>();
  for (const { project, source } of o.delivered) {
    if (source.from === "api") readNow.add(project.id);
    byId.set(project.id, { project, readAt: source.from === "api" ? o.now : source.readAt });
  }
  let all = o.readAll;
  if (o.old) {
    const { snapshot, dirty } = o.old;
    for (const p of snapshot.projects) {
      if (!byId.has(p.project.id) && !dirty.has(p.project.id)) byId.set(p.project.id, p);
    }
    all ||= snapshot.allProjects && [...dirty].every((id) => readNow.has(id));
  }
  return {
    writtenAt: o.now,
    baseAt: o.old ? o.old.snapshot.baseAt : o.now,
    api: o.api,
    allProjects: all,
    audit: o.audit,
    projects: [...byId.values()],
  };
}
