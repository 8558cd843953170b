/**
 * readKeyUsage() against a completions-usage server written here from the OpenAPI spec
 * (`start_time` required, `bucket_width=1d`, `limit` 7 by default and at most 31, `group_by[]`,
 * `api_key_ids[]`, `page` = the previous `next_page`) whose every honest answer validates against
 * `UsageResponse`, and against variants that lie, loop, refuse or send malformed results.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { CURSOR_RESERVE, UnavailableError, URL_BUDGET } from "../lib/api/enrich.ts";
import { readKeyUsage, usageWindow } from "../lib/api/usage.ts";
import { ApiError } from "../lib/core/errors.ts";
import { ADMIN_KEY, fakeFetch, NOW, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { all, assertSpec, envelope, frontDoor, type Handler, json, wire } from "./_spec_servers.ts";

type Json = Record<string, unknown>;
const DAY = 86_400;
/** 13:00 UTC: today's bucket is partly over. */
const NOW_MS = NOW + 13 * 3600 * 1000;
const END = NOW_S + 13 * 3600;

interface Use {
  key: string;
  at: number;
  requests: number;
  input: number;
  output: number;
}

function result(keyId: string | null, uses: Use[]): Json {
  const sum = (f: "requests" | "input" | "output") => uses.reduce((n, u) => n + u[f], 0);
  return {
    object: "organization.usage.completions.result",
    input_tokens: sum("input"),
    output_tokens: sum("output"),
    input_cached_tokens: 0,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: sum("requests"),
    project_id: null,
    user_id: null,
    api_key_id: keyId,
    model: null,
    batch: null,
    service_tier: null,
  };
}

const cursorFor = (at: number) => `page_${btoa(`b:${at}`)}`;

/** The completions usage endpoint as the spec describes it, over `uses`, at END. */
function usageApi(uses: Use[], validate = true): Handler {
  return frontDoor({
    "/organization/usage/completions": (url) => {
      const q = url.searchParams;
      const start = Number(q.get("start_time"));
      if (!q.has("start_time") || !Number.isInteger(start)) {
        return json(400, envelope("Missing required parameter: 'start_time'."));
      }
      if ((q.get("bucket_width") ?? "1d") !== "1d") return json(400, envelope("bucket_width"));
      const limit = Number(q.get("limit") ?? 7);
      if (!Number.isInteger(limit) || limit < 1 || limit > 31) {
        return json(400, envelope("Invalid 'limit': at most 31 buckets of 1d"));
      }
      const byKey = all(url, "group_by").includes("api_key_id");
      const keys = all(url, "api_key_ids");
      const page = q.get("page");
      let from = Math.floor(start / DAY) * DAY;
      if (page !== null) {
        let at = NaN;
        try {
          at = Number(atob(page.slice(5)).slice(2));
        } catch { /* not a cursor of this server: 400 below */ }
        if (page !== cursorFor(at)) return json(400, envelope(`Invalid 'page': ${page}`));
        from = at;
      }
      const data: Json[] = [];
      let b = from;
      for (; b < END && data.length < limit; b += DAY) {
        const inside = uses.filter((u) =>
          u.at >= b && u.at < b + DAY && (!keys.length || keys.includes(u.key))
        );
        const groups = byKey ? [...new Set(inside.map((u) => u.key))].sort() : [null];
        const results = inside.length
          ? groups.map((k) => result(k, inside.filter((u) => k === null || u.key === k)))
          : [];
        data.push({ object: "bucket", start_time: b, end_time: b + DAY, results });
      }
      const more = b < END;
      const body = { object: "page", data, has_more: more, next_page: more ? cursorFor(b) : null };
      if (validate) assertSpec("UsageResponse", body);
      return json(200, body);
    },
  });
}

