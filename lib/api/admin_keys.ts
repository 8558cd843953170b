/**
 * Every organisation admin API key (issue 14, SPEC 10.6): `GET /organization/admin_api_keys`,
 * `limit=100`, `order=asc`, to the end. The SDK pages this list with the id of the page's last item
 * (its `CursorPage`, not `last_id`), so keydrift does the same, and still holds a `last_id` that is
 * sent to name that item; every other listing guard applies (has_more, cursor loops, page size,
 * duplicates, page cap).
 */
import type { LiveAdminKey, OwnerType } from "../types.ts";
import type { ApiCore } from "./client.ts";
import { ApiError } from "../errors.ts";
import { check, type Scrub } from "./wire.ts";
import { ADMIN_API_KEY, ADMIN_KEY_OWNER } from "./shapes.ts";

/** The Admin API path that lists the organisation's admin API keys */
export const ADMIN_KEYS_PATH = "/organization/admin_api_keys";

/** Every admin key of the organisation, oldest first. */
export async function listAdminKeys(core: ApiCore): Promise<LiveAdminKey[]> {
  const r = await core.list(
    "list admin API keys",
    ADMIN_KEYS_PATH,
    [["limit", 100], ["order", "asc"]],
    (item, what) => readAdminKey(item, `an admin key in ${what}`, core.scrub),
    { priority: (n) => (n === 1 ? 0 : 1), cursor: "last_item" },
  );
  return r.items;
}

/**
 * One admin key by id (a pinned entry the listing lacks), or null when the API says it does not
 * exist (the same rule for absence as a project key's retrieve). Another id back is an error.
 */
export function retrieveAdminKey(core: ApiCore, id: string): Promise<LiveAdminKey | null> {
  const what = `read admin API key "${id}"`;
  return core.readOne(what, `${ADMIN_KEYS_PATH}/${encodeURIComponent(id)}`, 1, (json) => {
    const k = readAdminKey(json, what, core.scrub);
    if (k.id !== core.scrub(id)) {
      throw new ApiError(
        `Cannot ${what}: it is admin key "${k.id}", not the one asked for; keydrift cannot trust this answer`,
      );
    }
    return k;
  });
}

/** One admin key: the fields keydrift matches, diffs and evaluates. */
export function readAdminKey(raw: unknown, what: string, scrub: Scrub): LiveAdminKey {
  const rawId = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id ===
      "string"
    ? (raw as { id: string }).id
    : null;
  const label = rawId ? `admin key "${scrub(rawId)}" (${what})` : what;
  const k = check(raw, ADMIN_API_KEY, label);
  const o = check(k.owner, ADMIN_KEY_OWNER, `the owner of ${label}`);
  if (o.type !== "user" && o.type !== "service_account") {
    throw new ApiError(
      `Cannot read ${label}: its owner's "type" is ${
        JSON.stringify(scrub(o.type as string))
      }, not "user" or "service_account"; keydrift cannot trust this answer`,
    );
  }
  return {
    id: scrub(k.id as string),
    name: typeof k.name === "string" ? scrub(k.name) : null,
    redactedValue: scrub(k.redacted_value as string),
    createdAt: k.created_at as number,
    lastUsedAt: k.last_used_at as number | null | undefined,
    expiresAt: k.expires_at as number | null,
    owner: {
      type: o.type as OwnerType,
      id: scrub(o.id as string),
      name: scrub(o.name as string),
      role: typeof o.role === "string" ? scrub(o.role) : null,
    },
  };
}
