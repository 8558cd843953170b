/**
 * The shared core every Admin API reader is built from: the request gate, the retry loop, the
 * run's deadline, cursor listings, and the rule for absence (a 404 is "no such object" only from
 * a base URL that has proven itself in this run). GET only.
 *
 * One {@link ApiSession} owns the run's state: the limiter, the pacing to the API's budget per
 * endpoint (`pacing.ts`), the counts, the run budget, the fatal error that ends every read, and
 * the proof of the base URL.
 */
import { ApiError } from "../core/errors.ts";
import { Limiter } from "./limiter.ts";
import { VERSION } from "../core/version.ts";
import { PageGuard, RunBudget } from "./paging.ts";
import { type Got, listAll } from "./listing.ts";
import { classify, Refusal, refusalOf, retryAfterMs, type Verdict } from "./retry.ts";
import { getOnce } from "./transport.ts";
import { Pacing } from "./pacing.ts";
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
  return new ApiSession(o);
}

type Attempt = {
  verdict: Verdict;
  refusal: Refusal | null;
  handedOver: boolean;
  /** Refused by the endpoint's budget: it waits for the budget, then asks again. */
  budgeted: boolean;
};

/** The run's reads of the Admin API, and the state they share. */
class ApiSession implements ApiCore {
  readonly stats: ClientStats = { requests: 0, retries: 0, refused: 0 };
  readonly concurrency: number;
  readonly maxPages: number | undefined;
  readonly scrub: ClientOptions["scrub"];
  readonly #o: ClientOptions;
  readonly #base: URL;
  readonly #limiter: Limiter;
  readonly #pacing: Pacing;
  readonly #headers: Record<string, string>;
  /** Items and bytes read in this run; past the budget every read fails (no more is read). */
  readonly #budget: RunBudget;
  /** An error that ends every read of the run (a 401, a 403, the budget). */
  #fatal: ApiError | null = null;
  #proven = false;
  #proof: Promise<string | null> | null = null;
  /** The project ids the proving read listed (an object it lists cannot be absent). */
  readonly #proofIds = new Set<string>();