const USES: Use[] = [
  { key: "key_a", at: NOW_S - 6 * DAY + 5, requests: 3, input: 300, output: 30 },
  { key: "key_a", at: NOW_S + 3600, requests: 2, input: 200, output: 20 },
  { key: "key_b", at: NOW_S - 2 * DAY, requests: 1000, input: 5, output: 7 },
  // Before the window (7 days ago): not counted.
  { key: "key_a", at: NOW_S - 6 * DAY - 1, requests: 99, input: 99, output: 99 },
  // A key not asked for: the filter keeps it out.
  { key: "key_z", at: NOW_S - DAY, requests: 1, input: 1, output: 1 },
];

Deno.test("readKeyUsage() sums 7 whole UTC days per key in one GET grouped by api_key_id", async () => {
  const { core, requests } = wire(usageApi(USES));
  const usage = await readKeyUsage(core, {
    keyIds: ["key_a", "key_b", "key_c"],
    days: 7,
    now: NOW_MS,
  });
  assertEquals(Object.fromEntries(usage), {
    key_a: { requests: 5, input_tokens: 500, output_tokens: 50 },
    key_b: { requests: 1000, input_tokens: 5, output_tokens: 7 },
    key_c: { requests: 0, input_tokens: 0, output_tokens: 0 },
  });
  assertEquals(requests.length, 1);
  assertEquals(requests[0].method, "GET");
  assertEquals(requests[0].url.pathname, "/v1/organization/usage/completions");
  assertEquals([...requests[0].url.searchParams], [
    ["start_time", String(NOW_S - 6 * DAY)],
    ["bucket_width", "1d"],
    ["group_by[]", "api_key_id"],
    ["limit", "7"],
    ["api_key_ids[]", "key_a"],
    ["api_key_ids[]", "key_b"],
    ["api_key_ids[]", "key_c"],
  ]);
});

Deno.test("readKeyUsage() reads 90 days in pages of 31 buckets, paged by next_page", async () => {
  const uses = Array.from({ length: 90 }, (_, d) => ({
    key: "key_a",
    at: NOW_S - d * DAY,
    requests: 1,
    input: 10,
    output: 1,
  }));
  const { core, requests } = wire(usageApi([...uses, { ...uses[0], at: NOW_S - 90 * DAY }]));
  const usage = await readKeyUsage(core, { keyIds: ["key_a"], days: 90, now: NOW_MS });
  assertEquals(usage.get("key_a"), { requests: 90, input_tokens: 900, output_tokens: 90 });
  assertEquals(requests.map((r) => r.url.searchParams.get("page")), [
    null,
    cursorFor(NOW_S - 89 * DAY + 31 * DAY),
    cursorFor(NOW_S - 89 * DAY + 62 * DAY),
  ]);
  ok(requests.every((r) => r.url.searchParams.get("limit") === "31"));
});

Deno.test("readKeyUsage() batches 2,000 key ids into the fewest GETs that keep every URL within 6,000 characters", async () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `key_${String(i).padStart(24, "0")}`);
  const uses = ids.map((key, i) => ({
    key,
    at: NOW_S - (i % 7) * DAY,
    requests: i,
    input: 1,
    output: 2,
  }));
  const { core, requests } = wire(usageApi(uses));
  const usage = await readKeyUsage(core, { keyIds: ids, days: 7, now: NOW_MS });
  assertEquals(usage.size, 2000);
  assertEquals(usage.get(ids[1999]), { requests: 1999, input_tokens: 1, output_tokens: 2 });
  ok(requests.every((r) => r.href.length <= URL_BUDGET), "a URL is over the budget");
  const asked = requests.flatMap((r) => r.url.searchParams.getAll("api_key_ids[]"));
  assertEquals(asked.sort(), [...ids].sort(), "every id asked exactly once");
  const perId = "&api_key_ids%5B%5D=".length + ids[0].length;
  const notFull = requests.filter((r) => r.href.length + perId + CURSOR_RESERVE <= URL_BUDGET);
  ok(notFull.length <= 1, `${notFull.length} batches are not full`);
  const sizes = requests.map((r) => r.url.searchParams.getAll("api_key_ids[]").length);
  assertEquals(requests.length, Math.ceil(2000 / Math.max(...sizes)));
  ok(requests.length <= 20, `${requests.length} GETs for 2,000 keys`);
});

