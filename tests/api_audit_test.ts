/**
 * readKeyEvents() against an audit-log server written here from the OpenAPI spec (filters
 * `event_types[]`, `resource_ids[]`, `project_ids[]`, `effective_at[gte]`, newest first, `after` =
 * an event id) whose every honest answer validates against `ListAuditLogsResponse`, and against
 * variants that lie, loop, refuse or send malformed events.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { AUDIT_NOT_ENABLED, readKeyEvents } from "../lib/api/audit.ts";
import { CURSOR_RESERVE, UnavailableError, URL_BUDGET } from "../lib/api/enrich.ts";
import { ApiError } from "../lib/core/errors.ts";
import { ADMIN_KEY, fakeFetch, NOW, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { all, assertSpec, envelope, frontDoor, type Handler, json, wire } from "./_spec_servers.ts";

type Json = Record<string, unknown>;
const DAY = 86_400;
const SINCE = NOW_S - 90 * DAY;

const ANA = {
  type: "session",
  session: {
    user: { id: "user-ana", email: "ana@example.test" },
    ip_address: "203.0.113.7",
    user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
  },
};
const BOT_KEY = {
  type: "api_key",
  api_key: { id: "key_admin_ci", type: "service_account", service_account: { id: "svc_acct_ci" } },
};
const CARL_KEY = {
  type: "api_key",
  api_key: {
    id: "key_carl_admin",
    type: "user",
    user: { id: "user-carl", email: "c@example.test" },
  },
};

let serial = 0;
function event(type: string, keyId: string, at: number, actor: Json | null, extra: Json = {}) {
  return {
    id: `audit_log-${String(++serial).padStart(6, "0")}_20261101`,
    type,
    effective_at: at,
    project: { id: "proj_a", name: "a" },
    actor,
    [type]: type === "api_key.updated"
      ? { id: keyId, changes_requested: { scopes: ["api.model.request"] } }
      : { id: keyId, data: { scopes: [] } },
    ...extra,
  };
}

/** The audit log as the spec describes it; `enabled: false` answers as an org without it. */
function auditApi(world: { events: Json[]; enabled?: boolean }, validate = true): Handler {
  return frontDoor({
    "/organization/audit_logs": (url) => {
      if (world.enabled === false) {
        // ASSUMPTION (see docs/api.md): the status and words are undocumented; this paraphrases the
        // documented rule that an organisation owner must first enable audit logging.
        return json(
          403,
          envelope(
            "Audit logging is not enabled for this organization. An organization owner can activate it in the Data Controls settings.",
          ),
        );
      }
      const q = url.searchParams;
      const limit = Number(q.get("limit") ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return json(400, envelope("Invalid 'limit'", null));
      }
      const [types, resources, projects] = ["event_types", "resource_ids", "project_ids"].map((
        n,
      ) => all(url, n));
      const gte = Number(q.get("effective_at[gte]") ?? 0);
      const items = world.events
        .filter((e) =>
          (!types.length || types.includes(e.type as string)) &&
          (!resources.length || resources.includes((e[e.type as string] as Json).id as string)) &&
          (!projects.length || projects.includes((e.project as Json).id as string)) &&
          (e.effective_at as number) >= gte
        )
        .sort((a, b) => (b.effective_at as number) - (a.effective_at as number));
      const after = q.get("after");
      const start = after === null ? 0 : items.findIndex((e) => e.id === after) + 1;
      if (after !== null && start === 0) return json(400, envelope(`Invalid 'after': ${after}`));
      const data = items.slice(start, start + limit);
      const page = {
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: start + limit < items.length,
      };
      if (validate) assertSpec("ListAuditLogsResponse", page);
      return json(200, page);
    },
    "/organization/projects": () =>
      json(200, { object: "list", data: [], first_id: null, last_id: null, has_more: false }),
  });
}

const WORLD = () => ({
  events: [
    event("api_key.created", "key_laptop", NOW_S - 30 * DAY, ANA),
    event("api_key.created", "key_worker", NOW_S - 20 * DAY, BOT_KEY),
    event("api_key.updated", "key_worker", NOW_S - 10 * DAY, CARL_KEY),
    event("api_key.updated", "key_worker", NOW_S - 5 * DAY, ANA),
    event("api_key.updated", "key_worker", NOW_S - 8 * DAY, BOT_KEY),
    event("api_key.created", "key_old", SINCE - DAY, ANA),
    event("api_key.created", "key_other", NOW_S - DAY, ANA),
    event("api_key.deleted", "key_laptop", NOW_S - DAY, ANA),
  ],
});

