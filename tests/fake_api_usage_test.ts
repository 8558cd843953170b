import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fakeFetch, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { type Body, getter, sdk } from "./_fake_clients.ts";
import { openapi } from "./_openapi.ts";

const STATE = stateFrom(readExample("state.yaml"));
const DAY = 86400;

/** Every bucket of a usage query, paged by `next_page`, each page schema-checked. */
async function buckets(get: ReturnType<typeof getter>, path: string): Promise<Body[]> {
  const out: Body[] = [];
  let page = "";
  for (let n = 0; n < 100; n++) {
    const r = await get(`${path}${page}`);
    assertEquals(r.status, 200, JSON.stringify(r.body));
    ok(openapi("UsageResponse")(r.body));
    out.push(...r.body.data);
    if (!r.body.has_more) return out;
    page = `&page=${encodeURIComponent(r.body.next_page)}`;
  }
  throw new Error("more than 100 pages");
}

const total = (bs: Body[], f: string) =>
  bs.flatMap((b) => b.results).reduce((n: number, r: Body) => n + r[f], 0);

Deno.test("usage/completions: the official SDK's group_by[]=api_key_id and api_key_ids[] query gives the key's daily requests and tokens", async () => {
  const { fetch, api } = fakeFetch(structuredClone(STATE));
  const client = sdk(fetch);
  const page = await client.admin.organization.usage.completions({
    start_time: NOW_S - 7 * DAY,
    bucket_width: "1d",
    group_by: ["api_key_id"],
    api_key_ids: ["key_old_ci_carl", "key_ana_laptop_01"],
  });
  ok(openapi("UsageResponse")(page));
  const sent = decodeURIComponent(api.requests[0].query);
  ok(sent.includes("group_by[]=api_key_id"), sent);
  ok(sent.includes("api_key_ids[]=key_old_ci_carl&api_key_ids[]=key_ana_laptop_01"), sent);
  assertEquals(page.data.length, 7);
  assertEquals(page.data[0].start_time, NOW_S - 7 * DAY);
  assertEquals(page.data[6].end_time, NOW_S);
  const perDay = page.data.map((b) =>
    (b.results as Body[]).map((r) => [r.api_key_id, r.num_model_requests])
  );
  // state: 42 requests one day ago, 17 three days ago, 8 six days ago; ana-laptop is idle.
  const carl = (n: number) => [["key_old_ci_carl", n]];
  assertEquals(perDay, [[], carl(8), [], [], carl(17), [], carl(42)]);
  assertEquals([total(page.data, "input_tokens"), total(page.data, "output_tokens")], [
    19700,
    4450,
  ]);
});

Deno.test("usage: limit 1 paged by next_page gives the same buckets as limit 31", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const q = `/organization/usage/completions?start_time=${NOW_S - 30 * DAY}&group_by[]=api_key_id`;
  const small = await buckets(get, `${q}&limit=1`);
  const big = await buckets(get, `${q}&limit=31`);
  assertEquals(small, big);
  assertEquals(small.length, 30);
  // billing-worker-prod: 1,200 requests a day for 30 days, today's (after end_time) left out.
  const billing = small.flatMap((b) => b.results).filter((r) =>
    r.api_key_id === "key_Q4vT8mZp2LcW9sNa"
  );
  assertEquals(billing.length, 29);
  ok(billing.every((r) => r.num_model_requests === 1200));
});

Deno.test("usage: no group_by sums everything per bucket; group_by project_id splits by project; project_ids[] filters", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const at = `start_time=${NOW_S - DAY}&end_time=${NOW_S}`;
  const all = (await get(`/organization/usage/completions?${at}`)).body.data[0].results;
  assertEquals(all.length, 1);
  assertEquals([all[0].api_key_id, all[0].project_id], [null, null]);
  // 1,200 (billing) + 42 (old-ci) + 120 batch keys x 3.
  assertEquals(all[0].num_model_requests, 1200 + 42 + 360);
  const byProject = (await get(`/organization/usage/completions?${at}&group_by[]=project_id`)).body
    .data[0].results;
  assertEquals(byProject.map((r: Body) => [r.project_id, r.num_model_requests]), [
    ["proj_payments", 1242],
    ["proj_search", 360],
  ]);
  const search = (await get(`/organization/usage/completions?${at}&project_ids[]=proj_search`))
    .body.data[0].results;
  assertEquals(search.map((r: Body) => r.num_model_requests), [360]);
});

