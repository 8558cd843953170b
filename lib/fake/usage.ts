/**
 * `GET /organization/usage/completions` and `/organization/usage/embeddings`: time buckets over the
 * keys' usage records, with the spec's filters, `group_by`, `limit` and `page` / `next_page`.
 */

import type { FakeState, Json, UsageEndpoint } from "./types.ts";
import { arrayParam } from "./audit_logs.ts";
import { badParam, intParam, type Served } from "./paging.ts";

const WIDTHS = {
  "1m": { seconds: 60, fallback: 60, max: 1440 },
  "1h": { seconds: 3600, fallback: 24, max: 168 },
  "1d": { seconds: 86400, fallback: 7, max: 31 },
} as const;

/** The dimensions the fake can group and filter by; the spec's others get a 400 (see README). */
const GROUPS = ["project_id", "user_id", "api_key_id"] as const;
const SPEC_GROUPS = ["model", "batch", "service_tier", "api_source"];

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

interface Row {
  at: number;
  project_id: string;
  user_id: string;
  api_key_id: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
}

function rows(state: FakeState, endpoint: UsageEndpoint, q: URLSearchParams): Row[] {
  const set = (name: string) => new Set(arrayParam(q, name));
  const [projects, keys, users] = [set("project_ids"), set("api_key_ids"), set("user_ids")];
  const out: Row[] = [];
  for (const p of state.projects) {
    if (projects.size && !projects.has(p.id)) continue;
    for (const k of p.keys) {
      if (keys.size && !keys.has(k.id)) continue;
      if (users.size && !users.has(k.owner)) continue;
      for (const u of k.usage) {
        if (u.endpoint !== endpoint) continue;
        out.push({ ...u, project_id: p.id, user_id: k.owner, api_key_id: k.id });
      }
    }
  }
  return out;
}

function result(endpoint: UsageEndpoint, group: readonly string[], rs: Row[]): Json {
  const sum = (f: "requests" | "input_tokens" | "output_tokens") =>
    rs.reduce((n, r) => n + r[f], 0);
  const dim = (g: (typeof GROUPS)[number]) => group.includes(g) ? rs[0][g] : null;
  if (endpoint === "embeddings") {
    return {
      object: "organization.usage.embeddings.result",
      input_tokens: sum("input_tokens"),
      num_model_requests: sum("requests"),
      project_id: dim("project_id"),
      user_id: dim("user_id"),
      api_key_id: dim("api_key_id"),
      model: null,
    };
  }
  return {
    object: "organization.usage.completions.result",
    input_tokens: sum("input_tokens"),
    output_tokens: sum("output_tokens"),
    input_cached_tokens: 0,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: sum("requests"),
    project_id: dim("project_id"),
    user_id: dim("user_id"),
    api_key_id: dim("api_key_id"),
    model: null,
    batch: null,
    service_tier: null,
  };
}

/** A usage query's parameters, checked. */
interface UsageQuery {
  start: number;
  end: number;
  width: (typeof WIDTHS)[keyof typeof WIDTHS];
  limit: number;
  group: string[];
}

/** Answers a usage query; the page number (for faults) counts from 1 at `start_time`. */
export function serveUsage(
  state: FakeState,
  endpoint: UsageEndpoint,
  q: URLSearchParams,
): { served: Served; page: number } {
  const query = usageQuery(state, q);
  if ("status" in query) return { served: query, page: 1 };
  const { end, width, limit, group } = query;
  const first = Math.floor(query.start / width.seconds) * width.seconds;
  let from = first;
  const page = q.get("page");
  if (page !== null) {
    const at = readCursor(page);
    if (at === null || at < first || at >= end || (at - first) % width.seconds) {
      const served = badParam("page", `Invalid 'page': '${page}' is not a cursor of this query`);
      return { served, page: 1 };
    }
    from = at;
  }
  const all = rows(state, endpoint, q);
  const data: Json[] = [];
  let b = from;
  for (; b < end && data.length < limit; b += width.seconds) {
    data.push(bucket(endpoint, group, all, b, width.seconds));
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

/** The query's parameters, or the 400 the API gives for the first bad one. */
function usageQuery(state: FakeState, q: URLSearchParams): UsageQuery | Served {
  if (q.get("start_time") === null) {
    return badParam("start_time", "Missing required parameter: 'start_time'.");
  }
  const start = intParam(q, "start_time", 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof start !== "number") return start;
  const end = intParam(q, "end_time", state.now, start + 1, Number.MAX_SAFE_INTEGER);
  if (typeof end !== "number") return end;
  const widthName = q.get("bucket_width") ?? "1d";
  if (!Object.hasOwn(WIDTHS, widthName)) {
    return badParam("bucket_width", `Invalid value for 'bucket_width': expected one of 1m, 1h, 1d`);
  }
  const width = WIDTHS[widthName as keyof typeof WIDTHS];
  const limit = intParam(q, "limit", width.fallback, 1, width.max);
  if (typeof limit !== "number") return limit;
  const group = arrayParam(q, "group_by");
  const bad = group.find((g) => !(GROUPS as readonly string[]).includes(g));
  if (bad !== undefined) {
    const why = SPEC_GROUPS.includes(bad) ? "is not modelled by this fake" : "is not a field";
    return badParam("group_by", `Invalid value for 'group_by': '${bad}' ${why}`);
  }
  for (const f of ["models", "batch"]) {
    if (q.has(f) || q.has(`${f}[]`)) {
      return badParam(f, `The '${f}' filter is not modelled by this fake`);
    }
  }
  return { start, end, width, limit, group };
}

/** One time bucket: the rows in it, grouped. */
function bucket(
  endpoint: UsageEndpoint,
  group: readonly string[],
  all: readonly Row[],
  b: number,
  seconds: number,
): Json {
  const groups = new Map<string, Row[]>();
  for (const r of all.filter((r) => r.at >= b && r.at < b + seconds)) {
    const k = group.map((g) => r[g as (typeof GROUPS)[number]]).join("\u0000");
    groups.set(k, [...groups.get(k) ?? [], r]);
  }
  const results = [...groups.keys()].sort().map((k) => result(endpoint, group, groups.get(k)!));
  return { object: "bucket", start_time: b, end_time: b + seconds, results };
}
