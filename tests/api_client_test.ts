import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { checkBaseURL, createAdminClient } from "../lib/api/client.ts";
import { retryAfterMs } from "../lib/api/retry.ts";
import { ApiError, UsageError } from "../lib/core/errors.ts";
import type { FakeState, Fault } from "../lib/fake/state.ts";
import { createFakeApi } from "../lib/fake/mod.ts";
import { fakeFetch, NOW, readExample, seeded, stateFrom, virtualClock } from "./_helpers.ts";

const BASE = stateFrom(readExample("state.yaml"));

function client(
  faults: Fault[] = [],
  state: FakeState = structuredClone(BASE),
  extra: { timeoutMs?: number; fetch?: typeof fetch } = {},
) {
  state.faults = faults;
  const clock = virtualClock();
  const { api, fetch } = fakeFetch(state, clock.now);
  const c = createAdminClient({
    baseURL: "http://127.0.0.1/v1",
    adminKey: "sk-admin-test",
    fetch: extra.fetch ?? fetch,
    timeoutMs: extra.timeoutMs ?? 30_000,
    concurrency: 4,
    deadlineMs: 300_000,
    clock,
    random: seeded(1),
    scrub: (s) => s.replaceAll("sk-admin-test", "[REDACTED]"),
  });
  return { c, api, elapsed: () => clock.now() - NOW };
}

Deno.test("listKeys() reads 122 keys in 2 pages with owner_project_access=any&limit=100, including inactive owners", async () => {
  const { c, api } = await client();
  const keys = await (c.listKeys("proj_search"));
  assertEquals(keys.length, 122);
  assertEquals(api.requests.map((r) => r.query), [
    "?owner_project_access=any&limit=100",
    "?owner_project_access=any&limit=100&after=key_search_098",
  ]);
  const second = (await client()).c;
  const payments = await (second.listKeys("proj_payments"));
  ok(payments.some((k) => k.id === "key_old_ci_carl" && k.ownerProjectAccess === "inactive"));
});

Deno.test("listKeys() reads 250 keys in 3 pages", async () => {
  const state = stateFrom(
    "projects:\n  - id: proj_big\n    service_accounts: [{ id: sa, name: bot }]\n    generate: { count: 250, owner: sa }\n",
  );
  const { c, api } = await client([], state);
  assertEquals((await (c.listKeys("proj_big"))).length, 250);
  assertEquals(api.requests.length, 3);
});

Deno.test("listKeys() asks for the next page before reading this page's items: a malformed item on page 1 of 3 fails the listing after page 2 was asked for, never page 3", async () => {
  const state = stateFrom(
    "projects:\n  - id: proj_big\n    service_accounts: [{ id: sa, name: bot }]\n    generate: { count: 250, owner: sa }\n",
  );
  const inner = fakeFetch(state, () => NOW);
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await inner.fetch(input, init);
    if (new URL(String(input)).searchParams.has("after")) return res;
    const page = await res.json();
    page.data[0].owner = { type: "user" }; // a user owner without its user
    return Response.json(page);
  };
  const { c } = await client([], state, { fetch });
  await rejects(c.listKeys("proj_big"), /an item of list keys of project "proj_big" \(page 1\)/);
  assertEquals(inner.api.requests.map((r) => r.query), [
    "?owner_project_access=any&limit=100",
    "?owner_project_access=any&limit=100&after=key_big_100",
  ]);
});

Deno.test("listProjects() with wanted ids all on page 1 of 2 sends one request: a listing that may stop never asks ahead", async () => {
  const projects = Array.from({ length: 150 }, (_, i) => `  - { id: proj_${i + 1000} }`);
  const state = stateFrom(`projects:\n${projects.join("\n")}\n`);
  const { c, api } = await client([], state);
  const r = await c.listProjects({
    includeArchived: true,
    wanted: new Set(["proj_1000", "proj_1001"]),
  });
  assertEquals(r.complete, false);
  assertEquals(api.requests.length, 1);
});