/** The honest server, with page `n`'s answer replaced. */
function tampered(
  override: (n: number, honest: () => Promise<Json>) => Json | Promise<Json>,
): Handler {
  const honest = usageApi(USES, false);
  let n = 0;
  return frontDoor({
    "/organization/usage/completions": async (url, req) =>
      json(200, await override(++n, async () => await (await honest(url, req)).json())),
  });
}

const bucket = (at: number, results: Json[] = []) => ({
  object: "bucket",
  start_time: at,
  end_time: at + DAY,
  results,
});
const PAGE = (data: Json[], more: Json = {}) => ({
  object: "page",
  data,
  has_more: false,
  next_page: null,
  ...more,
});
const IN = NOW_S - DAY;
const useA = [{ key: "key_a", at: IN, requests: 1, input: 1, output: 1 }];

const GUARDS: [string, Handler, RegExp][] = [
  [
    "a repeated next_page",
    tampered((n) => PAGE([bucket(IN - n * DAY)], { has_more: true, next_page: "page_same" })),
    /the cursor "page_same" was already used \(the paging loops\)/,
  ],
  [
    "has_more without next_page",
    tampered(async (_, h) => ({ ...(await h()), has_more: true, next_page: null })),
    /has_more is true but "next_page" is missing/,
  ],
  [
    "endless empty pages",
    tampered((n) => PAGE([], { has_more: true, next_page: `page_${n}` })),
    /the page is empty but says has_more/,
  ],
  [
    "endless pages of new buckets",
    tampered((n) => PAGE([bucket(END - n * 3600)], { has_more: true, next_page: `page_${n}` })),
    /more than 8 daily buckets for 7 days|outside the window/,
  ],
  [
    "the same bucket on two pages",
    tampered((n) =>
      PAGE([bucket(IN)], { has_more: n === 1, next_page: n === 1 ? "page_2" : null })
    ),
    /the bucket starting at \d+ appears twice/,
  ],
  [
    "a bucket outside the window",
    tampered(() => PAGE([bucket(NOW_S - 30 * DAY)])),
    /starts at \d+, outside the window asked for/,
  ],
  [
    "more buckets than the limit",
    tampered(() => PAGE(Array.from({ length: 8 }, (_, i) => bucket(NOW_S - i * DAY)))),
    /8 buckets, more than the limit of 7/,
  ],
  [
    "usage of a key not asked for (the filter was not applied)",
    tampered(() => PAGE([bucket(IN, [result("key_z", useA)])])),
    /usage of key "key_z", which was not asked for/,
  ],
  [
    "results not grouped by api_key_id",
    tampered(() => PAGE([bucket(IN, [result(null, useA)])])),
    /not grouped by api_key_id/,
  ],
  [
    "two results for one key in one bucket",
    tampered(() => PAGE([bucket(IN, [result("key_a", useA), result("key_a", useA)])])),
    /has two results for key "key_a"/,
  ],
  [
    "a token count that is a string",
    tampered(() => PAGE([bucket(IN, [{ ...result("key_a", useA), input_tokens: "7" }])])),
    /"input_tokens" is a string, not an integer/,
  ],
  [
    "a result of another usage family",
    tampered(() =>
      PAGE([
        bucket(IN, [{ ...result("key_a", useA), object: "organization.usage.embeddings.result" }]),
      ])
    ),
    /"object" is "organization.usage.embeddings.result"/,
  ],
  [
    "a list envelope instead of a usage page",
    tampered(() => ({ object: "list", data: [], has_more: false, last_id: null })),
    /"object" is "list", not "page"/,
  ],
  [
    "a bucket that ends before it starts",
    tampered(() => PAGE([{ ...bucket(IN), end_time: IN - 1 }])),
    /ends \(\d+\) before it starts/,
  ],
];

