/**
 * `GET /organization/costs`: daily buckets (the only width) over the cost of the keys' usage
 * records, with the spec's filters (`project_ids`, `api_key_ids`), `group_by` (`project_id`,
 * `api_key_id`, `line_item`: here the record's usage family), `limit` (1 to 180, default 7) and
 * `page` / `next_page`. Records without cost are left out; each currency is its own result. The
 * cost of the families that cannot be attributed to a key has a null `api_key_id`.
 */
import type { FakeState } from "./types.ts";
import { bucketQuery, grouped, rows, serveBuckets } from "./usage.ts";
import type { Served } from "./paging.ts";
import { costResult } from "./usage_results.ts";

const WIDTHS = { "1d": { seconds: 86400, fallback: 7, max: 180 } };
const GROUPS = ["project_id", "line_item", "api_key_id"];

/** Answers a costs query; the page number (for faults) counts from 1 at `start_time`. */
export function serveCosts(state: FakeState, q: URLSearchParams): { served: Served; page: number } {
  const query = bucketQuery(state, q, { widths: WIDTHS, groups: GROUPS });
  if ("status" in query) return { served: query, page: 1 };
  const all = rows(state, q).filter((r) => r.cost !== 0);
  return serveBuckets(query, q.get("page"), (b, seconds) => {
    const inside = all.filter((r) => r.at >= b && r.at < b + seconds);
    return grouped(inside, query.group, (r) => r.currency).map((rs) => costResult(query.group, rs));
  });
}
