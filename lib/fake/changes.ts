/**
 * Changes to the fake organisation after it was loaded, each with the audit-log event the real
 * API records for it (issue 21: `--snapshot` re-reads what the log names, so the fake's log must
 * tell every change a test makes). Events have the spec's `AuditLog` shape: `id`, `type`,
 * `effective_at`, `project`, `actor` and the type's details. A person acting in the dashboard is a
 * `session` actor and the event is scoped to the project acted on; an action taken with an admin
 * key is an `api_key` actor, and, as the spec notes, "associated with the default project" (the
 * fake's first project), not the one acted on.
 */
import type { FakeKey, FakeProject, FakeState, Json } from "./types.ts";
import { eventId } from "./audit_logs.ts";
import { redactFor } from "./state.ts";

/** Who makes a change: a user in the dashboard, or a request made with an admin key. */
export type Actor = { user: string } | { adminKey: string };

/** When a change happens (Unix seconds) and who makes it (default: the first user). */
export interface ChangeOptions {
  at: number;
  actor?: Actor;
}

function project(state: FakeState, id: string): FakeProject {
  const p = state.projects.find((x) => x.id === id);
  if (!p) throw new RangeError(`the fake has no project "${id}"`);
  return p;
}

function actorObject(state: FakeState, a: Actor): Json {
  if ("user" in a) {
    const u = state.users.find((x) => x.id === a.user);
    if (!u) throw new RangeError(`the fake has no user "${a.user}"`);
    return { type: "session", session: { user: { id: u.id, email: u.email } } };
  }
  const k = state.admin_keys.find((x) => x.id === a.adminKey);
  if (!k) throw new RangeError(`the fake has no admin key "${a.adminKey}"`);
  const owner = k.owner.type === "user"
    ? { type: "user", user: { id: k.owner.id, email: "" } }
    : { type: "service_account", service_account: { id: k.owner.id } };
  return { type: "api_key", api_key: { id: k.id, ...owner } };
}

/**
 * Records an event: newest first, as the log is kept. `scope` is the project acted on; an admin
 * key's action is logged against the default project instead (the spec's note).
 */
export function recordEvent(
  state: FakeState,
  type: string,
  details: Json,
  o: { at: number; actor: Actor | null; scope: FakeProject | null },
): Json {
  const events = state.audit_log.events;
  const logged = o.actor && "adminKey" in o.actor ? state.projects[0] ?? null : o.scope;
  const e: Json = {
    id: eventId(type, String(details.id ?? ""), o.at, events.length),
    type,
    effective_at: o.at,
    ...(logged
      ? { project: logged.name ? { id: logged.id, name: logged.name } : { id: logged.id } }
      : {}),
    actor: o.actor ? actorObject(state, o.actor) : null,
    [type]: details,
  };
  let i = 0;
  while (i < events.length && events[i].effective_at > o.at) i++;
  events.splice(i, 0, e);
  return e;
}

function who(state: FakeState, o: ChangeOptions): Actor {
  if (o.actor) return o.actor;
  const u = state.users[0];
  if (!u) throw new RangeError("the fake has no user to act; pass an actor");
  return { user: u.id };
}

/** A new key in a project (`api_key.created`). */
export function createKey(
  state: FakeState,
  projectId: string,
  k: { id: string; name: string; owner: string; last_used_at?: number | null },
  o: ChangeOptions,
): FakeKey {
  const p = project(state, projectId);
  const sa = p.service_accounts.some((s) => s.id === k.owner);
  const key: FakeKey = {
    id: k.id,
    name: k.name,
    owner: k.owner,
    created_at: o.at,
    last_used_at: k.last_used_at ?? null,
    expires_at: null,
    redacted_value: redactFor(k.id, sa ? "service_account" : "user"),
    usage: [],
  };
  p.keys.push(key);
  const details = { id: k.id, data: { scopes: ["api.model.request"] } };
  recordEvent(state, "api_key.created", details, { ...o, actor: who(state, o), scope: p });
  return key;
}

