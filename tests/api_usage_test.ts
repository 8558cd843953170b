/**
 * readKeyUsage() against the Usage and Costs APIs written here from the OpenAPI spec
 * (`_usage_server.ts`: every honest answer validates against `UsageResponse`), and against
 * variants that lie, loop, refuse, answer short or send malformed results. A query that fails
 * leaves its family unknown for the keys it covered, never zero; the others stand.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { CURSOR_RESERVE, URL_BUDGET } from "../lib/api/enrich.ts";
import { type KeyCounts, readKeyUsage, usageWindow } from "../lib/api/usage.ts";
import { USAGE_FAMILIES } from "../lib/core/types.ts";
import { ADMIN_KEY, fakeFetch, NOW, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { all, assertSpec, envelope, frontDoor, type Handler, json, wire } from "./_spec_servers.ts";
import { cursorFor, DAY, resultOf, usageRoutes, type Use } from "./_usage_server.ts";

type Json = Record<string, unknown>;
/** 13:00 UTC: today's bucket is partly over. */
const NOW_MS = NOW + 13 * 3600 * 1000;
const END = NOW_S + 13 * 3600;

const api = (uses: Use[], extra: Record<string, Handler> = {}) =>
  frontDoor({ ...usageRoutes(uses, END), ...extra });

/** A key's counts as plain data: requests per family, tokens, unknown families, spend. */
function plain(c: KeyCounts | undefined) {
  if (!c) return c;
  return {
    requests: c.requests,
    byFamily: Object.fromEntries(c.byFamily),
    tokens: [c.inputTokens, c.outputTokens],
    unknown: Object.fromEntries(c.unknown),
    cost: "nanos" in c.cost ? Number(c.cost.nanos) / 1e9 : c.cost,
  };
}

const USES: Use[] = [
  { key: "key_a", at: NOW_S - 6 * DAY + 5, requests: 3, input: 300, output: 30 },
  { key: "key_a", at: NOW_S + 3600, requests: 2, input: 200, output: 20 },
  { key: "key_b", at: NOW_S - 2 * DAY, requests: 1000, input: 5, output: 7 },
  // Only embeddings: the use a completions-only read missed (issue 22).
  { key: "key_e", at: NOW_S - DAY, family: "embeddings", requests: 5000, input: 90_000 },
  { key: "key_a", at: NOW_S - DAY, family: "embeddings", requests: 4, input: 40 },
  // Before the window (7 days ago): not counted.
  { key: "key_a", at: NOW_S - 6 * DAY - 1, requests: 99, input: 99, output: 99 },
  // A key not asked for: the filter keeps it out.
  { key: "key_z", at: NOW_S - DAY, requests: 1, input: 1, output: 1 },
];

const base = (ids: string[] = ["key_a", "key_b", "key_c", "key_e"], days = 7) => ({
  keyIds: ids,
  days,
  now: NOW_MS,
});

