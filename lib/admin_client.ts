/**
 * The only door to the OpenAI Admin API. Uses the official `openai` SDK (admin resources) for
 * transport, with `fetch` injected; adds fail-closed paging, response validation, shared
 * throttling, retries with backoff that honours `retry-after`, and an overall deadline.
 * Sends GET requests only.
 */
import { ApiError, UsageError } from "./errors.ts";
import { Limiter } from "./limiter.ts";
import { parseKey, parseProject, type WireProject } from "./wire.ts";
import type { LiveKey } from "./types.ts";

export type { WireProject } from "./wire.ts";

export interface ClientOptions {
  baseURL: string;
  adminKey: string;
  fetch: typeof fetch;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  concurrency: number;
  /** Overall deadline in ms from creation. */
  deadlineMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  random?: () => number;
  /** Attempts after the first, per request. */
  maxRetries?: number;
  log?: (message: string) => void;
}

export interface ClientStats {
  requests: number;
  retries: number;
}

export interface AdminClient {
  /** The project, or null when the API answers 404. */
  retrieveProject(id: string): Promise<WireProject | null>;
  /** Every project (paged), optionally stopping once `wanted` ids have all been seen. */
  listProjects(
    opts: { includeArchived: boolean; wanted?: ReadonlySet<string>; maxPages?: number },
  ): Promise<{
    projects: WireProject[];
    complete: boolean;
  }>;
  /** Every key of a project, `owner_project_access=any`, 100 per page, to the end. */
  listKeys(projectId: string): Promise<LiveKey[]>;
  /** One key, or null when the API answers 404. */
  retrieveKey(projectId: string, keyId: string): Promise<LiveKey | null>;
  readonly stats: ClientStats;
  /** Requests allowed in flight at once (`--concurrency`). */
  readonly concurrency: number;
  close(): void;
}

