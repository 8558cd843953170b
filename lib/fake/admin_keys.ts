/** `GET /organization/admin_api_keys` (list, ordered by creation time) and `.../{key_id}`. */

import type { FakeAdminKey, Json } from "./types.ts";
import { badParam, cursorPage, notFound, type Served } from "./paging.ts";

/** The wire `AdminApiKey`. */
export function adminKeyObject(k: FakeAdminKey): Json {
  return {
    object: "organization.admin_api_key",
    id: k.id,
    name: k.name,
    redacted_value: k.redacted_value,
    created_at: k.created_at,
    expires_at: k.expires_at,
    last_used_at: k.last_used_at,
    owner: {
      type: k.owner.type,
      object: k.owner.type === "user" ? "organization.user" : "organization.service_account",
      id: k.owner.id,
      name: k.owner.name,
      created_at: k.owner.created_at,
      role: k.owner.role,
    },
  };
}

/** Answers a listing (`after`, `limit`, `order` asc|desc, default asc) or a retrieve (`id`). */
export function serveAdminKeys(
  keys: FakeAdminKey[],
  q: URLSearchParams,
  id?: string,
): { served: Served; page: number } {
  if (id !== undefined) {
    const k = keys.find((x) => x.id === id);
    return {
      served: k
        ? { status: 200, body: adminKeyObject(k) }
        : notFound(`No admin API key found with id '${id}'.`),
      page: 1,
    };
  }
  const order = q.get("order") ?? "asc";
  if (order !== "asc" && order !== "desc") {
    return {
      served: badParam("order", `Invalid value for 'order': expected one of asc, desc`),
      page: 1,
    };
  }
  const sorted = [...keys].sort((a, b) =>
    a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
  if (order === "desc") sorted.reverse();
  return cursorPage(sorted.map(adminKeyObject), q);
}