Deno.test("readKeyUsage() sums 7 whole UTC days per key and family: one organisation query per family, one grouped query per family with use, one costs query", async () => {
  const { core, requests } = wire(api(USES));
  const usage = await readKeyUsage(core, base());
  const zero = { requests: 0, byFamily: {}, tokens: [0, 0], unknown: {}, cost: 0 };
  assertEquals(plain(usage.keys.get("key_a")), {
    ...zero,
    requests: 9,
    byFamily: { completions: 5, embeddings: 4 },
    tokens: [540, 50],
  });
  assertEquals(plain(usage.keys.get("key_b"))?.byFamily, { completions: 1000 });
  assertEquals(plain(usage.keys.get("key_c")), zero);
  assertEquals(plain(usage.keys.get("key_e")), {
    ...zero,
    requests: 5000,
    byFamily: { embeddings: 5000 },
    tokens: [90_000, 0],
  });
  assertEquals(usage.failures, []);
  const paths = requests.map((r) =>
    `${r.url.pathname}${r.url.searchParams.has("group_by[]") ? " by key" : ""}`
  );
  assertEquals(
    paths.sort(),
    [
      "/v1/organization/costs by key",
      ...USAGE_FAMILIES.map((f) => `/v1/organization/usage/${f}`),
      "/v1/organization/usage/completions by key",
      "/v1/organization/usage/embeddings by key",
    ].sort(),
  );
  ok(requests.every((r) => r.method === "GET"));
  const grouped = requests.find((r) =>
    r.url.pathname.endsWith("/completions") && r.url.searchParams.has("group_by[]")
  )!;
  assertEquals([...grouped.url.searchParams], [
    ["start_time", String(NOW_S - 6 * DAY)],
    ["bucket_width", "1d"],
    ["group_by[]", "api_key_id"],
    ["limit", "7"],
    ...["key_a", "key_b", "key_c", "key_e"].map((k) => ["api_key_ids[]", k]),
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
  const { core, requests } = wire(api([...uses, { ...uses[0], at: NOW_S - 90 * DAY }]));
  const usage = await readKeyUsage(core, base(["key_a"], 90));
  assertEquals(plain(usage.keys.get("key_a"))?.byFamily, { completions: 90 });
  assertEquals(plain(usage.keys.get("key_a"))?.tokens, [900, 90]);
  const completions = requests.filter((r) =>
    r.url.pathname.endsWith("/completions") && r.url.searchParams.has("group_by[]")
  );
  assertEquals(completions.map((r) => r.url.searchParams.get("page")), [
    null,
    cursorFor(NOW_S - 89 * DAY + 31 * DAY),
    cursorFor(NOW_S - 89 * DAY + 62 * DAY),
  ]);
  ok(completions.every((r) => r.url.searchParams.get("limit") === "31"));
});

Deno.test("readKeyUsage(): a family nobody used in the window costs one query and reads zero for every key, complete", async () => {
  const { core, requests } = wire(api([]));
  const usage = await readKeyUsage(core, base(["key_a", "key_b"]));
  assertEquals(requests.length, USAGE_FAMILIES.length + 1);
  assertEquals(plain(usage.keys.get("key_b")), {
    requests: 0,
    byFamily: {},
    tokens: [0, 0],
    unknown: {},
    cost: 0,
  });
});

Deno.test("readKeyUsage() batches 2,000 key ids into the fewest GETs that keep every URL within 6,000 characters", async () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `key_${String(i).padStart(24, "0")}`);
  const uses = ids.map((key, i) => ({ key, at: NOW_S - (i % 7) * DAY, requests: i, input: 1 }));
  const { core, requests } = wire(api(uses));
  const usage = await readKeyUsage(core, base(ids));
  assertEquals(usage.keys.size, 2000);
  assertEquals(plain(usage.keys.get(ids[1999]))?.byFamily, { completions: 1999 });
  const byKey = requests.filter((r) =>
    r.url.pathname.endsWith("/completions") && r.url.searchParams.has("group_by[]")
  );
  ok(requests.every((r) => r.href.length <= URL_BUDGET), "a URL is over the budget");
  const asked = byKey.flatMap((r) => r.url.searchParams.getAll("api_key_ids[]"));
  assertEquals(asked.sort(), [...ids].sort(), "every id asked exactly once");
  const perId = "&api_key_ids%5B%5D=".length + ids[0].length;
  const notFull = byKey.filter((r) => r.href.length + perId + CURSOR_RESERVE <= URL_BUDGET);
  ok(notFull.length <= 1, `${notFull.length} batches are not full`);
  const sizes = byKey.map((r) => r.url.searchParams.getAll("api_key_ids[]").length);
  assertEquals(byKey.length, Math.ceil(2000 / Math.max(...sizes)));
  ok(byKey.length <= 20, `${byKey.length} GETs for 2,000 keys`);
});