Deno.test("readKeyEvents() finds each key's creation and latest update in one GET, with the actor, IP and user agent", async () => {
  const { core, requests } = wire(auditApi(WORLD()));
  const r = await readKeyEvents(core, {
    keyIds: ["key_laptop", "key_worker", "key_old", "key_gone"],
    since: SINCE,
    now: NOW,
  });
  assertEquals(requests.length, 1);
  assertEquals(requests[0].method, "GET");
  const q = requests[0].url.searchParams;
  assertEquals(q.getAll("event_types[]"), ["api_key.created", "api_key.updated"]);
  assertEquals(q.getAll("resource_ids[]"), ["key_laptop", "key_worker", "key_old", "key_gone"]);
  assertEquals([q.get("effective_at[gte]"), q.get("limit")], [String(SINCE), "100"]);
  assertEquals(q.getAll("project_ids[]"), []);
  assertEquals(r.byKey.get("key_laptop"), {
    created: {
      event: "api_key.created",
      at: NOW_S - 30 * DAY,
      actor: {
        type: "session",
        user_id: "user-ana",
        email: "ana@example.test",
        api_key_id: null,
        service_account_id: null,
      },
      ip_address: "203.0.113.7",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
    },
    updated: null,
  });
  const worker = r.byKey.get("key_worker")!;
  assertEquals(worker.created?.actor, {
    type: "api_key",
    user_id: null,
    email: null,
    api_key_id: "key_admin_ci",
    service_account_id: "svc_acct_ci",
  });
  assertEquals([worker.created?.ip_address, worker.created?.user_agent], [null, null]);
  assertEquals(worker.updated?.at, NOW_S - 5 * DAY);
  assertEquals(worker.updated?.actor?.email, "ana@example.test");
  // key_old was created before the window; key_gone has no event at all.
  assertEquals(r.noEvent, ["key_old", "key_gone"]);
  assertEquals(r.byKey.size, 2);
});

Deno.test("readKeyEvents() reads a user-owned API key actor, a null actor and only the event types asked for", async () => {
  const world = {
    events: [
      event("api_key.created", "key_a", NOW_S - 3 * DAY, CARL_KEY),
      event("api_key.created", "key_b", NOW_S - 2 * DAY, null),
      event("api_key.updated", "key_a", NOW_S - DAY, ANA),
    ],
  };
  const { core, requests } = wire(auditApi(world));
  const r = await readKeyEvents(core, {
    keyIds: ["key_a", "key_b"],
    since: SINCE,
    now: NOW,
    eventTypes: ["api_key.created"],
    projectIds: ["proj_a"],
  });
  assertEquals(requests[0].url.searchParams.getAll("event_types[]"), ["api_key.created"]);
  assertEquals(requests[0].url.searchParams.getAll("project_ids[]"), ["proj_a"]);
  assertEquals(r.byKey.get("key_a")?.created?.actor, {
    type: "api_key",
    user_id: "user-carl",
    email: "c@example.test",
    api_key_id: "key_carl_admin",
    service_account_id: null,
  });
  assertEquals(r.byKey.get("key_a")?.updated, null);
  assertEquals(r.byKey.get("key_b")?.created?.actor, null);
});

