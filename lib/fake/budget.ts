/**
 * The Admin API's budget, as measured on the real API (issue 21): each path template (the
 * project keys listing, the projects listing, one key, the audit log...) serves N requests per
 * rolling window (about 7 to 10 a minute); past that it answers 429 "You're making too many
 * requests, please slow down." in the API's error envelope, without `retry-after` and without
 * `x-ratelimit-*` headers. A switch adds `retry-after` (whole seconds until the window has room).
 * Only answered requests count: a refused one takes nothing from the window.
 */
import type { FakeBudget, Json } from "./types.ts";
import { errorEnvelope } from "./wire.ts";

/** The real API's message for a request past the budget. */
export const BUDGET_MESSAGE = "You're making too many requests, please slow down.";

/** Collections whose next path segment is an id (so it is not part of the template). */
const WITH_IDS = new Set(["projects", "api_keys", "admin_api_keys", "users", "service_accounts"]);

/** The path template a path belongs to: `/v1/organization/projects/{id}/api_keys`. */
export function pathTemplate(pathname: string): string {
  const parts = pathname.replace(/\/+$/, "").split("/");
  return parts.map((p, i) => (i > 0 && WITH_IDS.has(parts[i - 1]) ? "{id}" : p)).join("/");
}

/** A refusal: the status, body and headers of the 429. */
export interface Refused {
  status: 429;
  body: Json;
  headers: Record<string, string>;
}

/** The budget of every path template: a sliding log of the times of the requests it served. */
export class Budgets {
  readonly #served = new Map<string, number[]>();

  constructor(readonly budget: FakeBudget, readonly now: () => number) {}

  /** Null when the request may be served (it is counted), else the 429 to answer. */
  take(pathname: string): Refused | null {
    const { requests, window_s, retry_after } = this.budget;
    if (!requests) return null;
    const template = pathTemplate(pathname);
    const t = this.now();
    const windowMs = window_s * 1000;
    const log = this.#served.get(template) ?? [];
    while (log.length && log[0] <= t - windowMs) log.shift();
    this.#served.set(template, log);
    if (log.length < requests) {
      log.push(t);
      return null;
    }
    const headers: Record<string, string> = {};
    if (retry_after) headers["retry-after"] = String(Math.ceil((log[0] + windowMs - t) / 1000));
    return {
      status: 429,
      body: errorEnvelope(BUDGET_MESSAGE, "requests", null, "rate_limit_exceeded"),
      headers,
    };
  }
}
