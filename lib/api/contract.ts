/**
 * The API layer's contract: what a client is built from (base URL, key, fetch, clock, limits),
 * the URLs keydrift refuses to send an admin key to, the counts a client keeps, and what the
 * shared core (`core.ts`) offers the readers built on it.
 */
import { type ApiError, UsageError } from "../core/errors.ts";
import type { ApiUse, BudgetSource } from "../core/types.ts";
import type { Budget, Cursor } from "./paging.ts";
import type { Refusal } from "./retry.ts";
import type { Clock } from "./transport.ts";
import type { Scrub } from "./wire.ts";

/** How to build an Admin API client: base URL, admin key, fetch, clock, limits and retry budget */
export interface ClientOptions {
  baseURL: string;
  adminKey: string;
  /** Where the admin key came from, as a refusal (401, 403) names it (default OPENAI_ADMIN_KEY). */
  keySource?: string;
  fetch: typeof fetch;
  clock: Clock;
  /** Jitter source in [0, 1). */
  random: () => number;
  /** Per-request timeout in ms (the request, the status line and the whole body). */
  timeoutMs: number;
  concurrency: number;
  /** Overall deadline in ms from creation. */
  deadlineMs: number;
  /**
   * Whether the deadline was given (`--deadline`): then a plan past it ends the run at once; else
   * it is a floor, and the deadline grows to the plan's estimate (issue 21).
   */
  deadlineExplicit?: boolean;
  /** Each endpoint's budget in requests a minute (`--max-rpm`); else learned from refusals. */
  maxRpm?: number | null;
  /** Where the run hears what pacing learns: the estimate of the read, and waits for the budget. */
  notice?: (n: PaceNotice) => void;
  /** Applied to every string the server sends, where it enters (removes the admin key). */
  scrub: Scrub;
  /**
   * Applied to the reasons a read failed (server messages are not compared, so secret-shaped
   * text goes too); defaults to `scrub`.
   */
  scrubMessage?: Scrub;
  /** Attempts after the first, per request (throttling has its own budget). */
  maxRetries?: number;
  /** Page cap per listing (tests lower it). */
  maxPages?: number;
  /** What the run may read in all (default `RUN_BUDGET`; tests lower it). */
  budget?: Budget;
  log?: (message: string) => void;
}

/** Counts of the requests an Admin API client has sent, the retries among them, and the 429s */
export interface ClientStats {
  requests: number;
  retries: number;
  /** Requests answered 429 (refused by a budget or a rate limit). */
  refused: number;
}

/**
 * What pacing tells the run (issue 21), as data: the estimate of the read once a budget is known
 * (requests it needs at least, about how long from now), and that requests at an endpoint now
 * wait for its budget until `untilMs`.
 */
export type PaceNotice =
  | { kind: "plan"; requests: number; ms: number; budget: number; source: BudgetSource }
  | { kind: "wait"; endpoint: string; untilMs: number; budget: number | null };

/** A read may be throttled (429) this many times before it fails; the deadline bounds it too. */
export const MAX_THROTTLED_RETRIES = 30;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Refuses URLs keydrift will not send an admin key to, or could not append a path to: `source`
 * names where the URL came from (`--api-url`, `OPENAI_BASE_URL`) in the message. A query or a
 * fragment, even an empty one (a trailing `?` or `#`), would swallow every path appended to the
 * base, so every request would go to the base itself; credentials (`user:pass@`) would be sent
 * along with the admin key.
 */
export function checkBaseURL(raw: string, source = "--api-url"): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} "${raw}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${source} must be an http(s) URL, not "${url.protocol}"`);
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `refusing to send the admin key over plain http to "${url.hostname}" (${source}); use https (http is allowed only for loopback hosts)`,
    );
  }
  // The parsed URL forgets an empty query, fragment or user info (`…/v1?`, `…/v1#`, `//@host`):
  // the text as given is what says whether one was written.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw.trim())?.[1] ?? "";
  const parts = [
    authority.includes("@") || url.username || url.password ? "credentials" : null,
    raw.includes("?") ? "a query" : null,
    raw.includes("#") ? "a fragment" : null,
  ].filter((p) => p !== null);
  if (parts.length) {
    throw new UsageError(
      `${source} must be a plain base URL such as "https://api.openai.com/v1", but it carries ${
        parts.join(" and ")
      }; remove them (the admin key comes from OPENAI_ADMIN_KEY or --admin-key-file)`,
    );
  }
  return url;
}

/** Limiter priority: 2 project reads (served first), 1 next pages, 0 first pages. */
export type Priority = 0 | 1 | 2;
/** Query parameters in the order they are sent (repeat a name for arrays: `event_types[]`). */
export type Query = [string, string | number | boolean][];

/**
 * The generic reads every Admin API reader is built from, sharing one request gate, retry
 * budget, deadline and proof of the base URL. GET only.
 */
export interface ApiCore {
  /**
   * A read with `refusals: true`: a 2xx answer's JSON. A 4xx the core does not retry is thrown as
   * a {@link Refusal} (a real 404 included, so nothing comes back as absent).
   */
  get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts: { refusals: true },
  ): Promise<{ json: unknown }>;
  /** One read with retries: the JSON of a 2xx answer, or `absent` for a real-looking 404. */
  get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts?: { refusals?: boolean },
  ): Promise<{ json: unknown } | { absent: string }>;
  /**
   * The core's reading of a {@link Refusal} a reader does not claim: the error to throw (a 401 or
   * 403 ends every read of the run, as it would have).
   */
  refused(r: Refusal): ApiError;
  /**
   * `f()`, a reader's check of an answer: the message of an ApiError it throws (it may quote what
   * the server sent) gets the full scrub. `list` and `readOne` run their `read` through it.
   */
  checked<T>(f: () => T): T;
  /** One object: `read` of the answer, or null when it is absent by the rule of SPEC 10.1. */
  readOne<T>(
    what: string,
    path: string,
    priority: Priority,
    read: (json: unknown) => T,
    /** A project id: a 404 for it contradicts a proving listing that holds it. */
    listedAs?: string,
  ): Promise<T | null>;
  /**
   * Every item of a cursor listing (`after` = the previous page's `last_id`, or its last item's
   * id with `cursor: "last_item"`), each `read`.
   */
  list<T>(
    what: string,
    path: string,
    query: Query,
    read: (item: unknown, what: string) => T,
    opts: ListOptions<T>,
  ): Promise<{ items: T[]; complete: boolean }>;
  /** The URL a read of `path` with `query` is sent to (to keep batched queries within a budget). */
  href(path: string, query: Query): string;
  /** Marks the base URL proven (a reader accepted an answer from it). */
  proven(): void;
  /**
   * Adds what a read needs, per endpoint (issue 21): states the estimate once a budget is known,
   * and throws when it passes an explicit deadline.
   */
  plan(more: ReadonlyMap<string, number>): void;
  /** The requests sent so far, per endpoint, with each endpoint's budget. */
  use(): ApiUse;
  /** Scrubs a server string of the admin key. */
  readonly scrub: Scrub;
  readonly stats: ClientStats;
  readonly concurrency: number;
  readonly maxPages: number | undefined;
}

/** Options for one paged listing: request priority, when to stop, refusal handling and cursor */
export interface ListOptions<T> {
  priority: (page: number) => Priority;
  stop?: (items: T[], page: number) => boolean;
  /** Throw refusals as {@link Refusal} for the reader to read. */
  refusals?: boolean;
  /** Where the next page's cursor comes from (default `last_id`). */
  cursor?: Cursor;
}