/** A key deleted (`api_key.deleted`); `actor: null` records it without an actor. */
export function deleteKey(
  state: FakeState,
  projectId: string,
  keyId: string,
  o: { at: number; actor?: Actor | null },
): void {
  const p = project(state, projectId);
  const i = p.keys.findIndex((k) => k.id === keyId);
  if (i < 0) throw new RangeError(`project "${projectId}" has no key "${keyId}"`);
  p.keys.splice(i, 1);
  const actor = o.actor === undefined ? who(state, { at: o.at }) : o.actor;
  recordEvent(state, "api_key.deleted", { id: keyId }, { at: o.at, actor, scope: p });
}

/** A key renamed (`api_key.updated`). */
export function renameKey(
  state: FakeState,
  projectId: string,
  keyId: string,
  name: string,
  o: ChangeOptions,
): void {
  const p = project(state, projectId);
  const k = p.keys.find((x) => x.id === keyId);
  if (!k) throw new RangeError(`project "${projectId}" has no key "${keyId}"`);
  k.name = name;
  const details = { id: keyId, changes_requested: { scopes: ["api.model.request"] } };
  recordEvent(state, "api_key.updated", details, { ...o, actor: who(state, o), scope: p });
}

/** A new project (`project.created`), without keys. */
export function createProject(
  state: FakeState,
  p: { id: string; name: string },
  o: ChangeOptions,
): FakeProject {
  const created: FakeProject = {
    id: p.id,
    name: p.name,
    status: "active",
    created_at: o.at,
    archived_at: null,
    members: [],
    service_accounts: [],
    keys: [],
  };
  state.projects.push(created);
  const details = { id: p.id, data: { name: p.name, title: p.name } };
  recordEvent(state, "project.created", details, { ...o, actor: who(state, o), scope: created });
  return created;
}

/** A project archived (`project.archived`); its keys stay listed. */
export function archiveProject(state: FakeState, projectId: string, o: ChangeOptions): void {
  const p = project(state, projectId);
  p.status = "archived";
  p.archived_at = o.at;
  recordEvent(state, "project.archived", { id: p.id }, { ...o, actor: who(state, o), scope: p });
}

/** A project renamed (`project.updated`). */
export function renameProject(
  state: FakeState,
  projectId: string,
  name: string,
  o: ChangeOptions,
): void {
  const p = project(state, projectId);
  p.name = name;
  const details = { id: p.id, changes_requested: { title: name } };
  recordEvent(state, "project.updated", details, { ...o, actor: who(state, o), scope: p });
}

/** A service account renamed (`service_account.updated`): its keys' owner name changes. */
export function renameServiceAccount(
  state: FakeState,
  projectId: string,
  id: string,
  name: string,
  o: ChangeOptions,
): void {
  const p = project(state, projectId);
  const sa = p.service_accounts.find((x) => x.id === id);
  if (!sa) throw new RangeError(`project "${projectId}" has no service account "${id}"`);
  sa.name = name;
  const details = { id, data: { role: sa.role } };
  recordEvent(state, "service_account.updated", details, { ...o, actor: who(state, o), scope: p });
}

/** A service account deleted with its keys (`service_account.deleted`). */
export function deleteServiceAccount(
  state: FakeState,
  projectId: string,
  id: string,
  o: ChangeOptions,
): void {
  const p = project(state, projectId);
  p.service_accounts = p.service_accounts.filter((x) => x.id !== id);
  p.keys = p.keys.filter((k) => k.owner !== id);
  recordEvent(state, "service_account.deleted", { id }, { ...o, actor: who(state, o), scope: p });
}

/**
 * A user removed from a project (`user.deleted`): their keys there stay, with
 * `owner_project_access: inactive`.
 */
export function removeMember(
  state: FakeState,
  projectId: string,
  userId: string,
  o: ChangeOptions,
): void {
  const p = project(state, projectId);
  p.members = p.members.filter((m) => m.user !== userId);
  recordEvent(state, "user.deleted", { id: userId }, { ...o, actor: who(state, o), scope: p });
}

/** A user renamed (`user.updated`): every key they own shows the new name. */
export function renameUser(state: FakeState, userId: string, name: string, o: ChangeOptions): void {
  const u = state.users.find((x) => x.id === userId);
  if (!u) throw new RangeError(`the fake has no user "${userId}"`);
  u.name = name;
  const details = { id: userId, changes_requested: { role: "member" } };
  recordEvent(state, "user.updated", details, { ...o, actor: who(state, o), scope: null });
}