for (const [name, handler, re] of GUARDS) {
  Deno.test(`readKeyUsage() fails closed on ${name}`, async () => {
    const { core } = wire(handler);
    await rejects(
      readKeyUsage(core, { keyIds: ["key_a", "key_b"], days: 7, now: NOW_MS }),
      (e) => e instanceof ApiError && !(e instanceof UnavailableError) && re.test(e.message),
    );
  });
}

Deno.test("readKeyUsage(): a count out of range (negative, past 2^53 - 1) leaves that key's usage unknown with why, and the other keys' usage stands", async () => {
  const useB = [{ key: "key_b", at: IN, requests: 2, input: 3, output: 4 }];
  for (
    const [change, why] of [
      [{ num_model_requests: -4 }, /"num_model_requests" is -4 in the bucket of 2026-11-19,/],
      [{ input_tokens: 2 ** 60 }, /"input_tokens" is 1152921504606846976 in the bucket of/],
      [{ output_tokens: Number.MAX_SAFE_INTEGER + 1 }, /"output_tokens" is 9007199254740992 /],
    ] as const
  ) {
    const { core } = wire(
      tampered(() =>
        PAGE([bucket(IN, [{ ...result("key_a", useA), ...change }, result("key_b", useB)])])
      ),
    );
    const usage = await readKeyUsage(core, { keyIds: ["key_a", "key_b"], days: 7, now: NOW_MS });
    const a = usage.get("key_a") as { unknown: string };
    ok(why.test(a.unknown), a.unknown);
    ok(a.unknown.endsWith("not a count from 0 to 2^53 - 1; the key's usage is unknown"));
    assertEquals(usage.get("key_b"), { requests: 2, input_tokens: 3, output_tokens: 4 });
  }
});

Deno.test("readKeyUsage(): a key's counts that add up past 2^53 - 1 make its usage unknown instead of a sum that lost precision", async () => {
  const day = (at: number, n: number) =>
    bucket(at, [{ ...result("key_a", useA), input_tokens: n }, result("key_b", useA)]);
  const { core } = wire(
    tampered(() => PAGE([day(IN - DAY, Number.MAX_SAFE_INTEGER), day(IN, 2), day(IN + DAY, 5)])),
  );
  const usage = await readKeyUsage(core, { keyIds: ["key_a", "key_b"], days: 7, now: NOW_MS });
  assertEquals(usage.get("key_a"), {
    unknown:
      `the key's "input_tokens" add up past 9,007,199,254,740,991 (2^53 - 1), beyond exact arithmetic; its usage is unknown`,
  });
  assertEquals(usage.get("key_b"), { requests: 3, input_tokens: 3, output_tokens: 3 });
});

Deno.test("readKeyUsage() stops a server that pages forever at the page cap", async () => {
  const { core, requests } = wire(
    tampered((n) =>
      PAGE([bucket(NOW_S - ((n - 1) % 7) * DAY)], { has_more: true, next_page: `p${n}` })
    ),
    { maxPages: 3 },
  );
  await rejects(
    readKeyUsage(core, { keyIds: ["key_a"], days: 7, now: NOW_MS }),
    /goes on past 3 pages/,
  );
  assertEquals(requests.length, 4);
});

const REFUSALS: [string, number, string][] = [
  ["403", 403, "You do not have access to usage"],
  ["401 naming the missing scope", 401, "Missing scopes: api.usage.read."],
];