Deno.test("readKeyEvents() batches 3,000 key ids into the fewest GETs that keep every URL within 6,000 characters", async () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `key_${String(i).padStart(20, "0")}`);
  const world = { events: ids.map((id, i) => event("api_key.created", id, NOW_S - i, ANA)) };
  const { core, requests } = wire(auditApi(world));
  const r = await readKeyEvents(core, { keyIds: ids, since: SINCE, now: NOW });
  assertEquals(r.byKey.size, 3000);
  assertEquals(r.noEvent, []);
  ok(requests.every((q) => q.href.length <= URL_BUDGET), "a URL is over the budget");
  const firstPages = requests.filter((q) => !q.url.searchParams.has("after"));
  const asked = firstPages.flatMap((q) => q.url.searchParams.getAll("resource_ids[]"));
  assertEquals(asked.sort(), [...ids].sort(), "every id asked exactly once");
  // Every batch but one is full: one more id (and the cursor's room) would break the budget.
  const perId = "&resource_ids%5B%5D=".length + ids[0].length;
  const notFull = firstPages.filter((q) => q.href.length + perId + CURSOR_RESERVE <= URL_BUDGET);
  ok(notFull.length <= 1, `${notFull.length} batches are not full`);
  const sizes = firstPages.map((q) => q.url.searchParams.getAll("resource_ids[]").length);
  assertEquals(firstPages.length, Math.ceil(3000 / Math.max(...sizes)));
  ok(firstPages.length <= 25, `${firstPages.length} batches for 3,000 keys`);
  // A batch's events take as many pages of 100 as they fill, paged by after = last_id.
  const pages = requests.length;
  assertEquals(
    pages,
    firstPages.reduce((n, q) => {
      const k = q.url.searchParams.getAll("resource_ids[]").length;
      return n + Math.ceil(k / 100);
    }, 0),
  );
});

Deno.test("readKeyEvents() pages with after = last_id to the end of the log", async () => {
  const world = {
    events: Array.from(
      { length: 250 },
      (_, i) => event("api_key.updated", "key_busy", NOW_S - i * 60, i === 17 ? CARL_KEY : ANA),
    ),
  };
  const { core, requests } = wire(auditApi(world));
  const r = await readKeyEvents(core, { keyIds: ["key_busy"], since: SINCE, now: NOW });
  assertEquals(requests.map((q) => q.url.searchParams.get("after")), [
    null,
    world.events[99].id,
    world.events[199].id,
  ]);
  assertEquals(r.byKey.get("key_busy")?.updated?.at, NOW_S);
  assertEquals(r.byKey.get("key_busy")?.created, null);
});

/** The honest server, with its answer to the audit log replaced. */
function tampered(override: (url: URL, honest: () => Promise<Json>) => Promise<Response>): Handler {
  const honest = auditApi(WORLD());
  return frontDoor({
    "/organization/audit_logs": (url, req) =>
      override(url, async () => await (await honest(url, req)).json()),
  });
}

const LIST = (data: Json[], more: Json = {}) => ({
  object: "list",
  data,
  first_id: data[0]?.id ?? null,
  last_id: data.at(-1)?.id ?? null,
  has_more: false,
  ...more,
});

