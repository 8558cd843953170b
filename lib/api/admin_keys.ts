/**
 * Every organisation admin API key (issue 14, SPEC 10.6): `GET /organization/admin_api_keys`,
 * `limit=100`, `order=asc`, to the end. The SDK pages this list with the id of the page's last item
 * (its `CursorPage`, not `last_id`), so keydrift does the same, and still holds a `last_id` that is
 * sent to name that item; every other listing guard applies (has_more, cursor loops, page size,
 * duplicates, page cap).
 */
import type { LiveAdminKey, OwnerType } from "../core/types.ts";
import type { ApiCore } from "./contract.ts";
import { ApiError } from "../core/errors.ts";
import { check, compared, type Scrub, segment, serverId } from "./wire.ts";
import { showId } from "../core/ids.ts";
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
  return core.readOne(what, `${ADMIN_KEYS_PATH}/${segment(id, what)}`, 1, (json) => {
    const k = readAdminKey(json, what, core.scrub);
    if (k.id !== id) {
      throw new ApiError(
        `Cannot ${what}: it is admin key ${
          showId(core.scrub(k.id))
        }, not the one asked for; keydrift cannot trust this answer`,
      );
    }
    return k;
  });
}

/**
 * One admin key: the fields keydrift matches, diffs and evaluates (as sent: one the scrubber would
 * rewrite fails the read), and its redacted value (shown only, scrubbed).
 */
export function readAdminKey(raw: unknown, what: string, scrub: Scrub): LiveAdminKey {
  const rawId = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id ===
      "string"
    ? (raw as { id: string }).id
    : null;
  const label = rawId === null ? what : `admin key ${showId(scrub(rawId))} (${what})`;
  const k = check(raw, ADMIN_API_KEY, label);
  serverId(k, "id", label, scrub);
  const whose = `the owner of ${label}`;
  const o = check(k.owner, ADMIN_KEY_OWNER, whose);
  if (o.type !== "user" && o.type !== "service_account") {
    throw new ApiError(
      `Cannot read ${label}: its owner's "type" is ${
        JSON.stringify(scrub(o.type as string))
      }, not "user" or "service_account"; keydrift cannot trust this answer`,
    );
  }
  serverId(o, "id", whose, scrub);
  return {
    id: compared(k, "id", scrub, label),
    name: typeof k.name === "string" ? compared(k, "name", scrub, label) : null,
    redactedValue: scrub(k.redacted_value as string),
    createdAt: k.created_at as number,
    lastUsedAt: k.last_used_at as number | null | undefined,
    expiresAt: k.expires_at as number | null,
    owner: {
      type: o.type as OwnerType,
      id: compared(o, "id", scrub, whose),
      name: compared(o, "name", scrub, whose),
      role: typeof o.role === "string" ? compared(o, "role", scrub, whose) : null,
    },
  };
}
