/**
 * `GET /organization/usage/<family>` for every usage family of the spec: time buckets over the
 * keys' usage records, with the spec's filters and `group_by` for that family, `limit` and `page`
 * / `next_page`. The paging and grouping are shared with `/organization/costs` (`costs.ts`).
 */

import type { FakeState, Json, UsageDim, UsageEndpoint, UsageRow } from "./types.ts";
import { arrayParam } from "./audit_logs.ts";
import { badParam, intParam, type Served } from "./paging.ts";
import { familyResult } from "./usage_results.ts";

const WIDTHS = {
  "1m": { seconds: 60, fallback: 60, max: 1440 },
  "1h": { seconds: 3600, fallback: 24, max: 168 },
  "1d": { seconds: 86400, fallback: 7, max: 31 },
} as const;

/** A bucket width: its seconds, default `limit` and largest `limit`. */
export type Width = { seconds: number; fallback: number; max: number };

/** The dimensions the fake groups and filters by; the spec's others get a 400 (docs/fake-api.md). */
const MODELLED: readonly UsageDim[] = ["project_id", "user_id", "api_key_id"];
type Row = UsageRow;

const BY_KEY = ["project_id", "user_id", "api_key_id"];
const MODEL = [...BY_KEY, "model"];
/** Each family's `group_by` values, as the spec lists them. */
const GROUPS: Record<UsageEndpoint, string[]> = {
  completions: [...MODEL, "batch", "service_tier"],
  embeddings: MODEL,
  moderations: MODEL,
  images: [...MODEL, "size", "source"],
  audio_speeches: MODEL,
  audio_transcriptions: MODEL,
  vector_stores: ["project_id"],
  code_interpreter_sessions: ["project_id"],
  file_search_calls: [...BY_KEY, "vector_store_id"],
  web_search_calls: [...MODEL, "context_level"],
};
/** Each family's filters beyond `project_ids`, `user_ids` and `api_key_ids`, as the spec lists them. */
const OTHER_FILTERS: Record<UsageEndpoint, string[]> = {
  completions: ["models", "batch"],
  embeddings: ["models"],
  moderations: ["models"],
  images: ["models", "sources", "sizes"],
  audio_speeches: ["models"],
  audio_transcriptions: ["models"],
  vector_stores: [],
  code_interpreter_sessions: [],
  file_search_calls: ["vector_store_ids"],
  web_search_calls: ["models", "context_levels"],
};

/** Families whose use the API cannot attribute to a key (group_by project_id only). */
const PROJECT_ONLY: readonly UsageEndpoint[] = ["vector_stores", "code_interpreter_sessions"];

/** Every usage record of the state (of `endpoint`, when given) that passes the query's filters. */
export function rows(state: FakeState, q: URLSearchParams, endpoint?: UsageEndpoint): Row[] {
  const set = (name: string) => new Set(arrayParam(q, name));
  const [projects, keys, users] = [set("project_ids"), set("api_key_ids"), set("user_ids")];
  const out: Row[] = [];
  for (const p of state.projects) {
    if (projects.size && !projects.has(p.id)) continue;
    for (const k of p.keys) {
      if (keys.size && !keys.has(k.id)) continue;
      if (users.size && !users.has(k.owner)) continue;
      for (const u of k.usage) {
        if (endpoint !== undefined && u.endpoint !== endpoint) continue;
        const byKey = !PROJECT_ONLY.includes(u.endpoint);
        // A key or user filter keeps out what cannot be attributed to one.
        if (!byKey && (keys.size || users.size)) continue;
        out.push({ ...u, project_id: p.id, user_id: k.owner, api_key_id: byKey ? k.id : null });
      }
    }
  }
  return out;
}

/** A usage query's parameters, checked. */
export interface BucketQuery {
  start: number;
  end: number;
  width: Width;
  limit: number;
  group: string[];
}

/** Answers a usage query; the page number (for faults) counts from 1 at `start_time`. */
export function serveUsage(
  state: FakeState,
  endpoint: UsageEndpoint,
  q: URLSearchParams,
): { served: Served; page: number } {
  const bad = filterProblem(endpoint, q);
  if (bad) return { served: bad, page: 1 };
  const query = bucketQuery(state, q, { widths: WIDTHS, groups: GROUPS[endpoint] });
  if ("status" in query) return { served: query, page: 1 };
  const all = rows(state, q, endpoint);
  return serveBuckets(query, q.get("page"), (b, seconds) => {
    const inside = all.filter((r) => r.at >= b && r.at < b + seconds);
    return grouped(inside, query.group).map((rs) => familyResult(endpoint, query.group, rs));
  });
}

