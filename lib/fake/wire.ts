/** Wire shapes the fake serves, built from its state (official OpenAPI spec + SDK 7.57 shapes). */
import type { FakeKey, FakeProject, FakeState, Json } from "./types.ts";

/** A project as the Admin API sends it */
export function projectObject(p: FakeProject): Json {
  return {
    id: p.id,
    object: "organization.project",
    name: p.name,
    created_at: p.created_at,
    archived_at: p.archived_at,
    status: p.status,
    external_key_id: null,
  };
}

/** Whether a key's owner currently has access to the project. */
export function ownerAccess(_state: FakeState, p: FakeProject, k: FakeKey): "active" | "inactive" {
  if (p.service_accounts.some((sa) => sa.id === k.owner)) return "active";
  return p.members.some((m) => m.user === k.owner) ? "active" : "inactive";
}

/** A project API key as the Admin API sends it, with its owner */
export function keyObject(state: FakeState, p: FakeProject, k: FakeKey): Json {
  const sa = p.service_accounts.find((s) => s.id === k.owner);
  let owner: Json;
  if (sa) {
    owner = {
      type: "service_account",
      service_account: { id: sa.id, name: sa.name, role: sa.role, created_at: sa.created_at },
    };
  } else {
    const u = state.users.find((x) => x.id === k.owner);
    const role = p.members.find((m) => m.user === k.owner)?.role ?? "member";
    owner = {
      type: "user",
      user: {
        id: k.owner,
        name: u?.name ?? "",
        email: u?.email ?? "",
        role,
        created_at: u?.created_at ?? 0,
      },
    };
  }
  const out: Json = {
    object: "organization.project.api_key",
    id: k.id,
    name: k.name,
    redacted_value: k.redacted_value,
    created_at: k.created_at,
    last_used_at: k.last_used_at,
  };
  if (state.options.expires_at) out.expires_at = k.expires_at;
  out.owner_project_access = ownerAccess(state, p, k);
  out.owner = owner;
  return out;
}

/** A project user as the Admin API sends it, or null when not a member */
export function userObject(state: FakeState, p: FakeProject, userId: string): Json | null {
  const m = p.members.find((x) => x.user === userId);
  const u = state.users.find((x) => x.id === userId);
  if (!m || !u) return null;
  return {
    object: "organization.project.user",
    id: u.id,
    name: u.name,
    email: u.email,
    role: m.role,
    added_at: u.created_at,
  };
}

/** A project service account as the Admin API sends it, or null when there is none with that id */
export function serviceAccountObject(p: FakeProject, id: string): Json | null {
  const sa = p.service_accounts.find((s) => s.id === id);
  if (!sa) return null;
  return {
    object: "organization.project.service_account",
    id: sa.id,
    name: sa.name,
    role: sa.role,
    created_at: sa.created_at,
  };
}

/** The Admin API's list envelope around a page of objects */
export function listEnvelope(data: Json[], hasMore: boolean): Json {
  return {
    object: "list",
    data,
    first_id: data.length ? data[0].id : null,
    last_id: data.length ? data[data.length - 1].id : null,
    has_more: hasMore,
  };
}

/** The OpenAI error envelope */
export function errorEnvelope(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): Json {
  return { error: { message, type, param, code } };
}