/** The honest server, with the answers to grouped completions queries replaced (page `n`). */
function tampered(
  override: (n: number, honest: () => Promise<Json>) => Json | Promise<Json>,
): Handler {
  const routes = usageRoutes(USES, END, false);
  let n = 0;
  return frontDoor({
    ...routes,
    "/organization/usage/completions": async (url, req) => {
      const honest = async () =>
        await (await routes["/organization/usage/completions"](url, req)).json();
      if (!url.searchParams.has("group_by[]")) return json(200, await honest());
      return json(200, await override(++n, honest));
    },
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
const WEEK = Array.from({ length: 7 }, (_, i) => NOW_S - (6 - i) * DAY);
const week = (inDay: (at: number) => Json[] = () => []) => WEEK.map((at) => bucket(at, inDay(at)));
const useA = [{ key: "key_a", at: IN, requests: 1, input: 1, output: 1 }];
const comp = (k: string | null, uses = useA) => resultOf("completions", k, uses);

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
    "an answer without a bucket for every day of the window (a short window)",
    tampered(() => PAGE(week().slice(1))),
    /has no bucket for 2026-11-14, so its figures would be short/,
  ],
  [
    "no buckets at all",
    tampered(() => PAGE([])),
    /has no bucket for 2026-11-14 and 6 more day\(s\) of the window/,
  ],
  [
    "usage of a key not asked for (the filter was not applied)",
    tampered(() => PAGE(week((at) => (at === IN ? [comp("key_z")] : [])))),
    /usage of key "key_z", which was not asked for/,
  ],
  [
    "results not grouped by api_key_id",
    tampered(() => PAGE(week((at) => (at === IN ? [comp(null)] : [])))),
    /not grouped by api_key_id/,
  ],
  [
    "two results for one key in one bucket",
    tampered(() => PAGE(week((at) => (at === IN ? [comp("key_a"), comp("key_a")] : [])))),
    /has two results for key "key_a"/,
  ],
  [
    "a token count that is a string",
    tampered(() =>
      PAGE(week((at) => (at === IN ? [{ ...comp("key_a"), input_tokens: "7" }] : [])))
    ),
    /"input_tokens" is a string, not an integer/,
  ],
  [
    "a result of another usage family",
    tampered(() => PAGE(week((at) => (at === IN ? [resultOf("embeddings", "key_a", useA)] : [])))),
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
  Deno.test(`readKeyUsage(): ${name} leaves completions unknown for the keys it covered, never zero; the other families stand`, async () => {
    const { core } = wire(handler);
    const usage = await readKeyUsage(core, base(["key_a", "key_b"]));
    for (const k of ["key_a", "key_b"]) {
      const c = usage.keys.get(k)!;
      ok(re.test(c.unknown.get("completions") ?? ""), c.unknown.get("completions"));
      ok(!c.byFamily.has("completions"), "no completions figure");
      assertEquals(c.unknown.size, 1);
    }
    assertEquals(plain(usage.keys.get("key_a"))?.byFamily, { embeddings: 4 });
    assertEquals(usage.failures.map((f) => [f.family, f.keys]), [["completions", 2]]);
  });
}

Deno.test("readKeyUsage(): a family the API refuses (403, 500) or does not serve (404) is unknown for every key, with why; the others stand", async () => {
  for (
    const [status, message, why] of [
      [
        403,
        "You do not have access to usage",
        /^permission denied: the admin key cannot read usage/,
      ],
      [500, "The server had an error", /answered 500/],
      [404, "Invalid URL (GET /v1/organization/usage/images)", /Invalid URL/],
    ] as const
  ) {
    const { core } = wire(api(USES, {
      "/organization/usage/images": () => json(status, envelope(`${message} Bearer ${ADMIN_KEY}`)),
    }));
    const usage = await readKeyUsage(core, base(["key_a", "key_e"]));
    for (const k of ["key_a", "key_e"]) {
      const c = usage.keys.get(k)!;
      assertEquals([...c.unknown.keys()], ["images"]);
      ok(why.test(c.unknown.get("images")!), c.unknown.get("images"));
      ok(!c.unknown.get("images")!.includes(ADMIN_KEY));
    }
    assertEquals(plain(usage.keys.get("key_e"))?.byFamily, { embeddings: 5000 });
    assertEquals(usage.failures.map((f) => [f.family, f.keys]), [["images", 2]]);
  }
});

Deno.test("readKeyUsage(): a usage read the admin key may not make at all leaves every family unknown, said once per family, without the admin key", async () => {
  const refuse = () => json(401, envelope(`Missing scopes: api.usage.read. Bearer ${ADMIN_KEY}`));
  const { core, requests } = wire(frontDoor(Object.fromEntries(
    Object.keys(usageRoutes([], END)).map((p) => [p, refuse]),
  )));
  const usage = await readKeyUsage(core, base(["key_a"]));
  const c = usage.keys.get("key_a")!;
  assertEquals(c.unknown.size, USAGE_FAMILIES.length);
  ok("unknown" in c.cost);
  assertEquals(requests.length, USAGE_FAMILIES.length + 1);
  for (const f of usage.failures) {
    ok(f.why.includes("api.usage.read") && !f.why.includes(ADMIN_KEY), f.why);
  }
});

Deno.test("readKeyUsage(): a count out of range (negative, past 2^53 - 1) leaves that key's family unknown with why, and the other keys' figures stand", async () => {
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
        PAGE(
          week((at) => (at === IN ? [{ ...comp("key_a"), ...change }, comp("key_b", useB)] : [])),
        )
      ),
    );
    const usage = await readKeyUsage(core, base(["key_a", "key_b"]));
    const a = usage.keys.get("key_a")!.unknown.get("completions")!;
    ok(why.test(a), a);
    ok(a.endsWith("not a count from 0 to 2^53 - 1"), a);
    assertEquals(plain(usage.keys.get("key_b"))?.byFamily, { completions: 2 });
    assertEquals(plain(usage.keys.get("key_b"))?.tokens, [3, 4]);
  }
});

Deno.test("readKeyUsage(): a key's counts that add up past 2^53 - 1 make its family unknown instead of a sum that lost precision", async () => {
  const day = (n: number) => [{ ...comp("key_a"), input_tokens: n }, comp("key_b")];
  const big = new Map([[IN - DAY, Number.MAX_SAFE_INTEGER], [IN, 2]]);
  const { core } = wire(tampered(() => PAGE(week((at) => day(big.get(at) ?? 5)))));
  const usage = await readKeyUsage(core, base(["key_a", "key_b"]));
  assertEquals(
    usage.keys.get("key_a")!.unknown.get("completions"),
    `the key's "input_tokens" add up past 9,007,199,254,740,991 (2^53 - 1), beyond exact arithmetic`,
  );
  assertEquals(plain(usage.keys.get("key_b"))?.byFamily, { completions: 7 });
});

