/**
 * How much each key was used in the last DAYS days (SPEC 10.5, issue 13), from
 * `GET /organization/usage/completions` grouped by `api_key_id`, in whole UTC days
 * (`bucket_width=1d`) from the start of the day DAYS-1 days before today to now. Completions
 * usage covers the Chat Completions, Responses and legacy Completions APIs, where nearly all key
 * traffic goes; the other usage families (embeddings, moderations, images, audio, …) have their own
 * endpoints and result shapes and are not read.
 *
 * Paged by `page` = the previous answer's `next_page`, with guards of its own: while `has_more`,
 * `next_page` is a cursor never used before and the page brings at least one bucket; a bucket
 * starts inside the window, once; at most DAYS+1 buckets. A result that is not grouped by key, or
 * is for a key not asked for, fails the read: the server did not apply the query, and numbers from
 * it would be summed into the wrong place or not at all. A count out of range (negative, or past
 * 2^53 - 1 where numbers stop being exact) or a sum that leaves that range makes that key's usage
 * unknown, with why; the other keys' usage stands.
 */
import { append } from "../core/arrays.ts";
import { ApiError } from "../core/errors.ts";
import { grouped } from "../core/grouped.ts";
import type { KeyUsage } from "../core/types.ts";
import type { ApiCore, Query } from "./client.ts";
import { batchIds, batchName, enrichmentError } from "./enrich.ts";
import { MAX_PAGES } from "./paging.ts";
import { check, type Scrub } from "./wire.ts";
import { USAGE_BUCKET, USAGE_COMPLETIONS, USAGE_PAGE } from "./shapes.ts";

/** Which keys' usage to look up and over how many days */
export interface KeyUsageQuery {
  keyIds: readonly string[];
  /** Whole UTC days, today included: 1 to 90. */
  days: number;
  /** The run's clock, Unix milliseconds. */
  now: number;
  /** Longest URL sent (default `URL_BUDGET`). */
  urlBudget?: number;
}

/** A key whose usage cannot be told, and why (enrichment data out of range). */
export interface UnknownUsage {
  unknown: string;
}

/** The path read; README names it. */
export const USAGE_PATH = "/organization/usage/completions";
const DAY = 86_400;
/** The API's largest `limit` for `bucket_width=1d`. */
const MAX_DAY_BUCKETS = 31;

/** The window a usage read covers: `[start, now]`, Unix seconds. */
export function usageWindow(days: number, now: number): { start: number; end: number } {
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw new RangeError(`readKeyUsage(): days must be 1 to 90, not ${days}`);
  }
  const end = Math.floor(now / 1000);
  return { start: Math.floor(end / DAY) * DAY - (days - 1) * DAY, end };
}

/**
 * Each key's requests and tokens over the window; keys without usage get zeros, keys whose counts
 * are out of range an {@link UnknownUsage}. Throws `UnavailableError` when the admin key may not
 * read usage, `ApiError` when an answer cannot be trusted.
 */
export async function readKeyUsage(
  core: ApiCore,
  q: KeyUsageQuery,
): Promise<Map<string, KeyUsage | UnknownUsage>> {
  const { start, end } = usageWindow(q.days, q.now);
  const limit = Math.min(q.days, MAX_DAY_BUCKETS);
  const fixed: Query = [
    ["start_time", start],
    ["bucket_width", "1d"],
    ["group_by[]", "api_key_id"],
    ["limit", limit],
  ];
  const what = "read completions usage";
  const batches = batchIds(core, {
    what,
    path: USAGE_PATH,
    fixed,
    param: "api_key_ids[]",
    budget: q.urlBudget,
  }, q.keyIds);
  const permission = "the usage read permission (api.usage.read)";
  const asError = enrichmentError(core, { what, feature: "usage", permission });
  const totals = new Map<string, KeyUsage | UnknownUsage>(
    [...new Set(q.keyIds)].map((id) => [id, { requests: 0, input_tokens: 0, output_tokens: 0 }]),
  );
  // Once one batch fails the read has failed: the others stop at their next page.
  const run = { failed: false };
  await Promise.all(batches.map((ids, i) => {
    const name = batchName(what, ids, i, batches.length);
    const query: Query = [...fixed, ...ids.map((id): [string, string] => ["api_key_ids[]", id])];
    const pager = new UsagePager({ limit, start, end, days: q.days, scrub: core.scrub });
    return readBatch(core, { name, query, pager, totals, run }).catch((e) => {
      run.failed = true;
      throw asError(e);
    });
  }));
  return totals;
}

/** One batch's pages, added into `totals`. */
async function readBatch(
  core: ApiCore,
  b: {
    name: string;
    query: Query;
    pager: UsagePager;
    totals: Map<string, KeyUsage | UnknownUsage>;
    run: { failed: boolean };
  },
): Promise<void> {
  let cursor: string | null = null;
  for (let n = 1; !b.run.failed; n++) {
    const page = `${b.name} (page ${n})`;
    const r = await core.get(
      page,
      USAGE_PATH,
      cursor === null ? b.query : [...b.query, ["page", cursor]],
      n === 1 ? 0 : 1,
      { refusals: true },
    );
    const body: ReturnType<UsagePager["page"]> = core.checked(() =>
      b.pager.page(r.json, page, n, core.maxPages ?? MAX_PAGES)
    );
    for (const res of body.results) {
      const t = b.totals.get(res.keyId);
      if (!t) {
        b.pager.fail(
          page,
          `it has usage of key "${core.scrub(res.keyId)}", which was not asked for`,
        );
      }
      if ("unknown" in t!) continue;
      const why = res.unknown ?? addInto(t!, res);
      if (why) b.totals.set(res.keyId, { unknown: why });
    }
    core.proven();
    if (body.next === null) return;
    cursor = body.next;
  }
}

