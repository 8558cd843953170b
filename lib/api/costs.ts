/**
 * What each key cost over the usage window (SPEC 11.3), from `GET /organization/costs` grouped by
 * `api_key_id` and filtered by `api_key_ids[]` (batched within the URL budget), in daily buckets
 * (the only width the Costs API has; `limit` up to 180, so one page for up to 90 days). Each
 * result's `amount` is a decimal `value` in a lowercase ISO-4217 `currency`; amounts are summed per
 * key and currency in integer nano-units (`core/money.ts`), never as floating point.
 *
 * keydrift reports spend in US dollars: a key whose costs come in another currency, or in more
 * than one, has an unknown spend, with why (nothing is converted). A query that fails or answers
 * without the whole window leaves the spend of the keys it covered unknown; an amount out of range
 * leaves that key's unknown. A result not grouped by key, or for a key not asked for, fails the
 * query (the server did not apply it), as in the usage reads.
 */
import { ApiError } from "../core/errors.ts";
import { toNanos } from "../core/money.ts";
import { isoDate } from "../core/time.ts";
import type { ApiCore, Query } from "./client.ts";
import { batchIds, batchName, enrichmentError, readFailure } from "./enrich.ts";
import { check, type Scrub } from "./wire.ts";
import { COSTS_AMOUNT, COSTS_RESULT } from "./shapes.ts";
import {
  type Bucket,
  BucketPager,
  readBuckets,
  type UsageFailure,
  type UsageWindow,
} from "./usage_pages.ts";

/** The path read. */
export const COSTS_PATH = "/organization/costs";
/** The Costs API's largest `limit` (daily buckets). */
const MAX_COST_BUCKETS = 180;

/** A key's spend in US-dollar nano-units, or why it is unknown. */
export type KeyCost = { nanos: bigint } | { unknown: string };

/** Per key currency: the nano-units summed in each currency its costs came in. */
type Sums = Map<string, Map<string, bigint> | { unknown: string }>;

/**
 * The spend of each of `ids` over `window`; a key without costs spent 0. Never throws for what the
 * API answered: a failed query is in `failures` and leaves its keys' spend unknown.
 */
export async function readKeyCosts(
  core: ApiCore,
  q: { window: UsageWindow; ids: readonly string[]; budget?: number },
): Promise<{ byKey: Map<string, KeyCost>; failures: UsageFailure[] }> {
  const limit = Math.min(q.window.days, MAX_COST_BUCKETS);
  const fixed: Query = [
    ["start_time", q.window.start],
    ["bucket_width", "1d"],
    ["group_by[]", "api_key_id"],
    ["limit", limit],
  ];
  const what = "read costs";
  const permission = "the usage read permission (api.usage.read)";
  const asError = enrichmentError(core, { what, feature: "costs", permission });
  const request = { what, path: COSTS_PATH, fixed, param: "api_key_ids[]", budget: q.budget };
  const batches = batchIds(core, request, q.ids);
  const byKey = new Map<string, KeyCost>();
  const failures: UsageFailure[] = [];
  const pager = () =>
    new BucketPager({ limit, window: q.window, scrub: core.scrub, what: "the costs" });
  await Promise.all(batches.map(async (ids, i) => {
    const sums: Sums = new Map(ids.map((id) => [id, new Map()]));
    try {
      await readBuckets(core, {
        name: batchName(what, ids, i, batches.length),
        path: COSTS_PATH,
        query: [...fixed, ...ids.map((id): [string, string] => ["api_key_ids[]", id])],
        pager: pager(),
        onBucket: (b, page) => addCosts(sums, b, page, core.scrub),
      });
    } catch (e) {
      const why = readFailure(asError(e));
      for (const id of ids) byKey.set(id, { unknown: why });
      return void failures.push({ family: "costs", keys: ids.length, why });
    }
    for (const [id, s] of sums) byKey.set(id, inUsd(s, core.scrub));
  }));
  return { byKey, failures };
}

/** Adds a bucket's results into `sums`, per key and currency. */
function addCosts(sums: Sums, b: Bucket, page: string, scrub: Scrub): void {
  const seen = new Set<string>();
  const fail = (why: string): never => {
    throw new ApiError(`Cannot ${page}: ${scrub(why)}; the costs cannot be trusted`);
  };
  for (const [i, raw] of b.results.entries()) {
    const label = `result ${i + 1} of ${b.label}`;
    const r = check(raw, COSTS_RESULT, label);
    const amount = check(r.amount, COSTS_AMOUNT, `the amount of ${label}`);
    const id = r.api_key_id as string | null;
    if (id === null) fail(`a result of ${b.label} is not grouped by api_key_id`);
    const sum = sums.get(id!);
    if (!sum) fail(`it has costs of key "${id}", which were not asked for`);
    const currency = amount.currency as string;
    // Without line_item grouping a key has one result per currency in a bucket.
    if (seen.has(`${id}\u0000${currency}`)) {
      fail(`${b.label} has two results for key "${id}" in "${currency}"`);
    }
    seen.add(`${id}\u0000${currency}`);
    if ("unknown" in sum!) continue;
    const nanos = toNanos(amount.value as number);
    if (nanos === null) {
      sums.set(id!, {
        unknown: `the costs API's amount ${amount.value} in the bucket of ${
          isoDate(b.from)
        } is not an amount keydrift can sum`,
      });
      continue;
    }
    sum!.set(currency, (sum!.get(currency) ?? 0n) + nanos);
  }
}

/** A key's sums as its spend in US dollars, or why that is unknown. */
function inUsd(s: Map<string, bigint> | { unknown: string }, scrub: Scrub): KeyCost {
  if (!(s instanceof Map)) return s;
  const other = [...s.keys()].filter((c) => c !== "usd");
  if (!other.length) return { nanos: s.get("usd") ?? 0n };
  const all = scrub([...s.keys()].sort().map((c) => JSON.stringify(c)).join(", "));
  return {
    unknown: s.size > 1
      ? `the costs API reports the key's spend in more than one currency (${all}); keydrift sums US dollars only`
      : `the costs API reports the key's spend in ${all}, not "usd"; keydrift sums US dollars only`,
  };
}