Deno.test("readKeyUsage() stops a server that pages forever at the page cap: that family unknown", async () => {
  const { core, requests } = wire(
    tampered((n) =>
      PAGE([bucket(NOW_S - ((n - 1) % 7) * DAY)], { has_more: true, next_page: `p${n}` })
    ),
    { maxPages: 3 },
  );
  const usage = await readKeyUsage(core, base(["key_a"]));
  ok(/goes on past 3 pages/.test(usage.keys.get("key_a")!.unknown.get("completions")!));
  const grouped = requests.filter((r) =>
    r.url.pathname.endsWith("/completions") && r.url.searchParams.has("group_by[]")
  );
  assertEquals(grouped.length, 4);
});

Deno.test("usageWindow() is DAYS whole UTC days, today included; days must be 1 to 90", () => {
  assertEquals(usageWindow(1, NOW_MS), { start: NOW_S, end: END, days: 1 });
  assertEquals(usageWindow(7, NOW_MS), { start: NOW_S - 6 * DAY, end: END, days: 7 });
  for (const d of [0, 91, 1.5]) throws(() => usageWindow(d, NOW_MS), RangeError);
});

Deno.test("the test server's results are valid results of the spec, family by family", () => {
  for (const f of USAGE_FAMILIES) {
    const schema = `Usage${
      f.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")
    }Result`;
    assertSpec(schema, resultOf(f, "key_a", useA));
  }
  assertSpec("UsageTimeBucket", bucket(IN, [comp(null)]));
});

Deno.test("readKeyUsage(): a failing batch leaves only its keys unknown; the other batches' keys are read whole", async () => {
  const ids = Array.from({ length: 300 }, (_, i) => `key_${String(i).padStart(36, "0")}`);
  const routes = usageRoutes(ids.map((key) => ({ key, at: NOW_S, requests: 1 })), END);
  const { core } = wire(frontDoor({
    ...routes,
    "/organization/usage/completions": (url, req) =>
      all(url, "api_key_ids").includes(ids[0])
        ? json(200, PAGE(week((at) => (at === IN ? [comp(null)] : []))))
        : routes["/organization/usage/completions"](url, req),
  }));
  const usage = await readKeyUsage(core, base(ids, 90));
  const failed = ids.filter((k) => usage.keys.get(k)!.unknown.has("completions"));
  const read = ids.filter((k) => usage.keys.get(k)!.byFamily.get("completions") === 1);
  ok(failed.includes(ids[0]) && failed.length < ids.length, `${failed.length} unknown`);
  assertEquals(failed.length + read.length, ids.length);
  assertEquals(usage.failures.map((f) => [f.family, f.keys]), [["completions", failed.length]]);
});

Deno.test("readKeyUsage() agrees with the fake Admin API on the example organisation", async () => {
  const state = stateFrom(readExample("state.yaml"), END);
  const { fetch } = fakeFetch(state, () => NOW_MS);
  const { core } = wire((_, req) => fetch(req));
  const keyIds = state.projects.flatMap((p) => p.keys.map((k) => k.id));
  const usage = await readKeyUsage(core, { keyIds, days: 7, now: NOW_MS });
  assertEquals(usage.failures, []);
  // usage_daily: 1,200 requests a day for 30 days.
  const billing = usage.keys.get("key_Q4vT8mZp2LcW9sNa")!;
  assertEquals(Object.fromEntries(billing.byFamily), { completions: 8400 });
  assertEquals([billing.inputTokens, billing.outputTokens], [1_680_000, 420_000]);
  // The indexer: embeddings only, 300 a day.
  assertEquals(Object.fromEntries(usage.keys.get("key_indexer_01")!.byFamily), {
    embeddings: 2100,
  });
  assertEquals(usage.keys.size, keyIds.length);
});

Deno.test("readKeyUsage(): a usage page whose checked field holds the admin key in fullwidth letters leaves the family unknown with a reason that holds no piece of it", async () => {
  const fullwidth = [...ADMIN_KEY].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(
    "",
  );
  const { core } = wire(tampered(() => ({ ...PAGE([]), object: fullwidth })), { scrubber: true });
  const usage = await readKeyUsage(core, base(["key_a"]));
  const why = usage.keys.get("key_a")!.unknown.get("completions")!;
  const seen = why.normalize("NFKC");
  for (let i = 0; i + 12 <= ADMIN_KEY.length; i++) {
    ok(!seen.includes(ADMIN_KEY.slice(i, i + 12)), why);
  }
  ok(/"object"/.test(why), why);
});
