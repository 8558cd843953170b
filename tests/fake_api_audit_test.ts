import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import OpenAI from "openai";
import { fakeFetch, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { type Body, getter, sdk } from "./_fake_clients.ts";
import { openapi } from "./_openapi.ts";

const STATE = stateFrom(readExample("state.yaml"));
const DAY = 86400;

/** Every event of a listing, paged by `last_id` as the SDK does, each page schema-checked. */
async function allEvents(get: ReturnType<typeof getter>, query: string): Promise<Body[]> {
  const out: Body[] = [];
  let after = "";
  for (;;) {
    const page = await get(`/organization/audit_logs?${query}${after}`);
    assertEquals(page.status, 200, JSON.stringify(page.body));
    ok(openapi("ListAuditLogsResponse")(page.body));
    out.push(...page.body.data);
    if (!page.body.has_more) return out;
    after = `&after=${page.body.last_id}`;
  }
}

Deno.test("audit logs: every page and event validates against ListAuditLogsResponse and AuditLog, newest first", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const events = await allEvents(get, "limit=100");
  // 129 keys carry created_by (the archived project's key has none) plus 2 explicit events.
  assertEquals(events.length, 131);
  for (const e of events) ok(openapi("AuditLog")(e));
  for (let i = 1; i < events.length; i++) {
    ok(events[i - 1].effective_at >= events[i].effective_at, `order at ${i}`);
  }
  assertEquals(new Set(events.map((e) => e.id)).size, events.length);
});

Deno.test("audit logs: the official SDK pages with limit 1 and 100 and gets the same events", async () => {
  const { fetch, api } = fakeFetch(structuredClone(STATE));
  const client = sdk(fetch);
  const ids = async (limit: number) => {
    const out: string[] = [];
    for await (
      const e of client.admin.organization.auditLogs.list({
        event_types: ["api_key.created", "api_key.updated"],
        project_ids: ["proj_payments"],
        limit,
      })
    ) out.push(e.id);
    return out;
  };
  const one = await ids(1);
  assertEquals(one, await ids(100));
  assertEquals(one.length, 7); // six keys created in payments, one update
  const q = decodeURIComponent(api.requests[0].query);
  ok(q.includes("event_types[]=api_key.created&event_types[]=api_key.updated"), q);
  ok(q.includes("project_ids[]=proj_payments"), q);
});

Deno.test("audit logs: resource_ids[], actor_ids[], actor_emails[] and effective_at[gte|lt] filter as the SDK sends them", async () => {
  const { fetch, api } = fakeFetch(structuredClone(STATE));
  const list = async (q: OpenAI.Admin.Organization.AuditLogListParams) => {
    const out = [];
    for await (const e of sdk(fetch).admin.organization.auditLogs.list(q)) out.push(e);
    return out;
  };
  const carl = await list({
    event_types: ["api_key.created"],
    resource_ids: ["key_old_ci_carl", "key_nope"],
    effective_at: { gte: NOW_S - 600 * DAY, lt: NOW_S },
  });
  assertEquals(carl.map((e) => e["api_key.created"]?.id), ["key_old_ci_carl"]);
  assertEquals(carl[0].effective_at, NOW_S - 500 * DAY);
  const sent = decodeURIComponent(api.requests.at(-1)!.query);
  ok(sent.includes(`effective_at[gte]=${NOW_S - 600 * DAY}`), sent);
  ok(sent.includes("resource_ids[]=key_old_ci_carl&resource_ids[]=key_nope"), sent);
  assertEquals(
    (await list({ resource_ids: ["key_old_ci_carl"], effective_at: { gt: NOW_S - 500 * DAY } }))
      .length,
    0,
  );
  const byBen = await list({ actor_emails: ["ben@example.test"] });
  assertEquals(byBen.map((e) => e.type).sort(), ["api_key.created", "api_key.updated"]);
  // actor_ids matches a user id, a service account id, or an api key's id.
  const byAdminKey = await list({ actor_ids: ["key_admin_ops"] });
  assertEquals(byAdminKey.length, 1 + 120 + 1); // refunds, 120 batch keys, one deletion
  assertEquals((await list({ actor_ids: ["user-ana"] })).length, 4 + 1 + 120 + 1);
});

