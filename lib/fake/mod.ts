/**
 * The fake OpenAI Admin API: a `Request -> Response` handler over an in-memory {@link FakeState},
 * with cursor paging, the owner_project_access filter, bearer auth, error envelopes,
 * `x-request-id`, and fault injection. It shares no code with the client.
 */

import type { FakeProject, FakeState, Fault, Json } from "./types.ts";
import { timerSleep } from "../core/deps.ts";
import { bodyFault, transportFault } from "./faults.ts";
import { authenticate, uriTooLong } from "./auth.ts";
import { serveAuditLogs } from "./audit_logs.ts";
import { serveAdminKeys } from "./admin_keys.ts";
import { serveUsage } from "./usage.ts";
import { badParam, cursorPage, notFound, type Served } from "./paging.ts";
import {
  errorEnvelope,
  keyObject,
  ownerAccess,
  projectObject,
  serviceAccountObject,
  userObject,
} from "./wire.ts";

export type { FakeState } from "./state.ts";
export { loadState } from "./state.ts";

/** One request the fake received (for tests and benchmarks). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
}

/** Options of the fake API: its clock and its sleep */
export interface FakeApiOptions {
  /** Milliseconds since the epoch (rate limiting). */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A fake Admin API: its request handler, the requests it has received, and its state */
export interface FakeApi {
  handler(req: Request): Promise<Response>;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  readonly state: FakeState;
}

interface Route {
  target: Fault["on"] | "other";
  project?: FakeProject;
  page?: number;
  /** The answer of a read-only organisation route, computed when the route is resolved. */
  served?: Served;
}

const ORG_ROUTE =
  /^\/v1\/organization\/(?:(audit_logs)|(admin_api_keys)(?:\/([^/]+))?|usage\/(completions|embeddings))\/?$/;

/** Creates the fake over `state`. The state is used as is (not copied) and may be changed by DELETE. */
export function createFakeApi(state: FakeState, opts: FakeApiOptions = {}): FakeApi {
  const sleep = opts.sleep ?? timerSleep;
  const now = opts.now ?? (() => 0);
  const requests: RecordedRequest[] = [];
  const fired = new Map<Fault, number>();
  const byId = new Map(state.projects.map((p) => [p.id, p]));
  let seq = 0;
  const bucket = { tokens: state.options.rate_limit_rps, at: now() };

  function respond(
    status: number,
    body: Json | string,
    headers: Record<string, string> = {},
  ): Response {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const h = new Headers({
      "content-type": "application/json",
      "x-request-id": `req_fake_${++seq}`,
      ...headers,
    });
    return new Response(text, { status, headers: h });
  }

  function rateLimited(): Response | null {
    const rps = state.options.rate_limit_rps;
    if (!rps) return null;
    const t = now();
    bucket.tokens = Math.min(rps, bucket.tokens + ((t - bucket.at) / 1000) * rps);
    bucket.at = t;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    const waitMs = Math.ceil(((1 - bucket.tokens) / rps) * 1000);
    return respond(
      429,
      errorEnvelope("Rate limit reached for requests", "requests", null, "rate_limit_exceeded"),
      {
        "retry-after-ms": String(waitMs),
        "retry-after": String(Math.ceil(waitMs / 1000)),
      },
    );
  }

  function faultFor(route: Route): Fault | null {
    for (const f of state.faults) {
      if (f.on !== "any" && f.on !== route.target) continue;
      if (f.project && f.project !== route.project?.id) continue;
      if (f.page && f.page !== route.page) continue;
      const n = fired.get(f) ?? 0;
      if (f.times !== undefined && n >= f.times) continue;
      fired.set(f, n + 1);
      return f;
    }
    return null;
  }

  async function handler(req: Request): Promise<Response> {
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname, query: url.search });
    if (state.options.latency_ms) await sleep(state.options.latency_ms, req.signal);
    const max = state.options.max_url_bytes;
    if (max && new TextEncoder().encode(url.pathname + url.search).length > max) {
      return uriTooLong();
    }
    const limited = rateLimited();
    if (limited) return limited;
    const auth = authenticate(req.headers.get("authorization"));
    if (auth) return respond(401, auth);
    const route = resolveRoute(req.method, url);
    const fault = route ? faultFor(route) : null;
    if (fault) {
      const early = await transportFault(fault, req, respond);
      if (early) return early;
    }
    const res = route ? serve(req.method, url, route) : null;
    if (!res) {
      return respond(
        404,
        errorEnvelope(
          `Invalid URL (${req.method} ${url.pathname})`,
          "invalid_request_error",
          null,
          null,
        ),
      );
    }
    if (!fault) return respond(res.status, res.body);
    // A broken body can come with any status; shape faults only make sense on a success.
    if (res.status !== 200 && fault.kind !== "malformed" && fault.kind !== "truncated") {
      return respond(res.status, res.body);
    }
    return respond(res.status, bodyFault(fault, res.body, url));
  }

  function resolveRoute(method: string, url: URL): Route | null {
    const org = ORG_ROUTE.exec(url.pathname);
    if (org) return method === "GET" ? orgRoute(org, url.searchParams) : null;
    const m =
      /^\/v1\/organization\/projects(?:\/([^/]+)(?:\/(api_keys|users|service_accounts)(?:\/([^/]+))?)?)?\/?$/
        .exec(
          url.pathname,
        );
    if (!m || (method !== "GET" && !(method === "DELETE" && m[2] === "api_keys" && m[3]))) {
      return null;
    }
    const project = m[1] ? byId.get(decodeURIComponent(m[1])) : undefined;
    if (!m[1]) {
      const all = url.searchParams.get("include_archived") === "true";
      const listed = state.projects.filter((p) => all || p.status !== "archived");
      return { target: "projects", page: pageNumber(listed, url) };
    }
    if (!m[2]) return { target: "project", project };
    if (m[2] === "api_keys" && !m[3]) {
      const access = url.searchParams.get("owner_project_access");
      const page = project ? pageNumber(visibleKeys(project, access), url) : 1;
      return { target: "list", project, page };
    }
    return { target: m[2] === "api_keys" ? "key" : "other", project };
  }

  /** 1-based page number of a listing of `items`, from the request's `after` cursor and `limit`. */
  function pageNumber(items: readonly { id: string }[], url: URL): number {
    const after = url.searchParams.get("after");
    if (!after) return 1;
    const limit = Number(url.searchParams.get("limit") ?? 20) || 20;
    const idx = items.findIndex((x) => x.id === after);
    return idx < 0 ? 1 : Math.floor((idx + 1) / limit) + 1;
  }

  function visibleKeys(p: FakeProject, access: string | null) {
    if (access === "any") return p.keys;
    const want = access === "inactive" ? "inactive" : "active";
    return p.keys.filter((k) => ownerAccess(state, p, k) === want);
  }

  /** Audit logs, admin keys and usage: GET only, answered from the state without side effects. */
  function orgRoute(m: RegExpExecArray, q: URLSearchParams): Route {
    if (m[1]) return { target: "audit_logs", ...serveAuditLogs(state.audit_log, q) };
    if (m[2]) {
      const id = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
      return { target: "admin_keys", ...serveAdminKeys(state.admin_keys, q, id) };
    }
    return { target: "usage", ...serveUsage(state, m[4] as "completions", q) };
  }

  function serve(method: string, url: URL, route: Route): Served | null {
    if (route.served) return route.served;
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const q = url.searchParams;
    if (route.target === "projects") {
      const include = q.get("include_archived");
      if (include !== null && include !== "true" && include !== "false") {
        return badParam(
          "include_archived",
          `Invalid value for 'include_archived': expected a boolean`,
        );
      }
      const items = state.projects.filter((p) => include === "true" || p.status !== "archived");
      return page(items.map(projectObject), q);
    }
    const p = route.project;
    if (!p) return notFound(`No project found with id '${parts[3]}'.`);
    if (route.target === "project") return { status: 200, body: projectObject(p) };
    const sub = parts[4];
    const id = parts[5];
    if (sub === "api_keys") {
      if (!id) {
        const access = q.get("owner_project_access");
        if (access !== null && !["active", "inactive", "any"].includes(access)) {
          return badParam(
            "owner_project_access",
            `Invalid value for 'owner_project_access': expected one of active, inactive, any`,
          );
        }
        return page(visibleKeys(p, access).map((k) => keyObject(state, p, k)), q);
      }
      const idx = p.keys.findIndex((k) => k.id === id);
      if (idx < 0) return notFound(`No API key found with id '${id}' in project '${p.id}'.`);
      if (method === "DELETE") {
        p.keys.splice(idx, 1);
        return {
          status: 200,
          body: { object: "organization.project.api_key.deleted", id, deleted: true },
        };
      }
      return { status: 200, body: keyObject(state, p, p.keys[idx]) };
    }
    if (p.status === "archived") {
      return {
        status: 400,
        body: errorEnvelope(`Project ${p.id} is archived`, "invalid_request_error", null, null),
      };
    }
    if (sub === "users") {
      if (!id) {
        return page(
          p.members.map((m) => userObject(state, p, m.user)).filter((u) => u !== null),
          q,
        );
      }
      const u = userObject(state, p, id);
      return u
        ? { status: 200, body: u }
        : notFound(`No user found with id '${id}' in project '${p.id}'.`);
    }
    if (!id) return page(p.service_accounts.map((sa) => serviceAccountObject(p, sa.id)!), q);
    const sa = serviceAccountObject(p, id);
    return sa
      ? { status: 200, body: sa }
      : notFound(`No service account found with id '${id}' in project '${p.id}'.`);
  }

  return { handler, requests, state };
}

/** A listing's page (see {@link cursorPage}). */
function page(items: Json[], q: URLSearchParams): Served {
  return cursorPage(items, q).served;
}