Deno.test("usage: 1h buckets hold the same totals as 1d buckets (day records sit at 00:00 UTC)", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const q = `start_time=${NOW_S - 3 * DAY}&api_key_ids[]=key_old_ci_carl`;
  const hours = await buckets(get, `/organization/usage/completions?${q}&bucket_width=1h`);
  assertEquals(hours.length, 72);
  assertEquals(hours[1].start_time - hours[0].start_time, 3600);
  const days = await buckets(get, `/organization/usage/completions?${q}`);
  assertEquals(total(hours, "num_model_requests"), total(days, "num_model_requests"));
  assertEquals(total(days, "num_model_requests"), 42 + 17);
});

Deno.test("usage/embeddings: embeddings records only, as UsageEmbeddingsResult", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const q = `start_time=${NOW_S - 7 * DAY}&group_by[]=api_key_id`;
  const emb = await buckets(get, `/organization/usage/embeddings?${q}`);
  const results = emb.flatMap((b) => b.results);
  ok(results.every((r) => r.object === "organization.usage.embeddings.result"));
  for (const r of results) ok(openapi("UsageEmbeddingsResult")(r));
  assertEquals(
    new Set(results.map((r) => r.api_key_id)),
    new Set(["key_indexer_01", "key_old_ci_carl"]),
  );
  assertEquals(total(emb, "input_tokens"), 7 * 90000 + 40000);
  const comp = await buckets(get, `/organization/usage/completions?${q}`);
  ok(!comp.flatMap((b) => b.results).some((r) => r.api_key_id === "key_indexer_01"));
});

Deno.test("usage: a missing start_time, a bad bucket_width, limit or page, and unmodelled group_by are 400s naming the parameter", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const s = `start_time=${NOW_S - DAY}`;
  for (
    const [q, param] of [
      ["bucket_width=1d", "start_time"],
      ["start_time=soon", "start_time"],
      [`${s}&bucket_width=1w`, "bucket_width"],
      [`${s}&limit=32`, "limit"],
      [`${s}&bucket_width=1h&limit=169`, "limit"],
      [`${s}&page=page_bm9wZQ==`, "page"],
      [`${s}&group_by[]=model`, "group_by"],
      [`${s}&end_time=${NOW_S - 2 * DAY}`, "end_time"],
    ]
  ) {
    const r = await get(`/organization/usage/completions?${q}`);
    assertEquals([r.status, r.body.error?.param], [400, param], q);
    ok(openapi("ErrorResponse")(r.body));
  }
});

Deno.test("usage: on: usage faults fire on usage pages; a looping cursor repeats the page asked for", async () => {
  const state = structuredClone(STATE);
  state.faults = [{ on: "usage", kind: "loop_cursor", page: 2 }];
  const get = getter(fakeFetch(state).fetch);
  const q = `/organization/usage/completions?start_time=${NOW_S - 10 * DAY}&limit=2`;
  const first = await get(q);
  const second = await get(`${q}&page=${encodeURIComponent(first.body.next_page)}`);
  assertEquals(second.body.next_page, first.body.next_page);
  assertEquals(second.body.has_more, true);
  assertEquals((await get("/organization/audit_logs?limit=2")).status, 200);
});

Deno.test("usage: no_last_id nulls next_page with has_more true; empty_page_has_more empties a page", async () => {
  const state = structuredClone(STATE);
  state.faults = [
    { on: "usage", kind: "no_last_id", times: 1 },
    { on: "usage", kind: "empty_page_has_more", times: 1 },
  ];
  const get = getter(fakeFetch(state).fetch);
  const q = `/organization/usage/completions?start_time=${NOW_S - 10 * DAY}&limit=2`;
  const a = await get(q);
  assertEquals([a.body.has_more, a.body.next_page, a.body.data.length], [true, null, 2]);
  const b = await get(q);
  assertEquals([b.body.has_more, b.body.data], [true, []]);
  ok(b.body.next_page);
});

/** Every family of the spec, as the official SDK names its method. */
const FAMILIES = {
  completions: "completions",
  embeddings: "embeddings",
  moderations: "moderations",
  images: "images",
  audio_speeches: "audioSpeeches",
  audio_transcriptions: "audioTranscriptions",
  vector_stores: "vectorStores",
  code_interpreter_sessions: "codeInterpreterSessions",
  file_search_calls: "fileSearchCalls",
  web_search_calls: "webSearchCalls",
} as const;
const SCHEMA = (f: string) =>
  `Usage${f.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")}Result`;
const PROJECT_ONLY = ["vector_stores", "code_interpreter_sessions"];

