/**
 * The fake OpenAI Admin API: a `Request -> Response` handler over an in-memory {@link FakeState},
 * with cursor paging, the owner_project_access filter, bearer auth, error envelopes,
 * `x-request-id`, and fault injection. It shares no code with the client.
 */

import type { FakeOrg, FakeProject, FakeState, Fault, Json } from "./types.ts";
import { timerSleep } from "../core/deps.ts";
import { bodyFault, transportFault } from "./faults.ts";
import { authenticate, uriTooLong } from "./auth.ts";
import { errorEnvelope } from "./wire.ts";
import { resolveRoute, type Route, serveRoute } from "./routes.ts";
import { Budgets } from "./budget.ts";
import { isWrite, serveWrite, writesOff } from "./writes.ts";

export type { FakeState } from "./state.ts";
export { loadState } from "./state.ts";

/** One request the fake received (for tests and benchmarks). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** In a fleet (state file `orgs:`): the org whose admin key the request carried, if any. */
  org?: string;
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

/**
 * Creates the fake over `state`. The state is used as is (not copied): with `options.writes` on,
 * the write endpoints change it.
 */
export function createFakeApi(state: FakeState, opts: FakeApiOptions = {}): FakeApi {
  return state.orgs ? new FleetServer(state, state.orgs, opts) : new FakeServer(state, opts);
}

/**
 * A fleet of organisations (issue 24): the admin key chooses the org, as at the real API, so a
 * request sees only its own org's state, faults and rate limit. The log names the org.
 */
class FleetServer implements FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly #byKey: Map<string, { name: string; server: FakeServer }>;
  readonly #none: FakeServer;

  constructor(readonly state: FakeState, orgs: readonly FakeOrg[], opts: FakeApiOptions) {
    this.#byKey = new Map(orgs.map((o) => [o.adminKey, {
      name: o.name,
      server: new FakeServer(o.state, opts),
    }]));
    this.#none = new FakeServer(state, opts);
  }

  handler = (req: Request): Promise<Response> => {
    const header = req.headers.get("authorization") ?? "";
    const org = this.#byKey.get(header.replace(/^Bearer\s+/, "").trim());
    if (org) {
      const url = new URL(req.url);
      this.requests.push({
        method: req.method,
        path: url.pathname,
        query: url.search,
        org: org.name,
      });
      return org.server.handler(req);
    }
    return this.#none.refuse(req);
  };
}