/** The 400 for a filter the family's spec does not list, or the fake does not model. */
function filterProblem(endpoint: UsageEndpoint, q: URLSearchParams): Served | null {
  const keyed = GROUPS[endpoint].includes("api_key_id");
  for (const f of ["user_ids", "api_key_ids"]) {
    if (!keyed && (q.has(f) || q.has(`${f}[]`))) {
      return badParam(f, `Invalid parameter '${f}': ${endpoint} usage has no such filter`);
    }
  }
  for (const f of OTHER_FILTERS[endpoint]) {
    if (q.has(f) || q.has(`${f}[]`)) {
      return badParam(f, `The '${f}' filter is not modelled by this fake`);
    }
  }
  return null;
}

/** The query's parameters, or the 400 the API gives for the first bad one. */
export function bucketQuery(
  state: FakeState,
  q: URLSearchParams,
  o: { widths: Record<string, Width>; groups: readonly string[] },
): BucketQuery | Served {
  if (q.get("start_time") === null) {
    return badParam("start_time", "Missing required parameter: 'start_time'.");
  }
  const start = intParam(q, "start_time", 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof start !== "number") return start;
  const end = intParam(q, "end_time", state.now, start + 1, Number.MAX_SAFE_INTEGER);
  if (typeof end !== "number") return end;
  const widthName = q.get("bucket_width") ?? "1d";
  if (!Object.hasOwn(o.widths, widthName)) {
    const names = Object.keys(o.widths).join(", ");
    return badParam("bucket_width", `Invalid value for 'bucket_width': expected one of ${names}`);
  }
  const width = o.widths[widthName];
  const limit = intParam(q, "limit", width.fallback, 1, width.max);
  if (typeof limit !== "number") return limit;
  const group = arrayParam(q, "group_by");
  const modelled = (g: string) => (MODELLED as readonly string[]).includes(g) || g === "line_item";
  const bad = group.find((g) => !modelled(g) || !o.groups.includes(g));
  if (bad !== undefined) {
    const why = o.groups.includes(bad) ? "is not modelled by this fake" : "is not a field";
    return badParam("group_by", `Invalid value for 'group_by': '${bad}' ${why}`);
  }
  return { start, end, width, limit, group };
}

function pageCursor(start: number): string {
  return `page_${btoa(`bucket:${start}`)}`;
}

function readCursor(page: string): number | null {
  try {
    const m = /^bucket:(\d+)$/.exec(atob(page.replace(/^page_/, "")));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The page of buckets from `page` (or `start_time`, aligned to the width) up to `end_time`, at
 * most `limit` of them, each holding `results(bucketStart, seconds)`.
 */
export function serveBuckets(
  query: BucketQuery,
  page: string | null,
  results: (b: number, seconds: number) => Json[],
): { served: Served; page: number } {
  const { end, width, limit } = query;
  const first = Math.floor(query.start / width.seconds) * width.seconds;
  let from = first;
  if (page !== null) {
    const at = readCursor(page);
    if (at === null || at < first || at >= end || (at - first) % width.seconds) {
      const served = badParam("page", `Invalid 'page': '${page}' is not a cursor of this query`);
      return { served, page: 1 };
    }
    from = at;
  }
  const data: Json[] = [];
  let b = from;
  for (; b < end && data.length < limit; b += width.seconds) {
    const bucket = { object: "bucket", start_time: b, end_time: b + width.seconds };
    data.push({ ...bucket, results: results(b, width.seconds) });
  }
  const hasMore = b < end;
  return {
    served: {
      status: 200,
      body: { object: "page", data, has_more: hasMore, next_page: hasMore ? pageCursor(b) : null },
    },
    page: Math.floor((from - first) / width.seconds / limit) + 1,
  };
}

/** `rs` in groups of equal values of the `group` dimensions (and `extra`), in sorted order. */
export function grouped(
  rs: readonly Row[],
  group: readonly string[],
  extra: (r: Row) => string = () => "",
): Row[][] {
  const groups = new Map<string, Row[]>();
  for (const r of rs) {
    const value = (g: string) => g === "line_item" ? r.endpoint : String(r[g as UsageDim]);
    const k = [...group.map(value), extra(r)].join("\u0000");
    groups.set(k, [...groups.get(k) ?? [], r]);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}