  constructor(o: ClientOptions) {
    this.#o = o;
    this.#base = checkBaseURL(o.baseURL);
    this.#limiter = new Limiter(Math.max(1, o.concurrency), o.clock, () => this.#pacing.deadline());
    this.#pacing = new Pacing({
      clock: o.clock,
      concurrency: o.concurrency,
      maxRpm: o.maxRpm ?? null,
      deadlineMs: o.deadlineMs,
      deadlineExplicit: o.deadlineExplicit ?? true,
      notice: o.notice,
      log: o.log,
    });
    this.#headers = {
      authorization: `Bearer ${o.adminKey}`,
      accept: "application/json",
      "user-agent": `keydrift/${VERSION}`,
    };
    this.#budget = new RunBudget(o.budget);
    this.concurrency = this.#limiter.max;
    this.maxPages = o.maxPages;
    this.scrub = o.scrub;
  }

  href(path: string, query: Query): string {
    return this.#url(path, query).href;
  }

  proven(): void {
    this.#proven = true;
  }

  plan(more: ReadonlyMap<string, number>): void {
    this.#pacing.plan(more);
  }

  use() {
    return this.#pacing.use(this.stats.retries);
  }

  #url(path: string, query: Query): URL {
    const u = new URL(this.#base.href.replace(/\/+$/, "") + path);
    for (const [k, v] of query) u.searchParams.append(k, String(v));
    return u;
  }

  /** Counts what a read brought against the run's budget; past it, every read fails. */
  spend(what: string, items: number, bytes: number): void {
    const over = this.#budget.add(items, bytes);
    if (over) throw (this.#fatal ??= new ApiError(`Cannot ${what}: ${over}`));
  }

  /** One read with retries: the JSON of a 2xx answer, or "absent" for a real 404. */
  get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts: { refusals: true },
  ): Promise<{ json: unknown }>;
  get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts?: { refusals?: boolean },
  ): Promise<Got>;
  async get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts: { refusals?: boolean } = {},
  ): Promise<Got> {
    const tries = { attempts: 0, throttles: 0 };
    for (;;) {
      if (this.#fatal) throw this.#fatal;
      const retried = tries.attempts + tries.throttles;
      const refusals = opts.refusals === true;
      const target = this.#url(path, query);
      const a = await this.#attempt(what, target, path, { priority, retried, refusals });
      if (a.refusal) throw a.refusal;
      const done = await this.#settle(what, a);
      if (done) return done;
      if (a.budgeted) {
        // Refused by the endpoint's budget: the read waits in the endpoint's queue.
        this.stats.retries++;
        this.#pacing.refused(what, path);
      } else await this.#retryAfter(what, a.verdict as Extract<Verdict, { kind: "retry" }>, tries);
    }
  }

  /** What an attempt's verdict comes to: the answer, an error thrown, or null to retry. */
  async #settle(what: string, a: Attempt): Promise<Got | null> {
    const v = a.verdict;
    switch (v.kind) {
      case "ok":
        // When a waiting request took the freed slot, one turn of the event loop before this
        // answer is checked: that request goes out now, not after this page's (and its
        // project's) processing. A lone chain of pages has nothing to let go first.
        if (a.handedOver) await this.#o.clock.sleep(0);
        return { json: v.json };
      case "absent":
        return { absent: v.reason };
      case "fatal":
        this.#fatal = this.#error(what, v.reason, v);
        throw this.#fatal;
      case "fail":
        throw this.#error(what, v.reason, v);
    }
    return null;
  }

  /** Waits out a retryable answer, or throws when the retries or the deadline are spent. */
  async #retryAfter(
    what: string,
    v: Extract<Verdict, { kind: "retry" }>,
    tries: { attempts: number; throttles: number },
  ): Promise<void> {
    const budget = v.throttled ? MAX_THROTTLED_RETRIES : (this.#o.maxRetries ?? 4);
    const used = v.throttled ? tries.throttles++ : tries.attempts++;
    const error = this.#error(what, v.reason, v);
    if (used >= budget) throw error;
    if (v.waitMs >= this.#pacing.deadline() - this.#o.clock.now()) {
      throw new ApiError(`${error.message}; no time left to retry before the deadline`, error);
    }
    if (v.throttled) this.#limiter.throttle(v.waitMs);
    this.stats.retries++;
    this.#o.log?.(
      `retrying ${what} in ${Math.round(v.waitMs)} ms (${v.throttled ? "throttled" : "retry"} ${
        used + 1
      } of ${budget}): ${error.message}`,
    );
    await this.#o.clock.sleep(v.waitMs);
  }

  /**
   * One attempt in a request slot, once the endpoint's budget lets it start: what it means, the
   * refusal it is (with `refusals`), whether the budget refused it, and whether a waiting request
   * took the slot as it was freed.
   */
  async #attempt(
    what: string,
    target: URL,
    path: string,
    a: { priority: Priority; retried: number; refusals: boolean },
  ): Promise<Attempt> {
    const o = this.#o;
    const place = await this.#slot(what, path, a.priority);
    let verdict: Verdict;
    let refusal: Refusal | null;
    try {
      const remaining = this.#pacing.deadline() - o.clock.now();
      if (remaining <= 0) throw this.#deadlineError(what);
      place.sent = true;
      const timeoutMs = Math.min(o.timeoutMs, remaining);
      this.stats.requests++;
      const got = { fetch: o.fetch, clock: o.clock, headers: this.#headers, timeoutMs };
      const attempt = await getOnce(target, { ...got, onHead: place.onHead });
      place.endpoint.settle(place.ticket, null, null);
      if (attempt.kind === "response") this.spend(what, 0, attempt.bytes);
      if (attempt.kind === "timeout" && timeoutMs < o.timeoutMs) throw this.#deadlineError(what);
      const at = { now: o.clock.now(), attempt: a.retried, random: o.random() };
      verdict = classify(attempt, { ...at, timeoutMs: o.timeoutMs, keySource: o.keySource });
      if (verdict.kind === "ok") this.#limiter.success();
      refusal = a.refusals ? refusalOf(what, attempt, verdict) : null;
    } catch (e) {
      if (place.sent) place.endpoint.settle(place.ticket, null, null);
      else place.endpoint.cancel(place.ticket);
      this.#limiter.release();
      throw e;
    }
    const handedOver = this.#limiter.release();
    return { verdict, refusal, handedOver, budgeted: place.budgeted };
  }

  /**
   * A request slot for a read of `path` once its endpoint's budget lets it start, and what settles
   * its place there: the status line, before the body is read (so a refusal stops the next request
   * to that endpoint even when answers arrive together).
   */
  async #slot(what: string, path: string, priority: Priority) {
    if (this.#fatal) throw this.#fatal;
    const { endpoint, ticket } = await this.#pacing.slot(what, path, priority, this.#limiter)
      .catch((e) => {
        if (e === this.#pacing.overdue) this.#fatal = e;
        throw e;
      });
    const place = {
      endpoint,
      ticket,
      sent: false,
      budgeted: false,
      onHead: (status: number, headers: Headers) => {
        if (status === 429) this.stats.refused++;
        const asked = status === 429 ? retryAfterMs(headers, this.#o.clock.now()) : null;
        place.budgeted = endpoint.settle(ticket, status, asked);
      },
    };
    return place;
  }

  #error(what: string, reason: string, v: { status: number | null; requestId?: string | null }) {
    return new ApiError(`Cannot ${what}: ${(this.#o.scrubMessage ?? this.scrub)(reason)}`, {
      status: v.status,
      requestId: v.requestId ? this.scrub(v.requestId) : null,
    });
  }

  refused(r: Refusal): ApiError {
    const v = r.verdict;
    if (v.kind === "absent") {
      return new ApiError(`Cannot ${r.what}: ${this.scrub(v.reason)}`, {
        status: 404,
        absent: true,
      });
    }
    if (v.kind === "ok" || v.kind === "retry") {
      return this.#error(r.what, `the API answered ${r.status}`, { status: r.status });
    }
    const error = this.#error(r.what, v.reason, v);
    if (v.kind === "fatal") this.#fatal = error;
    return error;
  }

  /**
   * `f()`, a check of an answer; the message of an ApiError it throws (it may quote what the
   * server sent) gets the full scrub, as every server string does where it enters.
   */
  checked<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ApiError) || e instanceof Refusal) throw e;
      throw new ApiError((this.#o.scrubMessage ?? this.scrub)(e.message), e);
    }
  }

  #deadlineError(what: string): ApiError {
    if (this.#pacing.overdue) return (this.#fatal ??= this.#pacing.overdue);
    return new ApiError(
      `Cannot ${what}: the run's deadline of ${this.#pacing.deadlineSeconds()} s passed (--deadline)`,
    );
  }

  /**
   * Null once the base URL has proven itself (an authenticated read that returned what was
   * asked for), else why it could not: the cheapest such read is one page of one project, a list
   * whose items are all projects (SPEC 10.1).
   */
  #proveBase(): Promise<string | null> {
    if (this.#proven) return Promise.resolve(null);
    return this.#proof ??= this.#prove();
  }

  async #prove(): Promise<string | null> {
    const what = "list projects (proving the base URL)";
    try {
      const r = await this.get(what, "/organization/projects", [["limit", 1]], 2);
      if ("absent" in r) return `${what} answered 404: ${r.absent}`;
      // A list of projects, not merely something list-shaped: every item must be one.
      this.checked(() => {
        const page = new PageGuard(1, this.scrub).page(r.json, what);
        for (const item of page.items) {
          this.#proofIds.add(readProject(item, `an item of ${what}`, this.scrub).id);
        }
      });
      this.#proven = true;
      return null;
    } catch (e) {
      if (e instanceof ApiError) return e.message;
      throw e;
    }
  }

  /** `read` of the answer, or null when the object is absent by the rule above. */
  async readOne<T>(
    what: string,
    path: string,
    priority: Priority,
    read: (json: unknown) => T,
    listedAs?: string,
  ): Promise<T | null> {
    const r = await this.get(what, path, [], priority);
    if ("json" in r) {
      this.spend(what, 1, 0);
      const value = this.checked(() => read(r.json));
      this.#proven = true;
      return value;
    }
    const unproven = await this.#proveBase();
    const absent = this.scrub(r.absent);
    if (listedAs !== undefined && this.#proofIds.has(listedAs)) {
      throw new ApiError(
        `Cannot ${what}: ${absent}, but its own project listing holds "${listedAs}"; keydrift cannot tell which answer is true`,
      );
    }
    if (unproven) {
      throw new ApiError(
        `Cannot ${what}: ${absent}, but keydrift cannot take that as absence because the base URL did not prove itself: ${unproven}`,
      );
    }
    return null;
  }

  /** Every item of a listing, each checked by `read`; `stop` may end it early. */
  list<T>(
    what: string,
    path: string,
    query: Query,
    read: (item: unknown, what: string) => T,
    opts: ListOptions<T>,
  ): Promise<{ items: T[]; complete: boolean }> {
    return listAll(this, { what, path, query, read, opts });
  }

  /** A listing has one more page than its plan counted: the plan grows (it may now end the run). */
  morePages(path: string): void {
    try {
      this.#pacing.plan(new Map([[this.#pacing.endpoint(path).name, 1]]));
    } catch (e) {
      throw (this.#fatal ??= e as ApiError);
    }
  }
}