for (const [name, status, message] of REFUSALS) {
  Deno.test(`readKeyUsage() reports a ${name} as permission denied, once, without the admin key`, async () => {
    const { core, requests } = wire(frontDoor({
      "/organization/usage/completions": () =>
        json(status, envelope(`${message} Bearer ${ADMIN_KEY}`)),
    }));
    await rejects(
      readKeyUsage(core, { keyIds: ["key_a"], days: 7, now: NOW_MS }),
      (e) =>
        e instanceof UnavailableError && e.reason === "permission_denied" &&
        e.message.includes("api.usage.read") && !e.message.includes(ADMIN_KEY),
    );
    assertEquals(requests.length, 1);
  });
}

Deno.test("usageWindow() is DAYS whole UTC days, today included; days must be 1 to 90", () => {
  assertEquals(usageWindow(1, NOW_MS), { start: NOW_S, end: END });
  assertEquals(usageWindow(7, NOW_MS), { start: NOW_S - 6 * DAY, end: END });
  for (const d of [0, 91, 1.5]) throws(() => usageWindow(d, NOW_MS), RangeError);
});

Deno.test("the test server's results are valid UsageCompletionsResult objects", () => {
  assertSpec("UsageCompletionsResult", result("key_a", useA));
  assertSpec("UsageTimeBucket", bucket(IN, [result(null, useA)]));
});

Deno.test("readKeyUsage(): once one batch fails, the other batches read no further pages", async () => {
  const ids = Array.from({ length: 300 }, (_, i) => `key_${String(i).padStart(36, "0")}`);
  const honest = usageApi(ids.map((key) => ({ key, at: NOW_S, requests: 1, input: 1, output: 1 })));
  const { core, requests } = wire(frontDoor({
    "/organization/usage/completions": (url, req) =>
      all(url, "api_key_ids").includes(ids[0])
        ? json(200, PAGE([bucket(IN, [result(null, useA)])]))
        : honest(url, req),
  }));
  await rejects(
    readKeyUsage(core, { keyIds: ids, days: 90, now: NOW_MS }),
    /not grouped by api_key_id/,
  );
  // Let the other batches finish what they will do after the failure.
  await new Promise((r) => setTimeout(r, 100));
  const batches = requests.filter((r) => !r.url.searchParams.has("page")).length;
  ok(batches >= 2, `${batches} batches`);
  // 90 days are 3 pages a batch; without the stop the other batches would read them all.
  ok(requests.length <= 2 * batches, `${requests.length} GETs for ${batches} batches`);
});

Deno.test("readKeyUsage() agrees with the fake Admin API on the example organisation", async () => {
  const state = stateFrom(readExample("state.yaml"), END);
  const { fetch } = fakeFetch(state, () => NOW_MS);
  const { core, requests } = wire((_, req) => fetch(req));
  const keyIds = state.projects.flatMap((p) => p.keys.map((k) => k.id));
  const usage = await readKeyUsage(core, { keyIds, days: 7, now: NOW_MS });
  // usage_daily: 1,200 requests a day for 30 days.
  assertEquals(usage.get("key_Q4vT8mZp2LcW9sNa"), {
    requests: 8400,
    input_tokens: 1_680_000,
    output_tokens: 420_000,
  });
  assertEquals(usage.size, keyIds.length);
  assertEquals(requests.length, 1);
});

Deno.test("readKeyUsage(): a usage page whose checked field holds the admin key in fullwidth letters fails with a message that holds no piece of it", async () => {
  const fullwidth = [...ADMIN_KEY].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(
    "",
  );
  const { core } = wire(tampered(() => ({ ...PAGE([]), object: fullwidth })), { scrubber: true });
  await rejects(
    readKeyUsage(core, { keyIds: ["key_a"], days: 7, now: NOW_MS }),
    (e) => {
      const seen = (e as Error).message.normalize("NFKC");
      for (let i = 0; i + 12 <= ADMIN_KEY.length; i++) {
        ok(!seen.includes(ADMIN_KEY.slice(i, i + 12)), (e as Error).message);
      }
      return e instanceof ApiError && /"object"/.test((e as Error).message);
    },
  );
});
