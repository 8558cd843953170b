import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import OpenAI from "openai";
import { fakeFetch, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { sdk } from "./_fake_clients.ts";
import { assertOpenapi } from "./_openapi.ts";

const STATE = stateFrom(readExample("state.yaml"));

Deno.test("the official SDK pages through every project's keys with limit 1 and 100 and gets the same keys", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  const client = sdk(fetch);
  const projects: string[] = [];
  for await (
    const p of client.admin.organization.projects.list({ include_archived: true, limit: 1 })
  ) projects.push(p.id);
  assertEquals(projects, STATE.projects.map((p) => p.id));
  for (const id of projects) {
    const a: string[] = [];
    const b: string[] = [];
    for await (
      const k of client.admin.organization.projects.apiKeys.list(id, {
        owner_project_access: "any",
        limit: 1,
      })
    ) a.push(k.id);
    for await (
      const k of client.admin.organization.projects.apiKeys.list(id, {
        owner_project_access: "any",
        limit: 100,
      })
    ) b.push(k.id);
    assertEquals(a, b);
    assertEquals(a, STATE.projects.find((p) => p.id === id)!.keys.map((k) => k.id));
  }
});

Deno.test("every object the fake serves validates against the official OpenAPI schemas", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1/v1${path}`, {
      headers: { authorization: "Bearer sk-admin-x" },
    });
    ok(res.headers.get("x-request-id"), "x-request-id on every response");
    return { status: res.status, body: await res.json() };
  };
  const list = await get("/organization/projects?include_archived=true&limit=100");
  assertOpenapi("ProjectListResponse", list.body);
  for (const p of list.body.data) {
    assertOpenapi("Project", (await get(`/organization/projects/${p.id}`)).body);
    let after = "";
    for (;;) {
      const page = await get(
        `/organization/projects/${p.id}/api_keys?owner_project_access=any&limit=100${after}`,
      );
      assertOpenapi("ProjectApiKeyListResponse", page.body);
      for (const k of page.body.data) {
        assertOpenapi(
          "ProjectApiKey",
          (await get(`/organization/projects/${p.id}/api_keys/${k.id}`)).body,
        );
      }
      if (!page.body.has_more) break;
      after = `&after=${page.body.last_id}`;
    }
    if (p.status === "archived") continue;
    const users = await get(`/organization/projects/${p.id}/users`);
    assertOpenapi("ProjectUserListResponse", users.body);
    for (const u of users.body.data) {
      assertOpenapi(
        "ProjectUser",
        (await get(`/organization/projects/${p.id}/users/${u.id}`)).body,
      );
    }
    const sas = await get(`/organization/projects/${p.id}/service_accounts`);
    assertOpenapi("ProjectServiceAccountListResponse", sas.body);
    for (const sa of sas.body.data) {
      assertOpenapi(
        "ProjectServiceAccount",
        (await get(`/organization/projects/${p.id}/service_accounts/${sa.id}`)).body,
      );
    }
  }
  for (
    const path of [
      "/organization/projects/nope",
      "/organization/projects/proj_payments/api_keys/nope",
      "/organization/projektz",
      "/organization/projects?limit=101",
    ]
  ) {
    const r = await get(path);
    ok(r.status === 404 || r.status === 400, path);
    assertOpenapi("ErrorResponse", r.body);
  }
});

Deno.test("owner_project_access: omitted hides inactive-owner keys; any shows them; bad values are 400", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  const ids = async (q: string) => {
    const r = await fetch(
      `http://127.0.0.1/v1/organization/projects/proj_payments/api_keys?limit=100${q}`,
      { headers: { authorization: "Bearer sk-admin-x" } },
    );
    const body = await r.json();
    return r.status === 200 ? body.data.map((k: { id: string }) => k.id) : r.status;
  };
  ok(!(await ids("")).includes("key_old_ci_carl"));
  ok((await ids("&owner_project_access=any")).includes("key_old_ci_carl"));
  assertEquals(await ids("&owner_project_access=inactive"), ["key_old_ci_carl"]);
  assertEquals(await ids("&owner_project_access=all"), 400);
});

Deno.test("auth: no key, a project key and a wrong key get 401 envelopes; include_archived defaults to false", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  for (const h of [undefined, "Bearer sk-proj-abc", "Bearer sk-wrong-1234567890"]) {
    const r = await fetch("http://127.0.0.1/v1/organization/projects", {
      headers: h ? { authorization: h } : {},
    });
    assertEquals(r.status, 401);
    assertOpenapi("ErrorResponse", await r.json());
  }
  const r = await fetch("http://127.0.0.1/v1/organization/projects", {
    headers: { authorization: "Bearer sk-admin-1" },
  });
  ok(!(await r.json()).data.some((p: { id: string }) => p.id === "proj_legacy"));
});

