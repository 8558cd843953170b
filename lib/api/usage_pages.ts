/**
 * The paging the Usage and Costs APIs share (`page` = the previous answer's `next_page`) over
 * daily buckets, with guards of its own: while `has_more`, `next_page` is a cursor never used
 * before and the page brings at least one bucket; a page holds at most `limit` buckets; a bucket
 * starts inside the window, once. After the last page the buckets must cover every day of the
 * window: an answer without the whole window (a day's bucket missing, a page cut short) would
 * make its figures short, so it fails the read like any other answer that cannot be trusted.
 */
import { ApiError } from "../core/errors.ts";
import { DAY, isoDate } from "../core/time.ts";
import type { UsageFamily } from "../core/types.ts";
import type { ApiCore, Query } from "./client.ts";
import { MAX_PAGES } from "./paging.ts";
import { check, type Scrub } from "./wire.ts";
import { USAGE_BUCKET, USAGE_PAGE } from "./shapes.ts";

/** The window a read covers: `[start, end]`, Unix seconds, whole UTC days from `start`. */
export interface UsageWindow {
  start: number;
  end: number;
  days: number;
}

/** The window of DAYS whole UTC days, today included, ending at `now` (Unix milliseconds). */
export function usageWindow(days: number, now: number): UsageWindow {
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw new RangeError(`usageWindow(): days must be 1 to 90, not ${days}`);
  }
  const end = Math.floor(now / 1000);
  return { start: Math.floor(end / DAY) * DAY - (days - 1) * DAY, end, days };
}

/** A query that failed: its family (or `costs`), how many keys it left unknown, and why. */
export interface UsageFailure {
  family: UsageFamily | "costs";
  keys: number;
  why: string;
}

/** A bucket of a page: when it starts, its raw results, and how to name it in a message. */
export interface Bucket {
  from: number;
  results: unknown[];
  label: string;
}

/** Checks the pages of one query in order, then that they covered the whole window. */
export class BucketPager {
  readonly #cursors = new Set<string>();
  readonly #buckets = new Set<number>();

  constructor(readonly o: { limit: number; window: UsageWindow; scrub: Scrub; what: string }) {}

  /** Fails the read: `Cannot <what>: <why>; the <what> cannot be trusted`. */
  fail(what: string, why: string): never {
    throw new ApiError(`Cannot ${what}: ${this.o.scrub(why)}; ${this.o.what} cannot be trusted`);
  }

  /** Checks page `n`; returns its buckets and the next cursor (null at the end). */
  page(
    body: unknown,
    what: string,
    n: number,
    maxPages: number,
  ): { buckets: Bucket[]; next: string | null } {
    const b = check(body, USAGE_PAGE, `the answer to ${what}`);
    if (n > maxPages) this.fail(what, `it goes on past ${maxPages} pages`);
    const data = b.data as unknown[];
    if (data.length > this.o.limit) {
      this.fail(
        what,
        `the page has ${data.length} buckets, more than the limit of ${this.o.limit}`,
      );
    }
    const buckets = data.map((raw, i) => this.#bucket(raw, `bucket ${i + 1} of ${what}`, what));
    if (!b.has_more) return { buckets, next: null };
    const next = b.next_page;
    if (typeof next !== "string" || next === "") {
      this.fail(what, `has_more is true but "next_page" is missing`);
    }
    if (data.length === 0) this.fail(what, "the page is empty but says has_more");
    if (this.#cursors.has(next as string)) {
      this.fail(what, `the cursor "${next}" was already used (the paging loops)`);
    }
    this.#cursors.add(next as string);
    return { buckets, next: next as string };
  }

  /** After the last page: fails unless a bucket started on every day of the window. */
  whole(what: string): void {
    const { start, end } = this.o.window;
    const missing: number[] = [];
    for (let day = start; day < end; day += DAY) if (!this.#buckets.has(day)) missing.push(day);
    if (!missing.length) return;
    const more = missing.length > 1 ? ` and ${missing.length - 1} more day(s) of the window` : "";
    this.fail(
      what,
      `the answer has no bucket for ${isoDate(missing[0])}${more}, so its figures would be short`,
    );
  }

  #bucket(raw: unknown, label: string, what: string): Bucket {
    const b = check(raw, USAGE_BUCKET, label);
    const from = b.start_time as number;
    const to = b.end_time as number;
    const { start, end, days } = this.o.window;
    if (to <= from) this.fail(what, `${label} ends (${to}) before it starts (${from})`);
    // Buckets start at the window's start or later, and not after today (a day of clock skew).
    if (from < start || from > end + DAY) {
      this.fail(
        what,
        `${label} starts at ${from}, outside the window asked for (${start} to ${end})`,
      );
    }
    if (this.#buckets.has(from)) this.fail(what, `the bucket starting at ${from} appears twice`);
    this.#buckets.add(from);
    if (this.#buckets.size > days + 1) {
      this.fail(what, `it has more than ${days + 1} daily buckets for ${days} days`);
    }
    return { from, results: b.results as unknown[], label };
  }
}

/** One query read to its end: every page through `pager`, each bucket handed to `onBucket`. */
export async function readBuckets(
  core: ApiCore,
  r: {
    name: string;
    path: string;
    query: Query;
    pager: BucketPager;
    onBucket: (b: Bucket, page: string) => void;
  },
): Promise<void> {
  let cursor: string | null = null;
  for (let n = 1;; n++) {
    const page = `${r.name} (page ${n})`;
    const got = await core.get(
      page,
      r.path,
      cursor === null ? r.query : [...r.query, ["page", cursor]],
      n === 1 ? 0 : 1,
      { refusals: true },
    );
    const body: ReturnType<BucketPager["page"]> = core.checked(() =>
      r.pager.page(got.json, page, n, core.maxPages ?? MAX_PAGES)
    );
    core.checked(() => body.buckets.forEach((b) => r.onBucket(b, page)));
    core.proven();
    if (body.next === null) return core.checked(() => r.pager.whole(r.name));
    cursor = body.next;
  }
}