const GUARDS: [string, Handler, RegExp, number?][] = [
  [
    "a last_id that is not the page's last event",
    tampered(async (_, h) => json(200, { ...(await h()), last_id: "audit_log-zzz" })),
    /"last_id" is "audit_log-zzz" but the page's last item is/,
  ],
  [
    "has_more without last_id",
    tampered(async (_, h) => json(200, { ...(await h()), has_more: true, last_id: null })),
    /has_more is true but "last_id" is missing/,
  ],
  [
    "a server that ignores after (the same page again)",
    tampered(async (url, h) => {
      url.searchParams.delete("after");
      return json(200, { ...(await h()), has_more: true });
    }),
    /appears twice/,
  ],
  [
    "endless pages of new events",
    (() => {
      let n = 0;
      return frontDoor({
        "/organization/audit_logs": () => {
          const e = {
            ...event("api_key.updated", "key_laptop", NOW_S, ANA),
            id: `audit_log-${++n}`,
          };
          return Promise.resolve(json(200, LIST([e], { has_more: true })));
        },
      });
    })(),
    /goes on past 20 pages/,
    20,
  ],
  [
    "a page longer than the limit",
    tampered(() => {
      const many = Array.from(
        { length: 101 },
        () => event("api_key.created", "key_laptop", NOW_S, ANA),
      );
      return Promise.resolve(json(200, LIST(many)));
    }),
    /101 items, more than the limit of 100/,
  ],
  [
    "the same event twice",
    tampered(() => {
      const e = event("api_key.created", "key_laptop", NOW_S, ANA);
      return Promise.resolve(json(200, LIST([e, e])));
    }),
    /appears twice/,
  ],
  [
    "an event about a key not asked for (the filter was not applied)",
    tampered(() =>
      Promise.resolve(json(200, LIST([event("api_key.created", "key_x", NOW_S, ANA)])))
    ),
    /about key "key_x", which was not asked for/,
  ],
  [
    "an event type not asked for",
    tampered(() =>
      Promise.resolve(json(200, LIST([event("api_key.deleted", "key_laptop", NOW_S, ANA)])))
    ),
    /"type" is "api_key.deleted", not "api_key.created" or "api_key.updated"/,
  ],
  [
    "an event before the window",
    tampered(() =>
      Promise.resolve(json(200, LIST([event("api_key.created", "key_laptop", SINCE - 1, ANA)])))
    ),
    /before the window asked for/,
  ],
  [
    "an effective_at that is a string",
    tampered(() =>
      Promise.resolve(
        json(
          200,
          LIST([{ ...event("api_key.created", "key_laptop", 0, ANA), effective_at: "today" }]),
        ),
      )
    ),
    /"effective_at" is a string, not an integer/,
  ],
  [
    "an event without its details object",
    tampered(() => {
      const { ["api_key.created"]: _, ...e } = event("api_key.created", "key_laptop", NOW_S, ANA);
      return Promise.resolve(json(200, LIST([e])));
    }),
    /it has no "api_key.created" object/,
  ],
  [
    "an actor of an unknown type",
    tampered(() =>
      Promise.resolve(
        json(200, LIST([event("api_key.created", "key_laptop", NOW_S, { type: "robot" })])),
      )
    ),
    /"type" is "robot", not "session" or "api_key"/,
  ],
  [
    "a session actor without its session",
    tampered(() =>
      Promise.resolve(
        json(200, LIST([event("api_key.created", "key_laptop", NOW_S, { type: "session" })])),
      )
    ),
    /the actor says "session" but has no "session" object/,
  ],
  [
    "an email that is a number",
    tampered(() =>
      Promise.resolve(
        json(
          200,
          LIST([
            event("api_key.created", "key_laptop", NOW_S, {
              type: "session",
              session: { user: { id: "u", email: 7 } },
            }),
          ]),
        ),
      )
    ),
    /"email" is a number, not a string/,
  ],
  [
    "two creation events for one key",
    tampered(() =>
      Promise.resolve(
        json(
          200,
          LIST([
            event("api_key.created", "key_laptop", NOW_S, ANA),
            event("api_key.created", "key_laptop", NOW_S - 1, ANA),
          ]),
        ),
      )
    ),
    /key "key_laptop" has two creation events/,
  ],
];

for (const [name, handler, re, maxPages] of GUARDS) {
  Deno.test(`readKeyEvents() fails closed on ${name}`, async () => {
    const { core } = wire(handler, { maxPages });
    await rejects(
      readKeyEvents(core, { keyIds: ["key_laptop", "key_worker"], since: SINCE, now: NOW }),
      (e) => e instanceof ApiError && !(e instanceof UnavailableError) && re.test(e.message),
    );
  });
}

Deno.test("readKeyEvents() says audit logging is not enabled, and the run's other reads go on", async () => {
  const { core, requests } = wire(auditApi({ ...WORLD(), enabled: false }));
  await rejects(
    readKeyEvents(core, { keyIds: ["key_laptop"], since: SINCE, now: NOW }),
    (e) =>
      e instanceof UnavailableError && e.reason === "not_enabled" && e.status === 403 &&
      e.summary === "audit logging is not enabled for the organisation" &&
      /answered 403 \(request id req_spec\): Audit logging is not enabled/.test(e.message),
  );
  assertEquals(requests.length, 1, "a refusal is not retried");
  const after = await core.get("list projects", "/organization/projects", [], 2);
  ok("json" in after, "the refusal ended the other reads");
});

Deno.test("readKeyEvents() retries a 404 without the API's error envelope (a proxy's page) like any read, then fails it as the core does", async () => {
  let served = 0;
  const { core, requests } = wire(
    tampered(() => {
      served++;
      return Promise.resolve(new Response("<html>not here</html>", { status: 404 }));
    }),
    { maxRetries: 2 },
  );
  await rejects(
    readKeyEvents(core, { keyIds: ["key_laptop"], since: SINCE, now: NOW }),
    (e) =>
      e instanceof ApiError && !(e instanceof UnavailableError) &&
      /without the OpenAI error envelope/.test(e.message),
  );
  assertEquals(served, 3, "the first answer and two retries");
  assertEquals(requests.length, 3);
});

