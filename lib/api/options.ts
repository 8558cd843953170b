/**
 * What an Admin API client is built from (base URL, key, fetch, clock, limits), the URLs keydrift
 * refuses to send an admin key to, and the counts a client keeps.
 */
import { UsageError } from "../errors.ts";
import type { Clock } from "./transport.ts";
import type { Scrub } from "./wire.ts";

/** How to build an Admin API client: base URL, admin key, fetch, clock, limits and retry budget */
export interface ClientOptions {
  baseURL: string;
  adminKey: string;
  fetch: typeof fetch;
  clock: Clock;
  /** Jitter source in [0, 1). */
  random: () => number;
  /** Per-request timeout in ms (the request, the status line and the whole body). */
  timeoutMs: number;
  concurrency: number;
  /** Overall deadline in ms from creation. */
  deadlineMs: number;
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
  log?: (message: string) => void;
}

/** Counts of the requests an Admin API client has sent and the retries among them */
export interface ClientStats {
  requests: number;
  retries: number;
}

/** A read may be throttled (429) this many times before it fails; the deadline bounds it too. */
export const MAX_THROTTLED_RETRIES = 30;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Refuses URLs keydrift will not send an admin key to. */
export function checkBaseURL(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api-url "${raw}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--api-url must be an http(s) URL, not "${url.protocol}"`);
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `refusing to send the admin key over plain http to "${url.hostname}"; use https (http is allowed only for loopback hosts)`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(
      "--api-url must not carry credentials, a query or a fragment (the admin key comes from OPENAI_ADMIN_KEY)",
    );
  }
  return url;
}
