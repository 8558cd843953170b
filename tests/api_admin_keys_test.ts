/**
 * listAdminKeys() against an admin-key server written here from the OpenAPI spec (`limit`,
 * `order`, `after` = a key id; `ApiKeyList` requires only `object`) whose every honest answer
 * validates against `ApiKeyList`, and against variants that lie, loop or send malformed keys.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { listAdminKeys } from "../lib/api/admin_keys.ts";
import { ApiError } from "../lib/core/errors.ts";
import { ADMIN_KEY, fakeFetch, NOW_S, readExample, stateFrom } from "./_helpers.ts";
import { assertSpec, envelope, frontDoor, type Handler, json, wire } from "./_spec_servers.ts";

type Json = Record<string, unknown>;

function adminKey(n: number, extra: Json = {}): Json {
  return {
    object: "organization.admin_api_key",
    id: `key_adm_${String(n).padStart(4, "0")}`,
    name: `admin ${n}`,
    redacted_value: "sk-admin****************************s1MA",
    created_at: NOW_S - 100_000 + n,
    expires_at: null,
    last_used_at: NOW_S - 60,
    owner: {
      type: "user",
      object: "organization.user",
      id: "user-ana",
      name: "Ana",
      created_at: 1_700_000_000,
      role: "owner",
    },
    ...extra,
  };
}

/** The admin keys as the spec describes them; `lastId: false` leaves out the optional last_id. */
function adminApi(keys: Json[], o: { lastId?: boolean; validate?: boolean } = {}): Handler {
  return frontDoor({
    "/organization/admin_api_keys": (url) => {
      const q = url.searchParams;
      const limit = Number(q.get("limit") ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return json(400, envelope("Invalid 'limit'"));
      }
      const order = q.get("order") ?? "asc";
      if (order !== "asc" && order !== "desc") return json(400, envelope("Invalid 'order'"));
      const sorted = [...keys].sort((a, b) =>
        ((a.created_at as number) - (b.created_at as number)) * (order === "asc" ? 1 : -1)
      );
      const after = q.get("after");
      const start = after === null ? 0 : sorted.findIndex((k) => k.id === after) + 1;
      if (after !== null && start === 0) return json(400, envelope(`Invalid 'after': ${after}`));
      const data = sorted.slice(start, start + limit);
      const page: Json = { object: "list", data, has_more: start + limit < sorted.length };
      if (o.lastId !== false) {
        page.first_id = data[0]?.id ?? null;
        page.last_id = data.at(-1)?.id ?? null;
      }
      if (o.validate !== false) assertSpec("ApiKeyList", page);
      return json(200, page);
    },
  });
}

const KEYS = Array.from({ length: 250 }, (_, i) => adminKey(i + 1));

Deno.test("listAdminKeys() reads 250 admin keys in 3 GETs, order=asc, after = the last key's id", async () => {
  const { core, requests } = wire(adminApi(KEYS));
  const keys = await listAdminKeys(core);
  assertEquals(keys.map((k) => k.id), KEYS.map((k) => k.id));
  assertEquals(requests.map((r) => [r.method, r.url.search]), [
    ["GET", "?limit=100&order=asc"],
    ["GET", "?limit=100&order=asc&after=key_adm_0100"],
    ["GET", "?limit=100&order=asc&after=key_adm_0200"],
  ]);
});

Deno.test("listAdminKeys() pages by the last key's id when the server sends no last_id", async () => {
  const { core, requests } = wire(adminApi(KEYS, { lastId: false }));
  assertEquals((await listAdminKeys(core)).length, 250);
  assertEquals(requests.length, 3);
});

Deno.test("listAdminKeys() reads a key as the spec allows it: no name, never used, a service-account owner", async () => {
  const keys = [
    adminKey(1, {
      name: null,
      last_used_at: null,
      expires_at: NOW_S + 86_400,
      owner: {
        type: "service_account",
        object: "organization.service_account",
        id: "sa_456",
        name: "My Service Account",
        created_at: 1,
        role: "member",
      },
    }),
    (() => {
      const { name: _, last_used_at: __, ...k } = adminKey(2);
      const { role: ___, ...owner } = k.owner as Json;
      return { ...k, owner };
    })(),
  ];
  const { core } = wire(adminApi(keys));
  assertEquals(await listAdminKeys(core), [
    {
      id: "key_adm_0001",
      name: null,
      redactedValue: "sk-admin****************************s1MA",
      createdAt: NOW_S - 100_000 + 1,
      lastUsedAt: null,
      expiresAt: NOW_S + 86_400,
      owner: { type: "service_account", id: "sa_456", name: "My Service Account", role: "member" },
    },
    {
      id: "key_adm_0002",
      name: null,
      redactedValue: "sk-admin****************************s1MA",
      createdAt: NOW_S - 100_000 + 2,
      lastUsedAt: undefined,
      expiresAt: null,
      owner: { type: "user", id: "user-ana", name: "Ana", role: null },
    },
  ]);
});

/** The admin-key route answering page `n` with `answer(n)`. */
function tampered(answer: (n: number) => Json): Handler {
  let n = 0;
  return frontDoor({ "/organization/admin_api_keys": () => json(200, answer(++n)) });
}

const LIST = (data: Json[], more: Json = {}) => ({
  object: "list",
  data,
  has_more: false,
  ...more,
});

