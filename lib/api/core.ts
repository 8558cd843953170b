/**
 * The shared core every Admin API reader is built from: the request gate, the retry loop, the
 * run's deadline, cursor listings, and the rule for absence (a 404 is "no such object" only from
 * a base URL that has proven itself in this run). GET only.
 */
import { ApiError } from "../core/errors.ts";
import { Limiter } from "./limiter.ts";
import { VERSION } from "../core/version.ts";
import { PageGuard, RunBudget } from "./paging.ts";
import { classify, Refusal, refusalOf, type Verdict } from "./retry.ts";
import { getOnce } from "./transport.ts";
import { readProject } from "./wire.ts";
import {
  type ApiCore,
  checkBaseURL,
  type ClientOptions,
  type ClientStats,
  type ListOptions,
  MAX_THROTTLED_RETRIES,
  type Priority,
  type Query,
} from "./contract.ts";

/** The shared core: request gate, retries, deadline, proof of the base URL. */
export function createApiCore(o: ClientOptions): ApiCore {
  const base = checkBaseURL(o.baseURL);
  const stats: ClientStats = { requests: 0, retries: 0 };
  const limiter = new Limiter(Math.max(1, o.concurrency), o.clock);
  const deadlineAt = o.clock.now() + o.deadlineMs;
  const headers = {
    authorization: `Bearer ${o.adminKey}`,
    accept: "application/json",
    "user-agent": `keydrift/${VERSION}`,
  };
  let fatal: ApiError | null = null;
  /** Items and bytes read in this run; past the budget every read fails (no more is read). */
  const budget = new RunBudget(o.budget);
  const spend = (what: string, items: number, bytes: number) => {
    const over = budget.add(items, bytes);
    if (over) throw (fatal ??= new ApiError(`Cannot ${what}: ${over}`));
  };
  let proven = false;
  let proof: Promise<string | null> | null = null;
  /** The project ids the proving read listed (an object it lists cannot be absent). */
  const proofIds = new Set<string>();

  const url = (path: string, query: Query) => {
    const u = new URL(base.href.replace(/\/+$/, "") + path);
    for (const [k, v] of query) u.searchParams.append(k, String(v));
    return u;
  };

  /** One read with retries: the JSON of a 2xx answer, or "absent" for a real 404. */
  function get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts: { refusals: true },
  ): Promise<{ json: unknown }>;
  function get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts?: { refusals?: boolean },
  ): Promise<{ json: unknown } | { absent: string }>;
  async function get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts: { refusals?: boolean } = {},
  ): Promise<{ json: unknown } | { absent: string }> {
    const maxRetries = o.maxRetries ?? 4;
    let attempts = 0;
    let throttles = 0;
    for (;;) {
      if (fatal) throw fatal;
      const { verdict, refusal, handedOver } = await attemptOnce(what, url(path, query), {
        priority,
        retried: attempts + throttles,
        refusals: opts.refusals === true,
      });
      if (refusal) throw refusal;
      switch (verdict.kind) {
        case "ok":
          // When a waiting request took the freed slot, one turn of the event loop before this
          // answer is checked: that request goes out now, not after this page's (and its
          // project's) processing. A lone chain of pages has nothing to let go first.
          if (handedOver) await o.clock.sleep(0);
          return { json: verdict.json };
        case "absent":
          return { absent: verdict.reason };
        case "fatal":
          fatal = apiError(what, verdict.reason, verdict);
          throw fatal;
        case "fail":
          throw apiError(what, verdict.reason, verdict);
      }
      const budget = verdict.throttled ? MAX_THROTTLED_RETRIES : maxRetries;
      const used = verdict.throttled ? throttles++ : attempts++;
      const error = apiError(what, verdict.reason, verdict);
      if (used >= budget) throw error;
      if (verdict.waitMs >= deadlineAt - o.clock.now()) {
        throw new ApiError(`${error.message}; no time left to retry before the deadline`, error);
      }
      if (verdict.throttled) limiter.throttle(verdict.waitMs);
      stats.retries++;
      o.log?.(
        `retrying ${what} in ${Math.round(verdict.waitMs)} ms (${
          verdict.throttled ? "throttled" : "retry"
        } ${used + 1} of ${budget}): ${error.message}`,
      );
      await o.clock.sleep(verdict.waitMs);
    }
  }

  /**
   * One attempt in a request slot: what it means, the refusal it is (with `refusals`), and
   * whether a waiting request took the slot as it was freed.
   */
  async function attemptOnce(
    what: string,
    target: URL,
    a: { priority: Priority; retried: number; refusals: boolean },
  ): Promise<{ verdict: Verdict; refusal: Refusal | null; handedOver: boolean }> {
    await limiter.acquire(a.priority);
    let verdict: Verdict;
    let refusal: Refusal | null;
    try {
      const remaining = deadlineAt - o.clock.now();
      if (remaining <= 0) throw deadlineError(what);
      const timeoutMs = Math.min(o.timeoutMs, remaining);
      stats.requests++;
      const attempt = await getOnce(target, { fetch: o.fetch, clock: o.clock, headers, timeoutMs });
      if (attempt.kind === "response") spend(what, 0, attempt.bytes);
      if (attempt.kind === "timeout" && timeoutMs < o.timeoutMs) throw deadlineError(what);
      verdict = classify(attempt, {
        now: o.clock.now(),
        attempt: a.retried,
        random: o.random(),
        timeoutMs: o.timeoutMs,
      });
      if (verdict.kind === "ok") limiter.success();
      refusal = a.refusals ? refusalOf(what, attempt, verdict) : null;
    } catch (e) {
      limiter.release();
      throw e;
    }
    return { verdict, refusal, handedOver: limiter.release() };
  }

  function apiError(
    what: string,
    reason: string,
    v: { status: number | null; requestId?: string | null },
  ): ApiError {
    return new ApiError(`Cannot ${what}: ${(o.scrubMessage ?? o.scrub)(reason)}`, {
      status: v.status,
      requestId: v.requestId ? o.scrub(v.requestId) : null,
    });
  }

  function refused(r: Refusal): ApiError {
    const v = r.verdict;
    if (v.kind === "absent") {
      return new ApiError(`Cannot ${r.what}: ${o.scrub(v.reason)}`, { status: 404, absent: true });
    }
    if (v.kind === "ok" || v.kind === "retry") {
      return apiError(r.what, `the API answered ${r.status}`, { status: r.status });
    }
    const error = apiError(r.what, v.reason, v);
    if (v.kind === "fatal") fatal = error;
    return error;
  }

  /**
   * `f()`, a check of an answer; the message of an ApiError it throws (it may quote what the
   * server sent) gets the full scrub, as every server string does where it enters.
   */
  function checked<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ApiError) || e instanceof Refusal) throw e;
      throw new ApiError((o.scrubMessage ?? o.scrub)(e.message), e);
    }
  }

  function deadlineError(what: string): ApiError {
    return new ApiError(
      `Cannot ${what}: the run's deadline of ${o.deadlineMs / 1000} s passed (--deadline)`,
    );
  }

  /**
   * Null once the base URL has proven itself (an authenticated read that returned what was
   * asked for), else why it could not: the cheapest such read is one page of one project, a list
   * whose items are all projects (SPEC 10.1).
   */
  function proveBase(): Promise<string | null> {
    if (proven) return Promise.resolve(null);
    proof ??= (async () => {
      const what = "list projects (proving the base URL)";
      try {
        const r = await get(what, "/organization/projects", [["limit", 1]], 2);
        if ("absent" in r) return `${what} answered 404: ${r.absent}`;
        // A list of projects, not merely something list-shaped: every item must be one.
        checked(() => {
          const page = new PageGuard(1, o.scrub).page(r.json, what);
          for (const item of page.items) {
            proofIds.add(readProject(item, `an item of ${what}`, o.scrub).id);
          }
        });
        proven = true;
        return null;
      } catch (e) {
        if (e instanceof ApiError) return e.message;
        throw e;
      }
    })();
    return proof;
  }

  /** `read` of the answer, or null when the object is absent by the rule above. */
  async function readOne<T>(
    what: string,
    path: string,
    priority: Priority,
    read: (json: unknown) => T,
    listedAs?: string,
  ): Promise<T | null> {
    const r = await get(what, path, [], priority);
    if ("json" in r) {
      spend(what, 1, 0);
      const value = checked(() => read(r.json));
      proven = true;
      return value;
    }
    const unproven = await proveBase();
    if (listedAs !== undefined && proofIds.has(listedAs)) {
      throw new ApiError(
        `Cannot ${what}: ${
          o.scrub(r.absent)
        }, but its own project listing holds "${listedAs}"; keydrift cannot tell which answer is true`,
      );
    }
    if (unproven) {
      throw new ApiError(
        `Cannot ${what}: ${
          o.scrub(r.absent)
        }, but keydrift cannot take that as absence because the base URL did not prove itself: ${unproven}`,
      );
    }
    return null;
  }

  /** Every item of a listing, each checked by `read`; `stop` may end it early. */
  async function list<T>(
    what: string,
    path: string,
    query: Query,
    read: (item: unknown, what: string) => T,
    opts: ListOptions<T>,
  ): Promise<{ items: T[]; complete: boolean }> {
    const limit = Number(query.find(([k]) => k === "limit")?.[1] ?? 20);
    const guard = new PageGuard(limit, o.scrub, o.maxPages, opts.cursor);
    const items: T[] = [];
    const fetchPage = (n: number, after: string | null) =>
      get(
        `${what} (page ${n})`,
        path,
        after === null ? query : [...query, ["after", after]],
        opts.priority(n),
        { refusals: opts.refusals },
      );
    let next = fetchPage(1, null);
    for (let n = 1;; n++) {
      const page = `${what} (page ${n})`;
      const r = await next;
      if ("absent" in r) {
        throw new ApiError(`Cannot ${page}: ${o.scrub(r.absent)}`, { status: 404, absent: true });
      }
      const body = checked(() => guard.page(r.json, page));
      spend(page, body.items.length, 0);
      // The next page is asked for before this one's items are read, so that reading them
      // overlaps its round trip (a listing that may stop after them waits instead).
      const ahead = body.next !== null && !opts.stop ? fetchPage(n + 1, body.next) : null;
      try {
        checked(() => {
          for (const item of body.items) items.push(read(item, `an item of ${page}`));
        });
      } catch (e) {
        await ahead?.catch(() => undefined);
        throw e;
      }
      proven = true;
      if (body.next === null) return { items, complete: true };
      if (opts.stop?.(items, n)) return { items, complete: false };
      next = ahead ?? fetchPage(n + 1, body.next);
    }
  }

  return {
    get,
    refused,
    checked,
    readOne,
    list,
    proven: () => void (proven = true),
    href: (path, query) => url(path, query).href,
    scrub: o.scrub,
    stats,
    concurrency: limiter.max,
    maxPages: o.maxPages,
  };
}