/** Longest `retry-after` keydrift will honour; the official SDK uses the same ceiling. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** A read may be throttled (429) this many times before it fails; the deadline bounds it too. */
export const MAX_THROTTLED_RETRIES = 30;
const MAX_PAGES = 10_000;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Refuses URLs keydrift will not send an admin key to. */
export function checkBaseURL(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api-url "${raw}" is not a valid URL`);
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `refusing to send the admin key over plain http to "${url.hostname}"; use https (http is allowed only for loopback hosts)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--api-url must be an http(s) URL, not "${url.protocol}"`);
  }
  return url;
}

type Sdk = typeof import("openai");

/**
 * Starts loading the SDK without waiting for it, so that it loads while the manifest is read
 * and parsed; {@link createAdminClient} then finds it (mostly) ready. Failures surface there.
 */
export function preloadSdk(): void {
  import("openai").catch(() => undefined);
}

/** Creates the client. Loads the SDK lazily so that offline commands start fast. */
export async function createAdminClient(opts: ClientOptions): Promise<AdminClient> {
  checkBaseURL(opts.baseURL);
  const sdk: Sdk = await import("openai");
  const stats: ClientStats = { requests: 0, retries: 0 };
  const guardedFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET"))
      .toUpperCase();
    if (method !== "GET") {
      return Promise.reject(new Error(`keydrift sends GET requests only (refused ${method})`));
    }
    stats.requests++;
    return opts.fetch(input, init);
  };
  const client = new sdk.default({
    adminAPIKey: opts.adminKey,
    apiKey: null,
    baseURL: opts.baseURL,
    fetch: guardedFetch,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: "off",
  });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.deadlineMs);
  const limiter = new Limiter(Math.max(1, opts.concurrency), { now: opts.now, sleep: opts.sleep });
  const started = opts.now();
  const ctx: CallContext = {
    sdk,
    opts,
    stats,
    limiter,
    signal: deadline.signal,
    started,
    fatal: null,
  };
  const keys = client.admin.organization.projects.apiKeys;
  const projects = client.admin.organization.projects;

  return {
    stats,
    concurrency: limiter.max,
    close: () => clearTimeout(timer),
    async retrieveProject(id) {
      const raw = await call(
        ctx,
        `read project "${id}"`,
        (o) => projects.retrieve(id, o).asResponse(),
        true,
        2,
      );
      return raw === null ? null : parseProject(raw, `project "${id}"`);
    },
    async listProjects({ includeArchived, wanted, maxPages }) {
      const out: WireProject[] = [];
      const seen = new Set<string>();
      const unseen = new Set(wanted ?? []);
      let after: string | undefined;
      for (let n = 1;; n++) {
        const what = `list projects (page ${n})`;
        const query = {
          limit: 100,
          include_archived: includeArchived,
          ...(after ? { after } : {}),
        };
        const body = await call(
          ctx,
          what,
          (o) => projects.list(query, o).asResponse(),
          false,
          2,
        );
        const page = checkPage(body, what, seen);
        for (const item of page.items) {
          const p = parseProject(item, `an item of ${what}`);
          out.push(p);
          unseen.delete(p.id);
        }
        if (!page.next) return { projects: out, complete: true };
        if (wanted && unseen.size === 0) return { projects: out, complete: false };
        if (maxPages !== undefined && n >= maxPages) return { projects: out, complete: false };
        after = page.next;
      }
    },
    async listKeys(projectId) {
      const out: LiveKey[] = [];
      const seen = new Set<string>();
      let after: string | undefined;
      for (let n = 1;; n++) {
        const what = `list keys of project "${projectId}" (page ${n})`;
        const query = {
          owner_project_access: "any" as const,
          limit: 100,
          ...(after ? { after } : {}),
        };
        const body = await call(
          ctx,
          what,
          (o) => keys.list(projectId, query, o).asResponse(),
          false,
          n === 1 ? 0 : 1,
        );
        const page = checkPage(body, what, seen);
        for (const item of page.items) out.push(parseKey(item, `a key in ${what}`));
        if (!page.next) return out;
        after = page.next;
      }
    },
    async retrieveKey(projectId, keyId) {
      const what = `read key "${keyId}" of project "${projectId}"`;
      const raw = await call(
        ctx,
        what,
        (o) => keys.retrieve(keyId, { project_id: projectId }, o).asResponse(),
        true,
        1,
      );
      return raw === null ? null : parseKey(raw, what);
    },
  };
}

interface CallContext {
  sdk: Sdk;
  opts: ClientOptions;
  stats: ClientStats;
  limiter: Limiter;
  signal: AbortSignal;
  started: number;
  /** Set after a 401/403: every later call fails the same way without a request. */
  fatal: ApiError | null;
}

type RequestOpts = { signal: AbortSignal; timeout: number };

/**
 * Runs one read with retries. Returns the parsed JSON body, or null for a 404 when `nullOn404`.
 * Throws ApiError naming what could not be read.
 */
async function call(
  ctx: CallContext,
  what: string,
  send: (o: RequestOpts) => PromiseLike<Response>,
  nullOn404: boolean,
  priority: 0 | 1 | 2 = 0,
): Promise<unknown> {
  const { opts, limiter } = ctx;
  const maxRetries = opts.maxRetries ?? 4;
  // Throttling (429) is the API pacing us, not failing: it has its own, larger budget, and the
  // deadline bounds it. `attempt` counts the other failures.
  let attempt = 0;
  let throttles = 0;
  for (;;) {
    if (ctx.fatal) throw ctx.fatal;
    if (ctx.signal.aborted) throw deadlineError(ctx, what);
    await limiter.acquire(priority);
    let outcome: Outcome;
    try {
      if (ctx.signal.aborted) throw deadlineError(ctx, what);
      const res = await send({ signal: ctx.signal, timeout: opts.timeoutMs });
      const body = JSON.parse(await res.text());
      limiter.success();
      return body;
    } catch (e) {
      outcome = classify(ctx, e, what, attempt + throttles);
    } finally {
      limiter.release();
    }
    if (outcome.kind === "not_found" && nullOn404) return null;
    if (outcome.kind === "fatal") {
      ctx.fatal = outcome.error;
      throw outcome.error;
    }
    if (outcome.kind !== "retry") throw outcome.error;
    const budget = outcome.throttled ? MAX_THROTTLED_RETRIES : maxRetries;
    const used = outcome.throttled ? throttles++ : attempt++;
    if (used >= budget) throw outcome.error;
    const remaining = opts.deadlineMs - (opts.now() - ctx.started);
    if (outcome.waitMs >= remaining) {
      throw new ApiError(
        `${outcome.error.message}; no time left to retry before the deadline`,
        outcome.error,
      );
    }
    if (outcome.throttled) limiter.throttle(outcome.waitMs);
    ctx.stats.retries++;
    opts.log?.(
      `retrying ${what} in ${Math.round(outcome.waitMs)} ms (${
        outcome.throttled ? "throttled" : "retry"
      } ${used + 1} of ${budget}): ${outcome.error.message}`,
    );
    await opts.sleep(outcome.waitMs);
  }
}

type Outcome =
  | { kind: "retry"; error: ApiError; waitMs: number; throttled: boolean }
  | { kind: "fatal" | "fail" | "not_found"; error: ApiError };

function deadlineError(ctx: CallContext, what: string): ApiError {
  return new ApiError(
    `Cannot ${what}: the run's deadline of ${ctx.opts.deadlineMs / 1000} s passed (--deadline)`,
  );
}

