/**
 * The fake's model of the Admin API's budget (issue 21), in virtual time: N requests per rolling
 * window per path template, past it a 429 with the real API's message in the error envelope of
 * the OpenAPI spec, with no `retry-after` and no `x-ratelimit-*` header unless the switch asks for
 * `retry-after`. The official SDK reads the refusal as its RateLimitError.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import OpenAI from "openai";
import { createFakeApi } from "../lib/fake/mod.ts";
import { pathTemplate } from "../lib/fake/budget.ts";
import { loadState } from "../lib/fake/state.ts";
import { readFull } from "../lib/yaml/full.ts";
import { NOW_S, stateFrom, virtualClock } from "./_helpers.ts";
import { sdk } from "./_fake_clients.ts";
import { assertOpenapi } from "./_openapi.ts";

const PROJECTS = `projects:
  - { id: proj_a, service_accounts: [{ id: sa_a, name: bot }], keys: [{ id: key_a, name: k, owner: sa_a }] }
  - { id: proj_b, service_accounts: [{ id: sa_b, name: bot }], keys: [{ id: key_b, name: k, owner: sa_b }] }
`;

function fake(budget: string) {
  const clock = virtualClock(0);
  const api = createFakeApi(stateFrom(`options: { budget: ${budget} }\n${PROJECTS}`), clock);
  const get = async (path: string) => {
    const res = await api.handler(
      new Request(`http://127.0.0.1/v1${path}`, {
        headers: { authorization: "Bearer sk-admin-x" },
      }),
    );
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
  return { clock, api, get };
}

const KEYS = (p: string) => `/organization/projects/${p}/api_keys?owner_project_access=any`;

Deno.test("fake budget: each path template serves N requests per window, then a 429 in the spec's envelope with the real message and no rate headers", async () => {
  const { get } = fake("{ requests: 3 }");
  // Two projects' key listings share one template: three answers in all, then refusals.
  const statuses = [];
  for (const p of ["proj_a", "proj_b", "proj_a", "proj_b"]) {
    statuses.push((await get(KEYS(p))).status);
  }
  assertEquals(statuses, [200, 200, 200, 429]);
  const refused = await get(KEYS("proj_a"));
  assertEquals(refused.status, 429);
  assertOpenapi("ErrorResponse", refused.body);
  assertEquals(refused.body.error.message, "You're making too many requests, please slow down.");
  const names = [...refused.headers.keys()];
  ok(!names.some((h) => h.startsWith("retry-after") || h.startsWith("x-ratelimit")), `${names}`);
  ok(refused.headers.get("x-request-id"));
  // Another template has its own budget.
  assertEquals((await get("/organization/projects/proj_a")).status, 200);
  assertEquals((await get("/organization/projects?limit=100")).status, 200);
});

Deno.test("fake budget: the window rolls: a place frees a window after the request that took it, and a refusal takes none", async () => {
  const { clock, get } = fake("{ requests: 2, window_s: 60 }");
  assertEquals((await get(KEYS("proj_a"))).status, 200); // t = 0
  await clock.sleep(30_000);
  assertEquals((await get(KEYS("proj_a"))).status, 200); // t = 30 s
  await clock.sleep(29_999);
  assertEquals((await get(KEYS("proj_a"))).status, 429); // t = 59.999 s: both still count
  await clock.sleep(1);
  assertEquals((await get(KEYS("proj_a"))).status, 200); // t = 60 s: the first left the window
  await clock.sleep(29_999);
  // Refusals in between took no place: the one at 59.999 s did not push this back.
  assertEquals((await get(KEYS("proj_a"))).status, 429); // t = 89.999 s
  await clock.sleep(1);
  assertEquals((await get(KEYS("proj_a"))).status, 200); // t = 90 s
});

Deno.test("fake budget: the retry-after switch says how many whole seconds until the window has room", async () => {
  const { clock, get } = fake("{ requests: 1, retry_after: true }");
  assertEquals((await get(KEYS("proj_a"))).status, 200);
  await clock.sleep(20_500);
  const refused = await get(KEYS("proj_b"));
  assertEquals(refused.status, 429);
  assertEquals(refused.headers.get("retry-after"), "40");
  assertOpenapi("ErrorResponse", refused.body);
});

Deno.test("fake budget: the official SDK reads the refusal as a RateLimitError with the real message", async () => {
  const { api } = fake("{ requests: 1 }");
  const client = sdk((input, init) => api.handler(new Request(input, init)));
  await client.admin.organization.projects.apiKeys.list("proj_a", { owner_project_access: "any" });
  try {
    await client.admin.organization.projects.apiKeys.list("proj_b", {
      owner_project_access: "any",
    });
    throw new Error("the second listing was served");
  } catch (e) {
    ok(e instanceof OpenAI.RateLimitError, String(e));
    assertEquals(e.status, 429);
    ok(e.message.includes("You're making too many requests, please slow down."), e.message);
  }
});

Deno.test("fake budget: without a budget in the state nothing is refused", async () => {
  const { get } = fake("{ requests: 0 }");
  for (let i = 0; i < 50; i++) assertEquals((await get(KEYS("proj_a"))).status, 200);
});

Deno.test("fake budget: path templates put ids in their place, and keep usage families apart", () => {
  assertEquals(
    pathTemplate("/v1/organization/projects/proj_a/api_keys/key_1"),
    "/v1/organization/projects/{id}/api_keys/{id}",
  );
  assertEquals(pathTemplate("/v1/organization/projects/"), "/v1/organization/projects");
  assertEquals(
    pathTemplate("/v1/organization/admin_api_keys/k"),
    "/v1/organization/admin_api_keys/{id}",
  );
  assertEquals(
    pathTemplate("/v1/organization/usage/completions"),
    "/v1/organization/usage/completions",
  );
  assertEquals(pathTemplate("/v1/organization/audit_logs"), "/v1/organization/audit_logs");
});

Deno.test("fake budget: a budget the state file gets wrong is a located problem", () => {
  for (
    const bad of [
      "{ requests: -1 }",
      "{ requests: 7, window_s: 0 }",
      "{ window_s: 60 }",
      "{ requests: 7, retry_after: yes please }",
    ]
  ) {
    const { state, problems } = loadState(
      "s.yaml",
      `options: { budget: ${bad} }\n${PROJECTS}`,
      NOW_S,
      readFull,
    );
    assertEquals(state, null, bad);
    ok(
      problems.length > 0 && problems.every((p) => p.line === 1),
      `${bad}: ${JSON.stringify(problems)}`,
    );
  }
});
