/**
 * How much each key was used in the last DAYS days (SPEC 10.5, 11.3): every per-key usage family
 * of the Usage API (`GET /organization/usage/<family>`, `USAGE_FAMILIES`) grouped by
 * `api_key_id`, in whole UTC days (`bucket_width=1d`) from the start of the day DAYS-1 days before
 * today to now, and the spend of each key from the Costs API (`costs.ts`).
 *
 * Per family, one query first asks the organisation's total (no grouping, no filter): a family
 * nobody used in the window is zero for every key, and costs no more requests. A family with use is
 * then read per key, many ids per request (`api_key_ids[]`, within the URL budget). The pages of
 * each query are checked by `BucketPager` (paging guards, the whole window covered). A query that
 * fails, or whose answer cannot be trusted, leaves that family unknown for the keys it covered;
 * the other families and batches stand. A count out of range (negative, or past 2^53 - 1) or a sum
 * that leaves that range makes that key's figure for the family unknown, with why.
 */
import { append } from "../core/arrays.ts";
import { ApiError } from "../core/errors.ts";
import { grouped } from "../core/grouped.ts";
import { isoDate } from "../core/time.ts";
import { USAGE_FAMILIES, type UsageFamily } from "../core/types.ts";
import type { ApiCore, Query } from "./client.ts";
import { batchIds, batchName, enrichmentError, readFailure } from "./enrich.ts";
import { check } from "./wire.ts";
import { USAGE_RESULTS } from "./shapes.ts";
import {
  type Bucket,
  BucketPager,
  readBuckets,
  type UsageFailure,
  type UsageWindow,
  usageWindow,
} from "./usage_pages.ts";
import { readKeyCosts } from "./costs.ts";

export { type UsageFailure, type UsageWindow, usageWindow } from "./usage_pages.ts";

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

/** What the usage and costs reads say of one key. */
export interface KeyCounts {
  /** Requests summed over the families read (a lower bound while `unknown` is not empty). */
  requests: number;
  /** Requests per family, for the families with use only. */
  byFamily: Map<UsageFamily, number>;
  inputTokens: number;
  outputTokens: number;
  /** The families whose figure for this key is unknown, and why. */
  unknown: Map<UsageFamily, string>;
  /** Spend in the window, in US-dollar nano-units, or why it is unknown. */
  cost: { nanos: bigint } | { unknown: string };
}

/** Every key's counts, the window they cover, and the queries that failed. */
export interface UsageRead {
  window: UsageWindow;
  keys: Map<string, KeyCounts>;
  failures: UsageFailure[];
}

/** The API's largest `limit` for `bucket_width=1d` usage queries. */
const MAX_DAY_BUCKETS = 31;

/** The path of a family's usage. */
export const usagePath = (f: UsageFamily) => `/organization/usage/${f}`;

/** The wire counts each family's results carry: requests, then tokens in and out. */
const COUNTS: Record<UsageFamily, { requests: string; input?: string; output?: string }> = {
  completions: { requests: "num_model_requests", input: "input_tokens", output: "output_tokens" },
  embeddings: { requests: "num_model_requests", input: "input_tokens" },
  moderations: { requests: "num_model_requests", input: "input_tokens" },
  images: { requests: "num_model_requests" },
  audio_speeches: { requests: "num_model_requests" },
  audio_transcriptions: { requests: "num_model_requests" },
  file_search_calls: { requests: "num_requests" },
  web_search_calls: { requests: "num_requests" },
};

/**
 * Every key's requests per family, tokens and spend over the window. Never throws for what the
 * API answered: each failure is recorded in `failures` and on the keys it covered.
 */