/** Sorts an error into retry (with a wait), fatal (auth), 404, or plain failure. */
function classify(ctx: CallContext, e: unknown, what: string, attempt: number): Outcome {
  const { sdk, opts } = ctx;
  const backoff = () =>
    Math.min(500 * 2 ** attempt, 8000) * (1 - (opts.random ?? Math.random)() * 0.25);
  if (ctx.signal.aborted) return { kind: "fail", error: deadlineError(ctx, what) };
  if (e instanceof sdk.APIConnectionTimeoutError) {
    const error = new ApiError(
      `Cannot ${what}: no response within ${opts.timeoutMs / 1000} s (--timeout)`,
    );
    return { kind: "retry", error, waitMs: backoff(), throttled: false };
  }
  if (e instanceof sdk.APIConnectionError) {
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.name === "NotCapable") {
      return {
        kind: "fatal",
        error: new ApiError(
          `Cannot ${what}: network access is not permitted (${
            firstLine(cause.message)
          }); widen --allow-net`,
        ),
      };
    }
    const detail = cause instanceof Error ? firstLine(cause.message) : "connection failed";
    return {
      kind: "retry",
      error: new ApiError(`Cannot ${what}: network error (${detail})`),
      waitMs: backoff(),
      throttled: false,
    };
  }
  if (e instanceof sdk.APIError && typeof e.status === "number") {
    const status = e.status;
    const requestId = e.requestID ?? null;
    const rid = requestId ? ` (request id ${requestId})` : "";
    const apiMessage = typeof e.error === "object" && e.error && "message" in e.error
      ? String((e.error as { message: unknown }).message)
      : "";
    const detail = apiMessage ? `: ${firstLine(apiMessage)}` : "";
    const info = { status, code: e.code ?? null, requestId };
    if (status === 401 || status === 403) {
      return {
        kind: "fatal",
        error: new ApiError(
          `Cannot ${what}: the API answered ${status}${rid}${detail}; the key in OPENAI_ADMIN_KEY must be an admin key (sk-admin-…) with api.management.read`,
          info,
        ),
      };
    }
    if (status === 404 && apiMessage) {
      return {
        kind: "not_found",
        error: new ApiError(`Cannot ${what}: the API answered 404${rid}${detail}`, info),
      };
    }
    if (status === 404) {
      // Without the API's error body this is not the API saying "no such thing" (a proxy, a
      // wrong --api-url, a cut-off body): never read it as absence. Retried, then a failure.
      return {
        kind: "retry",
        error: new ApiError(
          `Cannot ${what}: the API answered 404${rid} without an OpenAI error body (check --api-url)`,
          info,
        ),
        waitMs: backoff(),
        throttled: false,
      };
    }
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const error = new ApiError(`Cannot ${what}: the API answered ${status}${rid}${detail}`, info);
    if (!retryable) return { kind: "fail", error };
    const asked = retryAfterMs(e.headers, opts.now());
    if (asked !== null && asked > MAX_RETRY_AFTER_MS) {
      const msg = `${error.message}; it asked to wait ${
        Math.round(asked / 1000)
      } s, over keydrift's ${MAX_RETRY_AFTER_MS / 1000} s limit`;
      return { kind: "fail", error: new ApiError(msg, info) };
    }
    return { kind: "retry", error, waitMs: asked ?? backoff(), throttled: status === 429 };
  }
  if (e instanceof SyntaxError) {
    return {
      kind: "retry",
      error: new ApiError(`Cannot ${what}: the API sent a body that is not valid JSON`),
      waitMs: backoff(),
      throttled: false,
    };
  }
  if (e instanceof TypeError) {
    return {
      kind: "retry",
      error: new ApiError(
        `Cannot ${what}: the connection broke while reading the answer (${firstLine(e.message)})`,
      ),
      waitMs: backoff(),
      throttled: false,
    };
  }
  if (e instanceof ApiError) return { kind: "fail", error: e };
  const message = e instanceof Error ? firstLine(e.message) : String(e);
  return { kind: "fail", error: new ApiError(`Cannot ${what}: ${message}`) };
}

/** `retry-after-ms` (ms), else `retry-after` (seconds or HTTP date), as ms; null when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers?.get("retry-after");
  if (!ra) return null;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function firstLine(s: string): string {
  return s.split("\n")[0].slice(0, 300);
}

interface Page {
  items: unknown[];
  next: string | null;
}

/** Fail-closed page checks: a boolean has_more, a usable fresh cursor, no repeated ids. */
function checkPage(body: unknown, what: string, seen: Set<string>): Page {
  const fail = (why: string) => {
    throw new ApiError(`Cannot ${what}: ${why}; the listing cannot be trusted`);
  };
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    fail("the answer is not a JSON list object");
  }
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.data)) fail(`"data" is not an array`);
  if (typeof b.has_more !== "boolean") fail(`the page has no boolean "has_more"`);
  const items = b.data as unknown[];
  for (const item of items) {
    const id = (item as { id?: unknown })?.id;
    if (typeof id === "string") {
      if (seen.has(id)) fail(`item "${id}" appears twice`);
      seen.add(id);
    }
  }
  if (!b.has_more) return { items, next: null };
  if (items.length === 0) fail(`the page is empty but says has_more`);
  if (typeof b.last_id !== "string" || b.last_id === "") {
    fail(`has_more is true but "last_id" is missing`);
  }
  const next = b.last_id as string;
  const cursorKey = `cursor:${next}`;
  if (seen.has(cursorKey)) fail(`the cursor "${next}" was already used (the paging loops)`);
  seen.add(cursorKey);
  if (seen.size > MAX_PAGES * 101) fail(`more than ${MAX_PAGES} pages`);
  return { items, next };
}
