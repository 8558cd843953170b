/**
 * The plan of a read (issue 21): how many requests each endpoint (path template) needs, and, once
 * a budget is known, about how long that takes. The first page of every listing is one request;
 * further pages are unknown until read, so a plan is a lower bound that the run raises as it finds
 * them (`read_plan.ts` makes the plan of a check). Pure.
 */
import { BUDGET_WINDOW_MS } from "./pace.ts";

/** The endpoints keydrift reads, as the OpenAPI spec names their paths. */
export const ENDPOINTS = {
  projects: "/organization/projects",
  project: "/organization/projects/{project_id}",
  keys: "/organization/projects/{project_id}/api_keys",
  key: "/organization/projects/{project_id}/api_keys/{api_key_id}",
  adminKeys: "/organization/admin_api_keys",
  adminKey: "/organization/admin_api_keys/{key_id}",
  auditLogs: "/organization/audit_logs",
  usage: "/organization/usage/completions",
} as const;

/** The id parameter that follows each collection in a path. */
const IDS: Record<string, string> = {
  projects: "{project_id}",
  api_keys: "{api_key_id}",
  admin_api_keys: "{key_id}",
};

/** The endpoint (path template) a request path belongs to: ids become their parameter names. */
export function endpointOf(path: string): string {
  const parts = path.split("/");
  return parts.map((p, i) => (i > 0 && IDS[parts[i - 1]] !== undefined ? IDS[parts[i - 1]] : p))
    .join("/");
}

/** Requests per endpoint: a lower bound until every listing has been read. */
export type RequestPlan = ReadonlyMap<string, number>;

/** The total of a plan. */
export function planned(plan: RequestPlan): number {
  let n = 0;
  for (const v of plan.values()) n += v;
  return n;
}

/** Where an endpoint stands: its budget, and the requests it has answered or holds. */
export interface EndpointState {
  budget: number;
  /** Answer times of the requests it served in the last window, oldest first. */
  window: readonly number[];
  inFlight: number;
}

/**
 * Ms from `now` until the last of `remaining` more requests can start at an endpoint: the
 * window's places free up as its answers turn a window old, then `budget` more every window.
 */
export function paceTime(remaining: number, s: EndpointState, now: number): number {
  if (remaining <= 0) return 0;
  const busy = [...s.window, ...Array<number>(s.inFlight).fill(now)].slice(-s.budget);
  // When each place of the window was last taken (a free one: a window ago); it frees a window on.
  const free = Array<number>(s.budget - busy.length).fill(now - BUDGET_WINDOW_MS);
  const places = [...free, ...busy].sort((a, b) => a - b);
  const last = remaining - 1;
  const at = places[last % s.budget] + BUDGET_WINDOW_MS * (Math.floor(last / s.budget) + 1);
  return Math.max(0, at - now);
}