export async function readKeyUsage(core: ApiCore, q: KeyUsageQuery): Promise<UsageRead> {
  const window = usageWindow(q.days, q.now);
  const ids = [...new Set(q.keyIds)];
  const keys = new Map(ids.map((id): [string, KeyCounts] => [id, {
    requests: 0,
    byFamily: new Map(),
    inputTokens: 0,
    outputTokens: 0,
    unknown: new Map(),
    cost: { nanos: 0n },
  }]));
  const read: UsageRead = { window, keys, failures: [] };
  const ctx = { core, read, ids, budget: q.urlBudget };
  await Promise.all([
    ...USAGE_FAMILIES.map((f) => readFamily(ctx, f)),
    readKeyCosts(core, { window, ids, budget: q.urlBudget }).then((costs) => {
      for (const [id, cost] of costs.byKey) keys.get(id)!.cost = cost;
      append(read.failures, costs.failures);
    }),
  ]);
  // In the families' order (then by why), whatever order the queries ended in.
  const order: readonly string[] = [...USAGE_FAMILIES, "costs"];
  const rank = (f: UsageFailure) => order.indexOf(f.family);
  read.failures.sort((a, b) => rank(a) - rank(b) || (a.why < b.why ? -1 : a.why > b.why ? 1 : 0));
  return read;
}

interface Ctx {
  core: ApiCore;
  read: UsageRead;
  ids: string[];
  budget: number | undefined;
}

/** How one family is read: its path, window, page size and what a failure leaves unknown. */
interface FamilyRead {
  family: UsageFamily;
  path: string;
  start: Query;
  limit: number;
  pager: () => BucketPager;
  unknown: (ids: readonly string[], e: unknown) => void;
}

/** One family: the organisation's total, then (when it had use) each batch of keys. */
async function readFamily(ctx: Ctx, family: UsageFamily): Promise<void> {
  const { core, read: { window } } = ctx;
  const limit = Math.min(window.days, MAX_DAY_BUCKETS);
  const what = `read ${family} usage`;
  const asError = enrichmentError(core, {
    what,
    feature: "usage",
    permission: "the usage read permission (api.usage.read)",
  });
  const f: FamilyRead = {
    family,
    path: usagePath(family),
    start: [["start_time", window.start], ["bucket_width", "1d"]],
    limit,
    pager: () => new BucketPager({ limit, window, scrub: core.scrub, what: `the ${what}` }),
    unknown: (ids, e) => {
      const why = readFailure(asError(e));
      for (const id of ids) ctx.read.keys.get(id)!.unknown.set(family, why);
      ctx.read.failures.push({ family, keys: ids.length, why });
    },
  };
  try {
    if (await orgTotal(core, f) === 0) return;
  } catch (e) {
    return f.unknown(ctx.ids, e);
  }
  await readByKey(ctx, f);
}

/** The organisation's requests in the family over the window: one query, not grouped. */
async function orgTotal(core: ApiCore, f: FamilyRead): Promise<number> {
  let total = 0;
  await readBuckets(core, {
    name: `read the organisation's ${f.family} usage`,
    path: f.path,
    query: [...f.start, ["limit", f.limit]],
    pager: f.pager(),
    onBucket: (b, page) => total = addTotal(f.family, total, b, page),
  });
  return total;
}

/** The family per key, in batches of ids within the URL budget; each batch stands alone. */
async function readByKey(ctx: Ctx, f: FamilyRead): Promise<void> {
  const { core } = ctx;
  const fixed: Query = [...f.start, ["group_by[]", "api_key_id"], ["limit", f.limit]];
  const what = `read ${f.family} usage`;
  const request = { what, path: f.path, fixed, param: "api_key_ids[]", budget: ctx.budget };
  const batches = batchIds(core, request, ctx.ids);
  await Promise.all(batches.map(async (ids, i) => {
    const sums = new Map<string, Sum>(ids.map((id) => [id, { requests: 0, input: 0, output: 0 }]));
    try {
      await readBuckets(core, {
        name: batchName(what, ids, i, batches.length),
        path: f.path,
        query: [...fixed, ...ids.map((id): [string, string] => ["api_key_ids[]", id])],
        pager: f.pager(),
        onBucket: (b, page) => addBucket(f.family, sums, b, page, core.scrub),
      });
    } catch (e) {
      return f.unknown(ids, e);
    }
    for (const [id, s] of sums) record(ctx.read.keys.get(id)!, f.family, s);
  }));
}

