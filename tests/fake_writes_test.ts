/**
 * The fake's write endpoints (the ones keydrift's fixes call): off by default, and with writes on,
 * each answer validates against the response the official spec documents for that operation and
 * status (the key update, absent from the spec, against `ProjectApiKey`, as the SDK types it),
 * including the spec's 400 for a plain delete of a service-account key; each records its
 * audit-log event, shaped as the spec's `AuditLog`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import OpenAI from "openai";
import { fakeFetch, NOW_S, stateFrom } from "./_helpers.ts";
import { type Body, getter, sdk } from "./_fake_clients.ts";
import { openapi, responseValidator, specOperationFor } from "./_openapi.ts";

const STATE = `
users:
  - { id: user-ana, name: Ana, email: ana@example.test }
projects:
  - id: proj_a
    name: alpha
    members: [{ user: user-ana, role: owner }]
    service_accounts:
      - { id: svc_bot, name: bot }
    keys:
      - { id: key_user, name: laptop, owner: user-ana }
      - { id: key_bot1, name: worker, owner: svc_bot }
      - { id: key_bot2, name: worker-2, owner: svc_bot }
      - { id: key_old, name: old, owner: user-ana, expires_at: -1d }
  - id: proj_gone
    status: archived
    service_accounts: [{ id: svc_z, name: z }]
    keys: []
admin_keys:
  - { id: key_admin, name: null, owner: { user: user-ana } }
`;

/** The fake over the state above (writes on unless `writes: false`), and a request helper. */
function fake(writes = true) {
  const state = stateFrom(STATE);
  state.options.writes = writes;
  const { fetch, api } = fakeFetch(state);
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1/v1${path}`, {
      method,
      headers: { authorization: "Bearer sk-admin-x", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
  return { state, api, send, get: getter(fetch), fetch };
}

/** Asserts that `answer` is what the spec documents for `method path` at its status. */
function asSpecSays(method: string, path: string, answer: { status: number; body: Body }) {
  const op = specOperationFor(method, path);
  ok(op, `${method} ${path} is an operation of the spec`);
  assertEquals(responseValidator(method, op.template, answer.status)(answer.body), [], path);
}

const KEYS = "/organization/projects/proj_a/api_keys";
const SAS = "/organization/projects/proj_a/service_accounts";

Deno.test("writes are off by default: every write endpoint answers 403 writes_disabled and changes nothing", async () => {
  const { send, state } = fake(false);
  const before = structuredClone(state);
  for (
    const [method, path] of [
      ["DELETE", `${KEYS}/key_user`],
      ["POST", `${KEYS}/key_user`],
      ["DELETE", `${SAS}/svc_bot`],
      ["POST", SAS],
      ["POST", `${SAS}/svc_bot/api_keys`],
      ["DELETE", "/organization/admin_api_keys/key_admin"],
    ]
  ) {
    const r = await send(method, path, {});
    assertEquals([r.status, r.body.error.code], [403, "writes_disabled"], `${method} ${path}`);
    ok(openapi("ErrorResponse")(r.body));
    ok(r.body.error.message.includes("--writes"), r.body.error.message);
  }
  assertEquals(state, before);
});

Deno.test("DELETE of a user's key answers as the spec says; of a service-account key, the spec's 400, and the key stays", async () => {
  const { send, get } = fake();
  const user = await send("DELETE", `${KEYS}/key_user`);
  assertEquals([user.status, user.body.id, user.body.deleted], [200, "key_user", true]);
  asSpecSays("DELETE", `${KEYS}/key_user`, user);
  const bot = await send("DELETE", `${KEYS}/key_bot1`);
  assertEquals(bot.status, 400);
  asSpecSays("DELETE", `${KEYS}/key_bot1`, bot);
  const left = await get(`/organization/projects/proj_a/api_keys?owner_project_access=any`);
  assertEquals(left.body.data.map((k: Body) => k.id), ["key_bot1", "key_bot2", "key_old"]);
  assertEquals((await send("DELETE", `${KEYS}/key_user`)).status, 404);
});

Deno.test("DELETE of a service account answers as the spec says and takes its keys; an archived project's is a 400", async () => {
  const { send, get } = fake();
  const r = await send("DELETE", `${SAS}/svc_bot`);
  assertEquals([r.status, r.body.object, r.body.id], [
    200,
    "organization.project.service_account.deleted",
    "svc_bot",
  ]);
  asSpecSays("DELETE", `${SAS}/svc_bot`, r);
  const keys = await get(`/organization/projects/proj_a/api_keys?owner_project_access=any`);
  ok(openapi("ProjectApiKeyListResponse")(keys.body));
  assertEquals(keys.body.data.map((k: Body) => k.id), ["key_user", "key_old"]);
  assertEquals((await get(`${SAS}/svc_bot`)).status, 404);
  const archived = await send("DELETE", "/organization/projects/proj_gone/service_accounts/svc_z");
  assertEquals(archived.status, 400);
  ok(openapi("ErrorResponse")(archived.body));
});

Deno.test("DELETE of an admin key answers the spec's inline schema, and the key is no longer listed", async () => {
  const { send, get } = fake();
  const r = await send("DELETE", "/organization/admin_api_keys/key_admin");
  assertEquals(r.body, {
    id: "key_admin",
    object: "organization.admin_api_key.deleted",
    deleted: true,
  });
  asSpecSays("DELETE", "/organization/admin_api_keys/key_admin", r);
  assertEquals((await get("/organization/admin_api_keys")).body.data, []);
});

Deno.test("POST of a service account and of a service-account key answer as the spec says; the new keys are listed, owned by the account", async () => {
  const { send, get } = fake();
  const sa = await send("POST", SAS, { name: "reporting-bot" });
  asSpecSays("POST", SAS, sa);
  assertEquals([sa.body.role, sa.body.api_key.name], ["member", "reporting-bot"]);
  const key = await send("POST", `${SAS}/${sa.body.id}/api_keys`, { name: "reporting" });
  asSpecSays("POST", `${SAS}/${sa.body.id}/api_keys`, key);
  const keys = await get(`/organization/projects/proj_a/api_keys?owner_project_access=any`);
  const mine = keys.body.data.filter((k: Body) => k.owner.service_account?.id === sa.body.id);
  assertEquals(mine.map((k: Body) => k.name), ["reporting-bot", "reporting"]);
  const only = await send("POST", SAS, { name: "bare", create_service_account_only: true });
  assertEquals([only.body.role, only.body.api_key], ["none", null]);
  asSpecSays("POST", SAS, only);
  assertEquals((await send("POST", SAS, {})).body.error.param, "name");
  assertEquals((await send("POST", `${SAS}/svc_nope/api_keys`, {})).status, 404);
});

Deno.test("POST of a key update (official SDK, not the published spec) sets the expiry from now and answers a ProjectApiKey; an expired key or a bad body is a 400", async () => {
  const { send } = fake();
  assertEquals(specOperationFor("POST", `${KEYS}/key_user`), null);
  const r = await send("POST", `${KEYS}/key_user`, { expires_in_seconds: 3600 });
  assertEquals(r.status, 200);
  ok(openapi("ProjectApiKey")(r.body));
  assertEquals(r.body.expires_at, NOW_S + 3600);
  const bot = await send("POST", `${KEYS}/key_bot1`, { scopes: ["api.all.read"] });
  assertEquals(bot.status, 200, "the update works on a service-account key too");
  for (
    const [body, param] of [
      [{}, null],
      [{ expires_in_seconds: 0 }, "expires_in_seconds"],
      [{ expires_in_seconds: 31_536_001 }, "expires_in_seconds"],
      [{ expires_in_seconds: null }, "expires_in_seconds"],
      [{ scopes: "all" }, "scopes"],
      [{ name: "x" }, "name"],
    ] as const
  ) {
    const bad = await send("POST", `${KEYS}/key_user`, body);
    assertEquals([bad.status, bad.body.error.param], [400, param], JSON.stringify(body));
    ok(openapi("ErrorResponse")(bad.body));
  }
  const expired = await send("POST", `${KEYS}/key_old`, { expires_in_seconds: 60 });
  assertEquals(expired.status, 400);
});

Deno.test("every write records its audit-log event, shaped as the spec's AuditLog, newest first, found by resource id", async () => {
  const { send, get } = fake();
  await send("POST", `${KEYS}/key_user`, { expires_in_seconds: 60 });
  await send("DELETE", `${KEYS}/key_user`);
  await send("DELETE", `${SAS}/svc_bot`);
  const created = await send("POST", SAS, { name: "new-bot" });
  await send("DELETE", "/organization/admin_api_keys/key_admin");
  const log = await get("/organization/audit_logs?limit=100");
  ok(openapi("ListAuditLogsResponse")(log.body));
  const types = log.body.data.map((e: Body) => `${e.type} ${e[e.type].id}`);
  assertEquals(types, [
    `api_key.created ${created.body.api_key.id}`,
    `service_account.created ${created.body.id}`,
    "service_account.deleted svc_bot",
    "api_key.deleted key_user",
    "api_key.updated key_user",
  ]);
  for (const e of log.body.data) {
    ok(openapi("AuditLog")(e));
    assertEquals([e.effective_at, e.project.id], [NOW_S, "proj_a"]);
  }
  const tenant = await get("/organization/audit_logs?tenant_only=true");
  assertEquals(tenant.body.data.map((e: Body) => e.type), ["tenant.admin_api_key.deleted"]);
  ok(openapi("AuditLog")(tenant.body.data[0]));
  const byKey = await get("/organization/audit_logs?resource_ids[]=key_user");
  assertEquals(byKey.body.data.length, 2);
});

Deno.test("the official SDK's update and delete work against the fake with writes on, and a service-account key's delete is the SDK's BadRequestError", async () => {
  const { fetch } = fake();
  const keys = sdk(fetch).admin.organization.projects.apiKeys;
  const updated = await keys.update("key_user", { project_id: "proj_a", expires_in_seconds: 60 });
  assertEquals(updated.expires_at, NOW_S + 60);
  const deleted = await keys.delete("key_user", { project_id: "proj_a" });
  assertEquals(deleted.deleted, true);
  const refused = await keys.delete("key_bot1", { project_id: "proj_a" }).catch((e) => e);
  ok(refused instanceof OpenAI.BadRequestError, String(refused));
});
