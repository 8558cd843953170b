/** Shared answers of the fake: parameter errors, not-found errors, and cursor paging. */
import type { Json } from "./types.ts";
import { errorEnvelope, listEnvelope } from "./wire.ts";

/** A route's answer before faults and headers are applied. */
export interface Served {
  status: number;
  body: Json;
}

/** A 400 `invalid_request_error` naming a bad parameter */
export function badParam(param: string, message: string): Served {
  return { status: 400, body: errorEnvelope(message, "invalid_request_error", param, null) };
}

/** A 404 `invalid_request_error` */
export function notFound(message: string): Served {
  return { status: 404, body: errorEnvelope(message, "invalid_request_error", null, null) };
}

/** Reads an integer parameter in `min..max`; a 400 when it is not one. */
export function intParam(
  q: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number | Served {
  const raw = q.get(name);
  if (raw === null) return fallback;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return badParam(
      name,
      `Invalid '${name}': expected an integer between ${min} and ${max}, got '${raw}'`,
    );
  }
  return n;
}

/**
 * Cursor paging as the official API does it: `limit` 1..100 (default 20), and `after` (the items
 * that follow an item id) or, where the route has it, `before` (the `limit` items that precede it).
 * An unknown cursor is a 400. Returns the answer and its 1-based page number (for faults).
 */
export function cursorPage(
  items: Json[],
  q: URLSearchParams,
  opts: { before?: boolean } = {},
): { served: Served; page: number } {
  const limit = intParam(q, "limit", 20, 1, 100);
  if (typeof limit !== "number") return { served: limit, page: 1 };
  const after = q.get("after");
  const before = opts.before ? q.get("before") : null;
  if (after !== null && before !== null) {
    return {
      served: badParam("before", "Only one of 'after' and 'before' may be given"),
      page: 1,
    };
  }
  const cursor = after ?? before;
  let start = 0;
  let end = Math.min(limit, items.length);
  if (cursor !== null) {
    const idx = items.findIndex((i) => i.id === cursor);
    const param = after !== null ? "after" : "before";
    if (idx < 0) {
      return {
        served: badParam(param, `Invalid '${param}': no item with id '${cursor}' in this list`),
        page: 1,
      };
    }
    [start, end] = after !== null
      ? [idx + 1, Math.min(idx + 1 + limit, items.length)]
      : [Math.max(0, idx - limit), idx];
  }
  // After a `before` cursor, has_more says whether earlier items remain (the paging direction).
  const hasMore = before !== null ? start > 0 : end < items.length;
  const body = listEnvelope(items.slice(start, end), hasMore);
  return { served: { status: 200, body }, page: Math.floor(start / limit) + 1 };
}