/** A key's counts in one family over the window, or why they are unknown. */
type Sum = { requests: number; input: number; output: number } | { unknown: string };

/** The organisation's total requests so far plus those of a bucket (not grouped). */
function addTotal(family: UsageFamily, total: number, b: Bucket, page: string): number {
  for (const [i, raw] of b.results.entries()) {
    const r = check(raw, USAGE_RESULTS[family], `result ${i + 1} of ${b.label}`);
    const wire = COUNTS[family].requests;
    const n = r[wire] as number;
    if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(total + n)) {
      throw new ApiError(
        `Cannot ${page}: the organisation's "${wire}" is ${BigInt(n)} in the bucket of ${
          isoDate(b.from)
        }, or adds up past 2^53 - 1; not a count`,
      );
    }
    total += n;
  }
  return total;
}

/** Adds a bucket's results (grouped by key, for keys asked for) into `sums`. */
function addBucket(
  family: UsageFamily,
  sums: Map<string, Sum>,
  b: Bucket,
  page: string,
  scrub: (s: string) => string,
): void {
  const seen = new Set<string>();
  const fail = (why: string): never => {
    throw new ApiError(`Cannot ${page}: ${scrub(why)}; the ${family} usage cannot be trusted`);
  };
  for (const [i, raw] of b.results.entries()) {
    const r = check(raw, USAGE_RESULTS[family], `result ${i + 1} of ${b.label}`);
    const id = r.api_key_id as string | null;
    if (id === null) fail(`a result of ${b.label} is not grouped by api_key_id`);
    const sum = sums.get(id!);
    if (!sum) fail(`it has usage of key "${id}", which was not asked for`);
    if (seen.has(id!)) fail(`${b.label} has two results for key "${id}"`);
    seen.add(id!);
    if (!("unknown" in sum!)) sums.set(id!, added(family, sum!, r, b.from));
  }
}

/** `sum` plus a result's counts, or why the key's figure is unknown (a count out of range). */
function added(
  family: UsageFamily,
  sum: { requests: number; input: number; output: number },
  r: Record<string, unknown>,
  from: number,
): Sum {
  const c = COUNTS[family];
  const fields = [["requests", c.requests], ["input", c.input], ["output", c.output]] as const;
  const next = { ...sum };
  for (const [k, wire] of fields) {
    if (wire === undefined) continue;
    const v = r[wire] as number;
    if (!Number.isSafeInteger(v) || v < 0) {
      return {
        unknown: `the usage API's "${wire}" is ${BigInt(v)} in the bucket of ${
          isoDate(from)
        }, not a count from 0 to 2^53 - 1`,
      };
    }
    if (!Number.isSafeInteger(next[k] + v)) {
      return {
        unknown: `the key's "${wire}" add up past ${
          grouped(Number.MAX_SAFE_INTEGER)
        } (2^53 - 1), beyond exact arithmetic`,
      };
    }
    next[k] += v;
  }
  return next;
}

/** A key's sum for a family, into its counts (unknown when a total would leave 2^53 - 1). */
function record(k: KeyCounts, family: UsageFamily, s: Sum): void {
  if ("unknown" in s) return void k.unknown.set(family, s.unknown);
  const totals = [k.requests + s.requests, k.inputTokens + s.input, k.outputTokens + s.output];
  if (!totals.every(Number.isSafeInteger)) {
    const past = `past ${grouped(Number.MAX_SAFE_INTEGER)} (2^53 - 1)`;
    return void k.unknown.set(family, `the key's totals with ${family} add up ${past}`);
  }
  [k.requests, k.inputTokens, k.outputTokens] = totals;
  if (s.requests > 0) k.byFamily.set(family, s.requests);
}
