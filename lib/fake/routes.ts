/**
 * The fake's read routes: which object a request names (for fault targeting), and the answer the
 * state gives it. Project listings and reads, key listings and reads, members and service
 * accounts; the organisation's audit logs, admin keys and usage. The writes are `writes.ts`'s.
 */
import {
  type FakeKey,
  type FakeProject,
  type FakeState,
  type Fault,
  type Json,
  USAGE_ENDPOINTS,
  type UsageEndpoint,
} from "./types.ts";
import { serveAuditLogs } from "./audit_logs.ts";
import { serveAdminKeys } from "./admin_keys.ts";
import { serveUsage } from "./usage.ts";
import { serveCosts } from "./costs.ts";
import { badParam, cursorPage, notFound, type Served } from "./paging.ts";
import {
  errorEnvelope,
  keyObject,
  ownerAccess,
  projectObject,
  serviceAccountObject,
  userObject,
} from "./wire.ts";

/** What a request names: a fault target, its project and page, or an answer already computed. */
export interface Route {
  target: Fault["on"] | "other";
  project?: FakeProject;
  page?: number;
  /** The answer of a read-only organisation route, computed when the route is resolved. */
  served?: Served;
  /** The usage family a usage route serves (for faults that name one). */
  family?: string;
}

const ORG_ROUTE =
  /^\/v1\/organization\/(?:(audit_logs)|(admin_api_keys)(?:\/([^/]+))?|usage\/([a-z_]+)|(costs))\/?$/;
const PROJECT_ROUTE =
  /^\/v1\/organization\/projects(?:\/([^/]+)(?:\/(api_keys|users|service_accounts)(?:\/([^/]+))?)?)?\/?$/;

/** The route a request takes, or null for a URL or method the API does not serve. */
export function resolveRoute(
  state: FakeState,
  byId: ReadonlyMap<string, FakeProject>,
  method: string,
  url: URL,
): Route | null {
  const org = ORG_ROUTE.exec(url.pathname);
  if (org) return method === "GET" ? orgRoute(state, org, url.searchParams) : null;
  const m = PROJECT_ROUTE.exec(url.pathname);
  if (!m || method !== "GET") return null;
  const project = m[1] ? byId.get(decodeURIComponent(m[1])) : undefined;
  if (!m[1]) {
    const all = url.searchParams.get("include_archived") === "true";
    const listed = state.projects.filter((p) => all || p.status !== "archived");
    return { target: "projects", page: pageNumber(listed, url) };
  }
  if (!m[2]) return { target: "project", project };
  if (m[2] === "api_keys" && !m[3]) {
    const access = url.searchParams.get("owner_project_access");
    const page = project ? pageNumber(visibleKeys(state, project, access), url) : 1;
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

function visibleKeys(state: FakeState, p: FakeProject, access: string | null): FakeKey[] {
  if (access === "any") return p.keys;
  const want = access === "inactive" ? "inactive" : "active";
  return p.keys.filter((k) => ownerAccess(state, p, k) === want);
}

/**
 * Audit logs, admin keys, usage (every family of the spec; another name is no route) and costs:
 * GET only, answered from the state without side effects.
 */
function orgRoute(state: FakeState, m: RegExpExecArray, q: URLSearchParams): Route | null {
  if (m[1]) return { target: "audit_logs", ...serveAuditLogs(state.audit_log, q) };
  if (m[2]) {
    const id = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    return { target: "admin_keys", ...serveAdminKeys(state.admin_keys, q, id) };
  }
  if (m[5]) return { target: "costs", ...serveCosts(state, q) };
  const family = m[4] as UsageEndpoint;
  if (!USAGE_ENDPOINTS.includes(family)) return null;
  return { target: "usage", family, ...serveUsage(state, family, q) };
}

/** The answer to a routed (GET) request. Writes are `writes.ts`'s. */
export function serveRoute(state: FakeState, url: URL, route: Route): Served {
  if (route.served) return route.served;
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const q = url.searchParams;
  if (route.target === "projects") return projects(state, q);
  const p = route.project;
  if (!p) return notFound(`No project found with id '${parts[3]}'.`);
  if (route.target === "project") return { status: 200, body: projectObject(p) };
  const [sub, id] = [parts[4], parts[5]];
  if (sub === "api_keys") return id ? key(state, p, id) : keys(state, p, q);
  if (p.status === "archived") {
    return {
      status: 400,
      body: errorEnvelope(`Project ${p.id} is archived`, "invalid_request_error", null, null),
    };
  }
  return sub === "users" ? users(state, p, id, q) : serviceAccounts(p, id, q);
}

function projects(state: FakeState, q: URLSearchParams): Served {
  const include = q.get("include_archived");
  if (include !== null && include !== "true" && include !== "false") {
    return badParam("include_archived", `Invalid value for 'include_archived': expected a boolean`);
  }
  const items = state.projects.filter((p) => include === "true" || p.status !== "archived");
  return page(items.map(projectObject), q);
}

function keys(state: FakeState, p: FakeProject, q: URLSearchParams): Served {
  const access = q.get("owner_project_access");
  if (access !== null && !["active", "inactive", "any"].includes(access)) {
    return badParam(
      "owner_project_access",
      `Invalid value for 'owner_project_access': expected one of active, inactive, any`,
    );
  }
  return page(visibleKeys(state, p, access).map((k) => keyObject(state, p, k)), q);
}

function key(state: FakeState, p: FakeProject, id: string): Served {
  const k = p.keys.find((k) => k.id === id);
  if (!k) return notFound(`No API key found with id '${id}' in project '${p.id}'.`);
  return { status: 200, body: keyObject(state, p, k) };
}

function users(state: FakeState, p: FakeProject, id: string | undefined, q: URLSearchParams) {
  if (!id) {
    return page(p.members.map((m) => userObject(state, p, m.user)).filter((u) => u !== null), q);
  }
  const u = userObject(state, p, id);
  return u
    ? { status: 200, body: u }
    : notFound(`No user found with id '${id}' in project '${p.id}'.`);
}

function serviceAccounts(p: FakeProject, id: string | undefined, q: URLSearchParams): Served {
  if (!id) return page(p.service_accounts.map((sa) => serviceAccountObject(p, sa.id)!), q);
  const sa = serviceAccountObject(p, id);
  return sa
    ? { status: 200, body: sa }
    : notFound(`No service account found with id '${id}' in project '${p.id}'.`);
}

/** A listing's page (see {@link cursorPage}). */
function page(items: Json[], q: URLSearchParams): Served {
  return cursorPage(items, q).served;
}