/** One key with one record per family (7 requests, 5 units, a cost) yesterday, and one in eur. */
const EVERY_FAMILY = stateFrom(`users:
  - { id: u1, name: Ana, email: a@x.test, created_at: -300d }
projects:
  - id: proj_a
    name: a
    members: [{ user: u1, role: owner }]
    keys:
      - id: key_a
        name: a
        owner: u1
        usage:
${
  Object.keys(FAMILIES).map((f) =>
    `          - { day: -1d, endpoint: ${f}, requests: 7, units: 5, input_tokens: 3, cost: 0.1 }`
  ).join("\n")
}
      - id: key_eur
        name: eur
        owner: u1
        usage: [{ day: -1d, requests: 1, cost: 2, currency: eur }]
`);

Deno.test("usage: every family of the spec answers through the official SDK with its own result, valid against the spec's schema, grouped as the spec allows", async () => {
  const client = sdk(fakeFetch(structuredClone(EVERY_FAMILY)).fetch);
  for (const [family, method] of Object.entries(FAMILIES)) {
    const byKey = !PROJECT_ONLY.includes(family);
    // deno-lint-ignore no-explicit-any
    const page = await (client.admin.organization.usage as any)[method]({
      start_time: NOW_S - 2 * DAY,
      group_by: [byKey ? "api_key_id" : "project_id"],
      ...(byKey ? { api_key_ids: ["key_a"] } : {}),
    });
    ok(openapi("UsageResponse")(page), family);
    const results = page.data.flatMap((b: Body) => b.results);
    assertEquals(results.length, 1, family);
    ok(openapi(SCHEMA(family))(results[0]), family);
    if (byKey) assertEquals(results[0].api_key_id, "key_a", family);
    else assertEquals([results[0].project_id, "api_key_id" in results[0]], ["proj_a", false]);
    const count = results[0].num_requests ?? results[0].num_model_requests;
    if (family === "web_search_calls") assertEquals(results[0].num_model_requests, 5);
    if (byKey) assertEquals(count, 7, family);
  }
});

Deno.test("usage: vector_stores and code_interpreter_sessions group by project only: group_by api_key_id and a key filter are 400s", async () => {
  const get = getter(fakeFetch(structuredClone(EVERY_FAMILY)).fetch);
  for (const f of PROJECT_ONLY) {
    for (const q of ["group_by[]=api_key_id", "api_key_ids[]=key_a"]) {
      const r = await get(`/organization/usage/${f}?start_time=${NOW_S - DAY}&${q}`);
      assertEquals(r.status, 400, `${f} ${q}`);
      ok(openapi("ErrorResponse")(r.body));
    }
  }
  assertEquals((await get(`/organization/usage/decisionz?start_time=${NOW_S}`)).status, 404);
});

Deno.test("costs: the official SDK's group_by api_key_id query gives each key's amount per currency as CostsResult; costs of project-only families carry no key", async () => {
  const { fetch, api } = fakeFetch(structuredClone(EVERY_FAMILY));
  const page = await sdk(fetch).admin.organization.usage.costs({
    start_time: NOW_S - 2 * DAY,
    group_by: ["api_key_id"],
    limit: 180,
  });
  ok(openapi("UsageResponse")(page));
  ok(decodeURIComponent(api.requests[0].query).includes("group_by[]=api_key_id"));
  const results = page.data.flatMap((b) => b.results) as Body[];
  for (const r of results) ok(openapi("CostsResult")(r));
  const by = (k: string | null) =>
    results.filter((r) => r.api_key_id === k).map((r) => [r.amount.currency, r.amount.value]);
  // Eight per-key families at 0.1 each: 0.8, summed without floating error.
  assertEquals(by("key_a"), [["usd", 0.8]]);
  assertEquals(by("key_eur"), [["eur", 2]]);
  assertEquals(by(null), [["usd", 0.2]]);
  const filtered = await getter(fetch)(
    `/organization/costs?start_time=${NOW_S - DAY}&group_by[]=api_key_id&api_key_ids[]=key_a`,
  );
  assertEquals(filtered.body.data[0].results.map((r: Body) => r.api_key_id), ["key_a"]);
  for (const bad of ["limit=181", "bucket_width=1h", "group_by[]=user_id"]) {
    const r = await getter(fetch)(`/organization/costs?start_time=${NOW_S - DAY}&${bad}`);
    assertEquals(r.status, 400, bad);
  }
});

Deno.test("usage faults: family names the one family a fault fires on; missing_bucket drops a page's first bucket", async () => {
  const state = structuredClone(EVERY_FAMILY);
  state.faults = [{ on: "usage", family: "embeddings", kind: "missing_bucket" }];
  const get = getter(fakeFetch(state).fetch);
  const q = `?start_time=${NOW_S - 3 * DAY}`;
  assertEquals((await get(`/organization/usage/embeddings${q}`)).body.data.length, 2);
  assertEquals((await get(`/organization/usage/completions${q}`)).body.data.length, 3);
});
