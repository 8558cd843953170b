import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import OpenAI from "openai";
import { fakeFetch, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { type Body, sdk } from "./_fake_clients.ts";
import { openapi } from "./_openapi.ts";

const STATE = stateFrom(readExample("state.yaml"));
const DAY = 86400;

async function get(fetch: typeof globalThis.fetch, path: string) {
  const res = await fetch(`http://127.0.0.1/v1${path}`, {
    headers: { authorization: "Bearer sk-admin-x" },
  });
  return { status: res.status, body: await res.json() as Body };
}

Deno.test("admin_api_keys: the list and each retrieve validate against ApiKeyList and AdminApiKey, null name included", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  const list = await get(fetch, "/organization/admin_api_keys?limit=100");
  ok(openapi("ApiKeyList")(list.body));
  assertEquals(list.body.data.map((k: Body) => [k.id, k.name]), [
    ["key_admin_legacy", null],
    ["key_admin_ops", "ops-automation"],
  ]);
  for (const k of list.body.data) {
    const one = await get(fetch, `/organization/admin_api_keys/${k.id}`);
    ok(openapi("AdminApiKey")(one.body));
    assertEquals(one.body, k);
  }
  assertEquals(list.body.data[0].owner, {
    type: "service_account",
    object: "organization.service_account",
    id: "svc_acct_admin_old",
    name: "old-admin-bot",
    created_at: NOW_S - 420 * DAY,
    role: "member",
  });
  assertEquals(list.body.data[1].owner.role, "owner");
  assertEquals(list.body.data[1].owner.name, "Ana Ruiz");
});

Deno.test("admin_api_keys: the official SDK pages by the last item's id with limit 1 and gets the keys oldest first; order desc reverses", async () => {
  const state = structuredClone(STATE);
  for (let i = 0; i < 5; i++) {
    state.admin_keys.push({ ...state.admin_keys[1], id: `key_admin_x${i}`, created_at: NOW_S - i });
  }
  const { fetch, api } = fakeFetch(state);
  const ids = async (q: OpenAI.Admin.Organization.AdminAPIKeyListParams) => {
    const out: string[] = [];
    for await (const k of sdk(fetch).admin.organization.adminAPIKeys.list(q)) out.push(k.id);
    return out;
  };
  const asc = await ids({ limit: 1 });
  assertEquals(asc, await ids({ limit: 100 }));
  assertEquals(asc, [
    "key_admin_legacy",
    "key_admin_ops",
    "key_admin_x4",
    "key_admin_x3",
    "key_admin_x2",
    "key_admin_x1",
    "key_admin_x0",
  ]);
  ok(api.requests.some((r) => r.query.includes("after=key_admin_legacy")));
  assertEquals(await ids({ limit: 2, order: "desc" }), [...asc].reverse());
});

Deno.test("admin_api_keys: an unknown id is a 404 the SDK raises as NotFoundError; a bad order is a 400", async () => {
  const { fetch } = fakeFetch(structuredClone(STATE));
  try {
    await sdk(fetch).admin.organization.adminAPIKeys.retrieve("key_nope");
    throw new Error("no error");
  } catch (e) {
    ok(e instanceof OpenAI.NotFoundError, String(e));
  }
  const r = await get(fetch, "/organization/admin_api_keys?order=sideways");
  assertEquals([r.status, r.body.error.param], [400, "order"]);
  ok(openapi("ErrorResponse")(r.body));
  const ok1 = await sdk(fetch).admin.organization.adminAPIKeys.retrieve("key_admin_ops");
  assertEquals(ok1.id, "key_admin_ops");
});

Deno.test("admin_api_keys: on: admin_keys faults fire on the admin key routes only", async () => {
  const state = structuredClone(STATE);
  state.faults = [{ on: "admin_keys", kind: "ownerless" }];
  const { fetch } = fakeFetch(state);
  const list = await get(fetch, "/organization/admin_api_keys");
  assertEquals(list.body.data[0].owner, { type: "service_account" });
  const key = await get(fetch, "/organization/projects/proj_payments/api_keys/key_refunds_01");
  ok(key.body.owner.service_account);
});