interface UsageResult extends KeyUsage {
  keyId: string;
  /** Why these counts cannot be used (out of range), or null. */
  unknown: string | null;
}

const COUNTS = [
  ["requests", "num_model_requests"],
  ["input_tokens", "input_tokens"],
  ["output_tokens", "output_tokens"],
] as const;

/**
 * Adds `r` into `t`, or says why it cannot: a sum past 2^53 - 1 is no longer exact (`t` is then
 * left as it was).
 */
function addInto(t: KeyUsage, r: KeyUsage): string | null {
  for (const [f, wire] of COUNTS) {
    if (!Number.isSafeInteger(t[f] + r[f])) {
      return `the key's "${wire}" add up past ${
        grouped(Number.MAX_SAFE_INTEGER)
      } (2^53 - 1), beyond exact arithmetic; its usage is unknown`;
    }
  }
  for (const [f] of COUNTS) t[f] += r[f];
  return null;
}

/** Checks the pages of one usage query in order (the `page` / `next_page` kind of paging). */
export class UsagePager {
  readonly #cursors = new Set<string>();
  readonly #buckets = new Set<number>();

  constructor(
    readonly o: { limit: number; start: number; end: number; days: number; scrub: Scrub },
  ) {}

  fail(what: string, why: string): never {
    throw new ApiError(`Cannot ${what}: ${this.o.scrub(why)}; the usage listing cannot be trusted`);
  }

  /** Checks page `n`; returns its results and the next cursor (null at the end). */
  page(
    body: unknown,
    what: string,
    n: number,
    maxPages: number,
  ): { results: UsageResult[]; next: string | null } {
    const b = check(body, USAGE_PAGE, `the answer to ${what}`);
    if (n > maxPages) this.fail(what, `it goes on past ${maxPages} pages`);
    const data = b.data as unknown[];
    if (data.length > this.o.limit) {
      this.fail(
        what,
        `the page has ${data.length} buckets, more than the limit of ${this.o.limit}`,
      );
    }
    const results: UsageResult[] = [];
    data.forEach((raw, i) =>
      append(results, this.#bucket(raw, `bucket ${i + 1} of ${what}`, what))
    );
    if (!b.has_more) return { results, next: null };
    const next = b.next_page;
    if (typeof next !== "string" || next === "") {
      this.fail(what, `has_more is true but "next_page" is missing`);
    }
    if (data.length === 0) this.fail(what, "the page is empty but says has_more");
    if (this.#cursors.has(next as string)) {
      this.fail(what, `the cursor "${next}" was already used (the paging loops)`);
    }
    this.#cursors.add(next as string);
    return { results, next: next as string };
  }

  #bucket(raw: unknown, label: string, what: string): UsageResult[] {
    const b = check(raw, USAGE_BUCKET, label);
    const from = b.start_time as number;
    const to = b.end_time as number;
    if (to <= from) this.fail(what, `${label} ends (${to}) before it starts (${from})`);
    // Buckets start at the window's start or later, and not after today (a day of clock skew).
    if (from < this.o.start || from > this.o.end + DAY) {
      this.fail(
        what,
        `${label} starts at ${from}, outside the window asked for (${this.o.start} to ${this.o.end})`,
      );
    }
    if (this.#buckets.has(from)) this.fail(what, `the bucket starting at ${from} appears twice`);
    this.#buckets.add(from);
    if (this.#buckets.size > this.o.days + 1) {
      this.fail(what, `it has more than ${this.o.days + 1} daily buckets for ${this.o.days} days`);
    }
    const keys = new Set<string>();
    return (b.results as unknown[]).map((r, i) => {
      const c = check(r, USAGE_COMPLETIONS, `result ${i + 1} of ${label}`);
      const keyId = c.api_key_id;
      if (keyId === null) this.fail(what, `a result of ${label} is not grouped by api_key_id`);
      if (keys.has(keyId as string)) {
        this.fail(what, `${label} has two results for key "${keyId}"`);
      }
      keys.add(keyId as string);
      return usageResult(keyId as string, c, from);
    });
  }
}

/** One key's counts in a bucket; a count out of range makes its usage unknown, with why. */
function usageResult(keyId: string, c: Record<string, unknown>, from: number): UsageResult {
  const bad = COUNTS.map(([, wire]) => wire).find((wire) =>
    !Number.isSafeInteger(c[wire]) || (c[wire] as number) < 0
  );
  return {
    keyId,
    requests: c.num_model_requests as number,
    input_tokens: c.input_tokens as number,
    output_tokens: c.output_tokens as number,
    unknown: bad === undefined
      ? null
      : `the usage API's "${bad}" is ${BigInt(c[bad] as number)} in the bucket of ${
        new Date(from * 1000).toISOString().slice(0, 10)
      }, not a count from 0 to 2^53 - 1; the key's usage is unknown`,
  };
}