Deno.test("audit logs: created_by gives a session actor for users and an api_key actor for keys", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const one = async (key: string) =>
    (await get(`/organization/audit_logs?resource_ids[]=${key}`)).body.data[0];
  const carl = await one("key_old_ci_carl");
  assertEquals(carl.type, "api_key.created");
  assertEquals(carl.project, { id: "proj_payments", name: "payments" });
  assertEquals(carl.actor, {
    type: "session",
    session: {
      user: { id: "user-carl", email: "carl@example.test" },
      ip_address: "203.0.113.7",
      user_agent: "curl/8.5.0",
    },
  });
  // A key created through the Admin API: the admin key's id and its owner (a user).
  assertEquals((await one("key_refunds_01")).actor, {
    type: "api_key",
    api_key: {
      id: "key_admin_ops",
      type: "user",
      user: { id: "user-ana", email: "ana@example.test" },
    },
  });
  // A service account acting through one of its keys: the key's id and the service account.
  assertEquals((await one("key_search_001")).actor.api_key.type, "user"); // via key_admin_ops
  const sa = stateFrom(
    "projects:\n  - id: p\n    service_accounts: [{ id: sa1, name: bot }]\n    keys:\n" +
      "      - { id: k1, name: a, owner: sa1 }\n" +
      "      - { id: k2, name: b, owner: sa1, created_by: { api_key: k1 } }\n" +
      "      - { id: k3, name: c, owner: sa1, created_by: { service_account: sa1 } }\n",
  );
  const saGet = getter(fakeFetch(sa).fetch);
  const actors = (await saGet("/organization/audit_logs")).body.data.map((e: Body) => e.actor);
  for (const a of actors) ok(openapi("AuditLogActor")(a));
  assertEquals(
    actors.map((a: Body) => a.api_key).sort((x: Body, y: Body) => x.id ? -1 : y.id ? 1 : 0),
    [
      { id: "k1", type: "service_account", service_account: { id: "sa1" } },
      { type: "service_account", service_account: { id: "sa1" } },
    ],
  );
  // The archived project's key has no created_by: no event.
  assertEquals(
    (await get("/organization/audit_logs?resource_ids[]=key_legacy_cron")).body.data,
    [],
  );
});

Deno.test("audit logs: before pages backwards through the same events as after", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  const forward = await allEvents(get, "project_ids[]=proj_search&limit=7");
  const backward: Body[] = [];
  let cursor = forward.at(-1).id;
  backward.unshift(forward.at(-1));
  for (;;) {
    const page = await get(
      `/organization/audit_logs?project_ids[]=proj_search&limit=7&before=${cursor}`,
    );
    ok(openapi("ListAuditLogsResponse")(page.body));
    backward.unshift(...page.body.data);
    if (!page.body.has_more) break;
    cursor = page.body.first_id;
  }
  assertEquals(backward.map((e) => e.id), forward.map((e) => e.id));
});

Deno.test("audit logs: enabled: false answers every request with a 403 ErrorResponse the SDK raises as PermissionDeniedError", async () => {
  const state = structuredClone(STATE);
  state.audit_log.enabled = false;
  const { fetch } = fakeFetch(state);
  const r = await getter(fetch)("/organization/audit_logs?limit=1");
  assertEquals(r.status, 403);
  ok(openapi("ErrorResponse")(r.body));
  ok(/audit logging is not enabled/i.test(r.body.error.message));
  try {
    for await (const _ of sdk(fetch).admin.organization.auditLogs.list()) break;
    throw new Error("no error");
  } catch (e) {
    ok(e instanceof OpenAI.PermissionDeniedError, String(e));
  }
  const loaded = stateFrom("projects: []\naudit_log: { enabled: false }\n");
  assertEquals(loaded.audit_log.enabled, false);
});

Deno.test("audit logs: bad filters and cursors are 400 ErrorResponses naming the parameter", async () => {
  const get = getter(fakeFetch(structuredClone(STATE)).fetch);
  for (
    const [q, param] of [
      ["event_types[]=api_key.exploded", "event_types"],
      ["effective_at[gte]=yesterday", "effective_at[gte]"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["after=audit_log-nope", "after"],
      ["before=audit_log-nope", "before"],
      ["tenant_only=maybe", "tenant_only"],
    ]
  ) {
    const r = await get(`/organization/audit_logs?${q}`);
    assertEquals([r.status, r.body.error?.param], [400, param], q);
    ok(openapi("ErrorResponse")(r.body));
  }
});

Deno.test("audit logs: faults with on: audit_logs fire on the audit log's page 2 and nowhere else", async () => {
  const state = structuredClone(STATE);
  state.faults = [{ on: "audit_logs", kind: "status", status: 503, page: 2 }];
  const get = getter(fakeFetch(state).fetch);
  const first = await get("/organization/audit_logs?limit=100");
  assertEquals(first.status, 200);
  assertEquals(
    (await get(`/organization/audit_logs?limit=100&after=${first.body.last_id}`)).status,
    503,
  );
  assertEquals(
    (await get("/organization/projects/proj_search/api_keys?limit=100&after=key_search_090"))
      .status,
    200,
  );
});

Deno.test("a URL longer than options.max_url_bytes (32 KB by default) gets the edge's HTML 414 without a request id", async () => {
  const ids = (n: number) =>
    Array.from({ length: n }, (_, i) => `resource_ids[]=key_${String(i).padStart(20, "0")}`)
      .join("&");
  const { fetch } = fakeFetch(structuredClone(STATE));
  const url = (n: number) => `http://127.0.0.1/v1/organization/audit_logs?${ids(n)}`;
  const headers = { authorization: "Bearer sk-admin-x" };
  // 40 bytes per id: 800 ids fit in 32 KB, 900 do not.
  assertEquals((await (await fetch(url(800), { headers })).json()).data, []);
  const r = await fetch(url(900), { headers });
  assertEquals([r.status, r.headers.get("x-request-id")], [414, null]);
  ok((await r.text()).includes("414 Request-URI Too Large"));
  const small = structuredClone(STATE);
  small.options.max_url_bytes = 2048;
  const r2 = await fakeFetch(small).fetch(url(60), { headers });
  assertEquals(r2.status, 414);
  await r2.body?.cancel();
});