const GUARDS: [string, Handler, RegExp, number?][] = [
  [
    "a last_id that is not the last key",
    tampered(() => LIST([adminKey(1), adminKey(2)], { has_more: true, last_id: "key_adm_0001" })),
    /"last_id" is "key_adm_0001" but the page's last item is "key_adm_0002"/,
  ],
  [
    "a server that ignores after (the same page again)",
    tampered(() => LIST([adminKey(1)], { has_more: true })),
    /item "key_adm_0001" appears twice/,
  ],
  [
    "an empty page that says has_more",
    tampered(() => LIST([], { has_more: true })),
    /the page is empty but says has_more/,
  ],
  [
    "endless pages of new keys",
    tampered((n) => LIST([adminKey(n)], { has_more: true })),
    /goes on past 10 pages/,
    10,
  ],
  [
    "a page longer than the limit",
    tampered(() => LIST(Array.from({ length: 101 }, (_, i) => adminKey(i)))),
    /101 items, more than the limit of 100/,
  ],
  [
    "a page without has_more",
    tampered(() => ({ object: "list", data: [adminKey(1)] })),
    /"has_more" is missing/,
  ],
  [
    "an owner of an unknown type",
    tampered(() => LIST([adminKey(1, { owner: { type: "robot", id: "r", name: "R" } })])),
    /owner's "type" is "robot", not "user" or "service_account"/,
  ],
  [
    "a key without expires_at (the spec requires it)",
    tampered(() => {
      const { expires_at: _, ...k } = adminKey(1);
      return LIST([k]);
    }),
    /"expires_at" is missing/,
  ],
  [
    "a created_at that is not a Unix time",
    tampered(() => LIST([adminKey(1, { created_at: 1e15 })])),
    /"created_at" is 1000000000000000, not a Unix time/,
  ],
  [
    "a key of another object type",
    tampered(() => LIST([adminKey(1, { object: "organization.project.api_key" })])),
    /"object" is "organization.project.api_key", not "organization.admin_api_key"/,
  ],
];

for (const [name, handler, re, maxPages] of GUARDS) {
  Deno.test(`listAdminKeys() fails closed on ${name}`, async () => {
    const { core } = wire(handler, { maxPages });
    await rejects(listAdminKeys(core), (e) => e instanceof ApiError && re.test(e.message));
  });
}

Deno.test("listAdminKeys(): a 403 ends the read without the admin key in the message", async () => {
  const { core, requests } = wire(frontDoor({
    "/organization/admin_api_keys": () =>
      json(403, envelope(`Missing scopes for ${ADMIN_KEY}: api.management.read`)),
  }));
  await rejects(
    listAdminKeys(core),
    (e) =>
      e instanceof ApiError && /answered 403/.test(e.message) && !e.message.includes(ADMIN_KEY),
  );
  assertEquals(requests.length, 1);
  ok(requests.every((r) => r.method === "GET"));
});

Deno.test("listAdminKeys() scrubs the admin key from the redacted value it shows", async () => {
  const leaky = adminKey(1, { redacted_value: `copy of ${ADMIN_KEY}` });
  const { core } = wire(adminApi([leaky]));
  const text = JSON.stringify(await listAdminKeys(core));
  ok(!text.includes(ADMIN_KEY) && text.includes("[REDACTED]"), text);
});

Deno.test("listAdminKeys(): the admin key echoed into a compared field (name, owner id, name, role) fails the read, never rewritten, and is not in the message", async () => {
  const owner = { type: "user", id: "u", name: "Ana", role: "owner" };
  for (
    const [field, change] of [
      ["name", { name: `copy of ${ADMIN_KEY}` }],
      ["id", { owner: { ...owner, id: ADMIN_KEY } }],
      ["name", { owner: { ...owner, name: ADMIN_KEY } }],
      ["role", { owner: { ...owner, role: ADMIN_KEY } }],
    ] as const
  ) {
    const { core } = wire(adminApi([adminKey(1, change)]));
    await rejects(
      listAdminKeys(core),
      (e) =>
        e instanceof ApiError && !e.message.includes(ADMIN_KEY) &&
        e.message.includes(`the server echoed the admin key into data ("${field}")`),
      field,
    );
  }
});

Deno.test("the test server's keys are valid AdminApiKey objects (and the validator can say no)", () => {
  for (const k of KEYS.slice(0, 3)) assertSpec("AdminApiKey", k);
  throws(() => assertSpec("AdminApiKey", adminKey(1, { created_at: "today" })), /created_at/);
  const { expires_at: _, ...noExpiry } = adminKey(1);
  throws(() => assertSpec("AdminApiKey", noExpiry), /expires_at/);
});

Deno.test("listAdminKeys() agrees with the fake Admin API on the example organisation", async () => {
  const state = stateFrom(readExample("state.yaml"));
  const { fetch } = fakeFetch(state);
  const { core } = wire((_, req) => fetch(req));
  const keys = await listAdminKeys(core);
  assertEquals(keys.map((k) => k.id).sort(), state.admin_keys.map((k) => k.id).sort());
  const ops = keys.find((k) => k.id === "key_admin_ops");
  assertEquals([ops?.name, ops?.owner.type, ops?.owner.name], [
    "ops-automation",
    "user",
    "Ana Ruiz",
  ]);
});