Deno.test("the SDK sees SDK error classes with request ids from the fake", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  try {
    await sdk(fetch).admin.organization.projects.retrieve("proj_nope");
    throw new Error("no error");
  } catch (e) {
    ok(e instanceof OpenAI.NotFoundError);
    ok((e as InstanceType<typeof OpenAI.NotFoundError>).requestID?.startsWith("req_fake_"));
  }
});

Deno.test("state files: relative timestamps, generated keys, located errors", () => {
  const s = stateFrom(
    "projects:\n  - id: p\n    generate: { count: 3, owner: sa, name: 'b-{n}' }\n    service_accounts: [{ id: sa, name: bot }]\n    keys:\n      - { id: k, name: n, owner: sa, created_at: -2d, expires_at: null }\n",
  );
  assertEquals(s.projects[0].keys.map((k) => k.name), ["n", "b-1", "b-2", "b-3"]);
  assertEquals(s.projects[0].keys[0].created_at, NOW_S - 2 * 86400);
  try {
    stateFrom(
      "projects:\n  - id: p\n    keys:\n      - { id: k, name: n, owner: ghost, created_at: yesterday }\n",
    );
    throw new Error("accepted");
  } catch (e) {
    ok(String(e).includes('4:41: "created_at" is not a timestamp'), String(e));
    ok(String(e).includes('owner "ghost" is neither'), String(e));
  }
});

Deno.test("unknown routes, paths without /v1 and unsupported methods get the real API's 404 Invalid URL envelope", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  for (
    const [method, path] of [
      ["GET", "/organization/projects"],
      ["GET", "/organization/audit_logs"],
      ["GET", "/organization/admin_api_keys"],
      ["GET", "/v1/organization/projektz"],
      ["GET", "/v1/organization/usage/completionz"],
      ["POST", "/v1/organization/audit_logs"],
      ["DELETE", "/v1/organization/audit_logs"],
      ["PATCH", "/v1/organization/projects/proj_payments/api_keys/key_old_ci_carl"],
    ]
  ) {
    const r = await fetch(`http://127.0.0.1${path}?limit=1`, {
      method,
      headers: { authorization: "Bearer sk-admin-x" },
    });
    assertEquals(r.status, 404, path);
    assertEquals(await r.json(), {
      error: {
        message: `Invalid URL (${method} ${path})`,
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  }
});

Deno.test("state files: created_by, usage, admin_keys and audit_log problems are located", () => {
  const text = [
    "users: [{ id: u1, name: U, email: u@x.test }]",
    "projects:",
    "  - id: p",
    "    members: [{ user: u1, role: owner }]",
    "    keys:",
    "      - { id: k1, name: a, owner: u1, created_by: { user: ghost } }",
    "      - { id: k2, name: b, owner: u1, created_by: { api_key: k9, ip: 1.2.3.4 } }",
    "      - { id: k3, name: c, owner: u1, created_by: { user: u1, api_key: k1 } }",
    "      - { id: k4, name: d, owner: u1, usage: [{ day: soon, requests: 1 }] }",
    "admin_keys:",
    "  - { id: ka, name: n, owner: { user: u1, service_account: s } }",
    "  - { id: kb, owner: { user: nobody } }",
    "audit_log:",
    "  events:",
    "    - { type: api_key.exploded, at: -1d }",
    "    - { type: api_key.deleted, at: -1d, project: p_nope }",
    "",
  ].join("\n");
  let message = "";
  try {
    stateFrom(text);
  } catch (e) {
    message = String(e);
  }
  // The schema check runs first (the unknown event type); fix it to see the rest.
  ok(message.includes('15:15: "type" in audit event must be one of the'), message);
  try {
    stateFrom(text.replace("api_key.exploded", "api_key.created"));
  } catch (e) {
    message = String(e);
  }
  for (
    const want of [
      '6:53: actor "ghost" is not an org user',
      '7:53: actor "k9" is neither a project key nor an admin key',
      '7:66: "ip" belongs to session actors',
      '8:51: an actor has exactly one of "user", "service_account" or "api_key"',
      '9:49: "day" is not a timestamp',
      "11:24: an admin key's owner has exactly one of",
      '12:24: owner "nobody" is not an org user',
      '16:41: project "p_nope" is not in this state',
    ]
  ) ok(message.includes(want), `${want}\n${message}`);
});