/** The fake's handler and what it keeps between requests: the log, fired faults, the bucket. */
class FakeServer implements FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly #sleep: NonNullable<FakeApiOptions["sleep"]>;
  readonly #now: () => number;
  readonly #fired = new Map<Fault, number>();
  readonly #byId: Map<string, FakeProject>;
  #seq = 0;
  #ids = 0;
  readonly #bucket: { tokens: number; at: number };
  readonly #budgets: Budgets;

  constructor(readonly state: FakeState, opts: FakeApiOptions) {
    this.#sleep = opts.sleep ?? timerSleep;
    this.#now = opts.now ?? (() => 0);
    this.#byId = new Map(state.projects.map((p) => [p.id, p]));
    this.#bucket = { tokens: state.options.rate_limit_rps, at: this.#now() };
    this.#budgets = new Budgets(state.options.budget, this.#now);
  }

  #respond = (status: number, body: Json | string, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const h = new Headers({
      "content-type": "application/json",
      "x-request-id": `req_fake_${++this.#seq}`,
      ...headers,
    });
    return new Response(text, { status, headers: h });
  };

  #rateLimited(): Response | null {
    const rps = this.state.options.rate_limit_rps;
    if (!rps) return null;
    const b = this.#bucket;
    const t = this.#now();
    b.tokens = Math.min(rps, b.tokens + ((t - b.at) / 1000) * rps);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    const waitMs = Math.ceil(((1 - b.tokens) / rps) * 1000);
    return this.#respond(
      429,
      errorEnvelope("Rate limit reached for requests", "requests", null, "rate_limit_exceeded"),
      {
        "retry-after-ms": String(waitMs),
        "retry-after": String(Math.ceil(waitMs / 1000)),
      },
    );
  }

  #faultFor(route: Route): Fault | null {
    for (const f of this.state.faults) {
      if (f.on !== "any" && f.on !== route.target) continue;
      if (f.project && f.project !== route.project?.id) continue;
      if (f.family && f.family !== route.family) continue;
      if (f.page && f.page !== route.page) continue;
      const n = this.#fired.get(f) ?? 0;
      if (f.times !== undefined && n >= f.times) continue;
      this.#fired.set(f, n + 1);
      return f;
    }
    return null;
  }

  /**
   * What the edge answers before routing: the URL limit, the rate limit, the budget of the path's
   * template, authentication.
   */
  async #edge(req: Request, url: URL, unknownKey: boolean): Promise<Response | null> {
    const o = this.state.options;
    if (o.latency_ms) await this.#sleep(o.latency_ms, req.signal);
    const max = o.max_url_bytes;
    if (max && new TextEncoder().encode(url.pathname + url.search).length > max) {
      return uriTooLong();
    }
    const limited = this.#rateLimited();
    if (limited) return limited;
    const refused = this.#budgets.take(url.pathname);
    if (refused) return this.#respond(refused.status, refused.body, refused.headers);
    const auth = authenticate(req.headers.get("authorization"), unknownKey);
    return auth ? this.#respond(401, auth) : null;
  }

  /** A write the fixes call: served only with `options.writes`, at the fake's clock. */
  async #write(req: Request, url: URL): Promise<Response> {
    if (!this.state.options.writes) {
      const off = writesOff(req.method, url.pathname);
      return this.#respond(off.status, off.body);
    }
    const ctx = {
      state: this.state,
      now: Math.max(this.state.now, Math.floor(this.#now() / 1000)),
      newId: (prefix: string) => this.#newId(prefix),
    };
    const res = serveWrite(ctx, req.method, url.pathname, await req.text());
    return this.#respond(res.status, res.body);
  }

  /** An id no object of the state has yet: `key_fake_1`, `svc_acct_fake_2`, ... */
  #newId(prefix: string): string {
    const taken = (id: string) =>
      this.state.projects.some((p) =>
        p.keys.some((k) => k.id === id) || p.service_accounts.some((s) => s.id === id)
      );
    let id: string;
    do id = `${prefix}fake_${++this.#ids}`; while (taken(id));
    return id;
  }

  handler = (req: Request): Promise<Response> => this.#handle(req, false);

  /** A fleet's answer to an admin key that belongs to none of its orgs: refused as unknown. */
  refuse = (req: Request): Promise<Response> => this.#handle(req, true);

  async #handle(req: Request, unknownKey: boolean): Promise<Response> {
    const url = new URL(req.url);
    this.requests.push({ method: req.method, path: url.pathname, query: url.search });
    const early = await this.#edge(req, url, unknownKey);
    if (early) return early;
    if (isWrite(req.method, url.pathname)) return this.#write(req, url);
    const route = resolveRoute(this.state, this.#byId, req.method, url);
    const fault = route ? this.#faultFor(route) : null;
    if (fault) {
      const broken = await transportFault(fault, req, this.#respond);
      if (broken) return broken;
    }
    const res = route ? serveRoute(this.state, url, route) : null;
    if (!res) {
      const message = `Invalid URL (${req.method} ${url.pathname})`;
      return this.#respond(404, errorEnvelope(message, "invalid_request_error", null, null));
    }
    if (!fault) return this.#respond(res.status, res.body);
    // A broken body can come with any status; shape faults only make sense on a success.
    if (res.status !== 200 && fault.kind !== "malformed" && fault.kind !== "truncated") {
      return this.#respond(res.status, res.body);
    }
    return this.#respond(res.status, bodyFault(fault, res.body, url));
  }
}