const TRANSIENT: [string, Fault][] = [
  ["429 with retry-after", { on: "list", kind: "status", status: 429, retry_after: "2", times: 1 }],
  ["429 with retry-after-ms", {
    on: "list",
    kind: "status",
    status: 429,
    retry_after_ms: "150",
    times: 2,
  }],
  ["429 without retry-after", { on: "list", kind: "status", status: 429, times: 1 }],
  ["408", { on: "list", kind: "status", status: 408, times: 1 }],
  ["409", { on: "list", kind: "status", status: 409, times: 1 }],
  ["500 once", { on: "list", kind: "status", status: 500, times: 1 }],
  ["502", { on: "list", kind: "status", status: 502, times: 2 }],
  ["503", { on: "list", kind: "status", status: 503, times: 1 }],
  ["504", { on: "list", kind: "status", status: 504, times: 1 }],
  ["an HTML error page", { on: "list", kind: "html", times: 1 }],
  ["truncated JSON once", { on: "list", kind: "truncated", times: 1 }],
  ["a connection reset", { on: "list", kind: "reset", times: 1 }],
  ["no answer within --timeout (a hang)", { on: "list", kind: "hang", times: 1 }],
];

for (const [name, fault] of TRANSIENT) {
  Deno.test(`listKeys() survives ${name} on page 2 and returns every key`, async () => {
    const { c, elapsed } = await client([{ ...fault, page: 2 }], undefined, { timeoutMs: 50 });
    const keys = await (c.listKeys("proj_search"));
    assertEquals(keys.length, 122);
    ok(c.stats.retries >= 1);
    if (fault.retry_after === "2") ok(elapsed() >= 2000, `waited ${elapsed()} ms`);
  });
}

const PERSISTENT: [string, Fault, RegExp][] = [
  ["500 persistently", { on: "list", kind: "status", status: 500 }, /answered 500/],
  [
    "429 asking for over 60 s",
    { on: "list", kind: "status", status: 429, retry_after: "3600" },
    /asked to wait 3600 s/,
  ],
  ["401 mid-run", { on: "list", kind: "status", status: 401, page: 2 }, /answered 401.*admin key/],
  ["403", { on: "list", kind: "status", status: 403 }, /answered 403.*api\.management\.read/],
  ["400", { on: "list", kind: "status", status: 400 }, /answered 400/],
  ["malformed JSON persistently", { on: "list", kind: "malformed" }, /not JSON/],
  ["JSON of the wrong shape", { on: "list", kind: "wrong_shape" }, /"(data|object)" is/],
  ["a page without has_more", { on: "list", kind: "no_has_more" }, /"has_more" is missing/],
  ["has_more without last_id", { on: "list", kind: "no_last_id" }, /"last_id" is missing/],
  [
    "a looping cursor",
    { on: "list", kind: "loop_cursor", page: 2 },
    /already used \(the paging loops\)|"last_id" is "key_search_098" but the page's last item is/,
  ],
  [
    "an empty page with has_more",
    { on: "list", kind: "empty_page_has_more" },
    /empty but says has_more/,
  ],
  ["a duplicate key", { on: "list", kind: "duplicate", page: 2 }, /appears twice/],
  [
    "a key without an owner",
    { on: "list", kind: "ownerless" },
    /has no "service_account" object|has no "user" object/,
  ],
];

for (const [name, fault, re] of PERSISTENT) {
  Deno.test(`listKeys() fails closed on ${name}`, async () => {
    const { c } = await client([fault]);
    await rejects(
      c.listKeys("proj_search"),
      (e) => e instanceof ApiError && re.test(e.message) && !e.message.includes("sk-admin-test"),
    );
  });
}