const REFUSALS: [string, number, string, string | null][] = [
  ["403 for a key without the audit-log permission", 403, "You do not have access", null],
  [
    "401 naming the missing scope",
    401,
    "You have insufficient permissions for this operation. Missing scopes: api.audit_logs.read.",
    null,
  ],
];

for (const [name, status, message, code] of REFUSALS) {
  Deno.test(`readKeyEvents() reports ${name} as permission denied, without the admin key`, async () => {
    const { core, requests } = wire(frontDoor({
      "/organization/audit_logs": () =>
        Promise.resolve(json(status, envelope(`${message} (key ${ADMIN_KEY})`, code))),
    }));
    await rejects(
      readKeyEvents(core, { keyIds: ["key_laptop"], since: SINCE, now: NOW }),
      (e) =>
        e instanceof UnavailableError && e.reason === "permission_denied" &&
        e.summary.startsWith("permission denied") && e.message.includes("api.audit_logs.read") &&
        !e.message.includes(ADMIN_KEY) && e.message.includes("[REDACTED]"),
    );
    assertEquals(requests.length, 1);
  });
}

Deno.test("readKeyEvents() leaves an unknown admin key (401 invalid_api_key) to end the run", async () => {
  const { core } = wire(frontDoor({
    "/organization/audit_logs": () =>
      Promise.resolve(json(401, envelope("Incorrect API key provided", "invalid_api_key"))),
  }));
  await rejects(
    readKeyEvents(core, { keyIds: ["key_laptop"], since: SINCE, now: NOW }),
    (e) =>
      e instanceof ApiError && !(e instanceof UnavailableError) && /answered 401/.test(e.message),
  );
  await rejects(core.get("list projects", "/organization/projects", [], 2), /answered 401/);
});

Deno.test("readKeyEvents() scrubs the admin key from every string an event carries", async () => {
  const leaky = {
    type: "session",
    session: {
      user: { id: "user-x", email: `x+${ADMIN_KEY}@example.test` },
      ip_address: ADMIN_KEY,
      user_agent: `curl ${ADMIN_KEY}`,
    },
  };
  const { core } = wire(auditApi({ events: [event("api_key.created", "key_a", NOW_S, leaky)] }));
  const r = await readKeyEvents(core, { keyIds: ["key_a"], since: SINCE, now: NOW });
  const text = JSON.stringify(Object.fromEntries(r.byKey));
  ok(!text.includes(ADMIN_KEY), text);
  assertEquals(r.byKey.get("key_a")?.created?.ip_address, "[REDACTED]");
});

Deno.test("readKeyEvents(): an event dated in the future (past 5 minutes of clock skew) or before OpenAI existed leaves that key's attribution unknown with why; the other keys' events stand", async () => {
  const in2029 = Date.UTC(2029, 0, 1) / 1000;
  const world = {
    events: [
      event("api_key.created", "key_future", in2029, ANA),
      event("api_key.created", "key_updated_later", NOW_S - DAY, ANA),
      event("api_key.updated", "key_updated_later", NOW_S + 301, ANA),
      event("api_key.created", "key_ancient", Date.UTC(2015, 0, 1) / 1000, ANA),
      event("api_key.created", "key_skewed", NOW_S + 300, ANA),
      event("api_key.created", "key_fine", NOW_S - DAY, BOT_KEY),
    ],
  };
  world.events.forEach((e) => assertSpec("AuditLog", e));
  const { core } = wire(auditApi(world));
  const keyIds = ["key_future", "key_updated_later", "key_ancient", "key_skewed", "key_fine"];
  const r = await readKeyEvents(core, { keyIds, since: 0, now: NOW });
  assertEquals(Object.fromEntries(r.unknown), {
    key_future:
      "the audit log dates its api_key.created event for the key 2029-01-01T00:00:00Z, in the future; who acted is unknown",
    key_updated_later:
      "the audit log dates its api_key.updated event for the key 2026-11-20T00:05:01Z, in the future; who acted is unknown",
    key_ancient:
      "the audit log dates its api_key.created event for the key 2015-01-01T00:00:00Z, before OpenAI existed; who acted is unknown",
  });
  assertEquals([...r.byKey.keys()].sort(), ["key_fine", "key_skewed"]);
  assertEquals(r.byKey.get("key_skewed")?.created?.at, NOW_S + 300);
  assertEquals(r.noEvent, []);
});

Deno.test("readKeyEvents() asks nothing for no keys and refuses an id too long for any URL, no event types or a bad window", async () => {
  const { core, requests } = wire(auditApi(WORLD()));
  assertEquals(await readKeyEvents(core, { keyIds: [], since: SINCE, now: NOW }), {
    byKey: new Map(),
    noEvent: [],
    unknown: new Map(),
  });
  assertEquals(requests.length, 0);
  await rejects(
    readKeyEvents(core, { keyIds: ["k".repeat(7000)], since: SINCE, now: NOW }),
    /alone would make a URL longer than 6000 characters/,
  );
  await rejects(
    readKeyEvents(core, { keyIds: ["k"], since: SINCE, now: NOW, eventTypes: [] }),
    RangeError,
  );
  await rejects(readKeyEvents(core, { keyIds: ["k"], since: NOW_S + 0.5, now: NOW }), RangeError);
  assertEquals(requests.length, 0);
});

Deno.test("the test server's events are valid AuditLog objects and the spec's own example parses", () => {
  for (const e of WORLD().events) assertSpec("AuditLog", e);
  assertSpec("AuditLog", event("api_key.created", "key_a", NOW_S, null));
});

Deno.test("readKeyEvents(): once one batch fails, the other batches read no further pages", async () => {
  const ids = Array.from({ length: 300 }, (_, i) => `key_${String(i).padStart(36, "0")}`);
  // 5 events a key: a batch of ~100 keys has 5 pages of events.
  const world = {
    events: ids.flatMap((id, i) =>
      [0, 1, 2, 3, 4].map((d) => event("api_key.updated", id, NOW_S - i * 10 - d, ANA))
    ),
  };
  const honest = auditApi(world);
  const { core, requests } = wire(frontDoor({
    "/organization/audit_logs": (url, req) =>
      all(url, "resource_ids").includes(ids[0])
        ? json(200, LIST([{ ...event("api_key.created", ids[0], NOW_S, ANA), effective_at: "x" }]))
        : honest(url, req),
  }));
  await rejects(
    readKeyEvents(core, { keyIds: ids, since: SINCE, now: NOW }),
    /"effective_at" is a string/,
  );
  // Let the other batches finish what they will do after the failure.
  await new Promise((r) => setTimeout(r, 100));
  const batches = requests.filter((r) => !r.url.searchParams.has("after")).length;
  ok(batches >= 2, `${batches} batches`);
  // Without the stop, the other batches would read ~5 pages each.
  ok(requests.length <= 2 * batches, `${requests.length} GETs for ${batches} batches`);
});

Deno.test("AUDIT_NOT_ENABLED knows 'not enabled' answers from permission answers", () => {
  for (
    const m of [
      "Audit logging is not enabled for this organization.",
      "Audit logs are not yet enabled",
      "audit_logs has not been activated for org-123",
      "You must enable audit logging in the Data Controls settings",
    ]
  ) ok(AUDIT_NOT_ENABLED.test(m), m);
  for (
    const m of [
      "You have insufficient permissions for this operation. Missing scopes: api.audit_logs.read.",
      "Audit logs: you do not have permission; enabled scopes: api.model.read",
      "Incorrect API key provided",
    ]
  ) ok(!AUDIT_NOT_ENABLED.test(m), m);
});

Deno.test("readKeyEvents() agrees with the fake Admin API on the example organisation", async () => {
  const state = stateFrom(readExample("state.yaml"));
  const { fetch } = fakeFetch(state);
  const { core, requests } = wire((_, req) => fetch(req));
  const keyIds = state.projects.flatMap((p) => p.keys.map((k) => k.id));
  const r = await readKeyEvents(core, { keyIds, since: 0, now: NOW });
  assertEquals(r.byKey.get("key_old_ci_carl")?.created?.actor?.email, "carl@example.test");
  assertEquals(r.byKey.get("key_old_ci_carl")?.created?.ip_address, "203.0.113.7");
  assertEquals(r.byKey.get("key_old_ci_carl")?.created?.user_agent, "curl/8.5.0");
  ok(r.noEvent.includes("key_legacy_cron"));
  assertEquals(r.byKey.size + r.noEvent.length, keyIds.length);
  assertEquals(requests.filter((q) => !q.url.searchParams.has("after")).length, 1);
});