Deno.test("retrieveProject() and retrieveKey(): 404 is null, other failures throw", async () => {
  const { c } = await client();
  assertEquals(await c.retrieveProject("proj_nope"), null);
  assertEquals((await c.retrieveProject("proj_legacy"))?.status, "archived");
  assertEquals(await c.retrieveKey("proj_payments", "key_nope"), null);
  assertEquals(
    (await c.retrieveKey("proj_payments", "key_old_ci_carl"))?.owner.name,
    "Carl Weber",
  );
  const bad = await client([{ on: "key", kind: "ownerless" }, {
    on: "project",
    kind: "status",
    status: 503,
  }]);
  await rejects(bad.c.retrieveKey("proj_payments", "key_ana_laptop_01"), /has no "user" object/);
  await rejects(bad.c.retrieveProject("proj_payments"), /answered 503/);
});

Deno.test("the client sends GET only and refuses plain http to non-loopback hosts", async () => {
  const { c, api } = await client();
  await c.listKeys("proj_payments");
  ok(api.requests.every((r) => r.method === "GET"));
  assertEquals(checkBaseURL("http://127.0.0.1:8080/v1").hostname, "127.0.0.1");
  assertEquals(checkBaseURL("http://localhost/v1").hostname, "localhost");
  for (const u of ["http://api.example.test/v1", "ftp://x/v1", "not a url"]) {
    try {
      checkBaseURL(u);
      throw new Error(`accepted ${u}`);
    } catch (e) {
      ok(e instanceof UsageError, u);
    }
  }
});

Deno.test("a 429 halves concurrency for everyone and pauses every worker for its retry-after", async () => {
  const state = structuredClone(BASE);
  state.options.latency_ms = 10;
  // On a second page: the first answers have opened the endpoint's first wave (half the
  // concurrency until it answers), so the throttle meets the full concurrency.
  state.faults = [{ on: "list", kind: "status", status: 429, retry_after: "1", times: 1, page: 2 }];
  const clock = virtualClock();
  const api = createFakeApi(state, clock);
  let inFlight = 0;
  const starts: { at: number; inFlight: number }[] = [];
  let throttledAt = -1;
  const c = createAdminClient({
    baseURL: "http://127.0.0.1/v1",
    adminKey: "sk-admin-test",
    fetch: async (input, init) => {
      starts.push({ at: clock.now(), inFlight: ++inFlight });
      try {
        const res = await api.handler(new Request(input, init));
        if (res.status === 429 && throttledAt < 0) throttledAt = clock.now();
        return res;
      } finally {
        inFlight--;
      }
    },
    timeoutMs: 30_000,
    concurrency: 4,
    deadlineMs: 300_000,
    clock,
    random: seeded(1),
    scrub: (s) => s,
  });
  const ids = ["proj_payments", "proj_search", "proj_legacy", "proj_internal"];
  const keys = await Promise.all(ids.map((id) => c.listKeys(id)));
  ok(keys.every((k) => k.length > 0));
  assertEquals(c.stats.retries, 1);
  ok(throttledAt >= 0, "the fake never throttled");
  const after = starts.filter((s) => s.at > throttledAt);
  ok(after.length > 0);
  // Nobody started a request during the pause...
  ok(after.every((s) => s.at >= throttledAt + 1000), JSON.stringify(starts));
  // ...and after it at most 2 (half of 4) were in flight at once.
  ok(after.every((s) => s.inFlight <= 2), JSON.stringify(after));
  ok(starts.some((s) => s.at <= throttledAt && s.inFlight > 2), "concurrency never reached 4");
});

Deno.test("retryAfterMs() reads retry-after-ms, seconds and HTTP dates", () => {
  assertEquals(retryAfterMs(new Headers({ "retry-after-ms": "250" }), 0), 250);
  assertEquals(retryAfterMs(new Headers({ "retry-after": "1.5" }), 0), 1500);
  assertEquals(
    retryAfterMs(new Headers({ "retry-after": new Date(NOW + 3000).toUTCString() }), NOW),
    3000,
  );
  assertEquals(retryAfterMs(new Headers({ "retry-after": "soon" }), 0), null);
  assertEquals(retryAfterMs(new Headers(), 0), null);
});
