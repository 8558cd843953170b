/**
 * keydrift against servers it did not write: a small stand-in for the real Admin API (written
 * here from the API reference, sharing nothing with lib/fake/) that answers unknown routes
 * `404 Invalid URL` as the real API does, and variants of it that misbehave the ways proxies,
 * gateways and hostile servers do. A failed or odd read must end in exit 1, never in a drift
 * claim (exit 2) or "in sync" (exit 0).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, type MemResult, runCli } from "./_helpers.ts";

type Json = Record<string, unknown>;

const envelope = (message: string, code: string | null = null) => ({
  error: { message, type: "invalid_request_error", param: null, code },
});
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": "req_real", ...headers },
  });

function key(id: string, name: string, owner: Json, extra: Json = {}): Json {
  return {
    object: "organization.project.api_key",
    id,
    name,
    redacted_value: "sk-proj-********abcd",
    created_at: 1_760_000_000,
    last_used_at: 1_763_000_000,
    owner_project_access: "active",
    owner,
    ...extra,
  };
}

const ANA = {
  type: "user",
  user: { id: "user-ana", name: "Ana", email: "ana@example.test", role: "owner", created_at: 1 },
};
const BOT = {
  type: "service_account",
  service_account: { id: "svc_bot", name: "bot", role: "member", created_at: 1 },
};

interface World {
  projects: Record<string, { name: string; status: string; keys: Json[] }>;
}

const WORLD: World = {
  projects: {
    proj_a: {
      name: "a",
      status: "active",
      keys: [key("key_a1", "laptop", ANA), key("key_a2", "worker", BOT)],
    },
    proj_b: { name: "b", status: "active", keys: [key("key_b1", "worker", BOT)] },
  },
};

// These servers misbehave on the declared projects' reads; the organisation's other projects
// (issue 21) are left out so that each test reads exactly the project it names.
const MANIFEST = (ids: string[]) =>
  `version: 1\nunmanaged_projects: ignore\nprojects:\n${
    ids.map((id) =>
      `  - id: ${id}\n    keys:\n${
        WORLD.projects[id].keys.map((k) =>
          `      - name: ${k.name}\n        owner: { type: ${(k.owner as Json).type}, name: ${
            (k.owner as { user?: Json; service_account?: Json }).user?.name ??
              (k.owner as { service_account: Json }).service_account.name
          } }\n`
        ).join("")
      }`
    ).join("")
  }`;

function page(items: Json[], limit: number, after: string | null) {
  const start = after === null ? 0 : items.findIndex((i) => i.id === after) + 1;
  const data = items.slice(start, start + limit);
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < items.length,
  };
}

/** Behaves like the real Admin API at `/v1`; every other path is `404 Invalid URL`. */
function realApi(world: World, adminKey = ADMIN_KEY): (req: Request) => Response {
  return (req) => {
    const url = new URL(req.url);
    const invalid = () => json(404, envelope(`Invalid URL (${req.method} ${url.pathname})`));
    if (req.method !== "GET") return invalid();
    if (req.headers.get("authorization") !== `Bearer ${adminKey}`) {
      return json(401, envelope("Incorrect API key provided", "invalid_api_key"));
    }
    const m = /^\/v1\/organization\/projects(?:\/([^/]+)(?:\/api_keys(?:\/([^/]+))?)?)?$/.exec(
      url.pathname,
    );
    if (!m) return invalid();
    const limit = Number(url.searchParams.get("limit") ?? 20);
    const after = url.searchParams.get("after");
    const [, pid, kid] = m;
    const projectObj = (id: string) => ({
      object: "organization.project",
      id,
      name: world.projects[id].name,
      created_at: 1,
      archived_at: null,
      status: world.projects[id].status,
    });
    if (!pid) return json(200, page(Object.keys(world.projects).map(projectObj), limit, after));
    const p = world.projects[pid];
    if (!p) return json(404, envelope(`No such project: ${pid}`));
    if (!url.pathname.includes("/api_keys")) return json(200, projectObj(pid));
    if (!kid) return json(200, page(p.keys, limit, after));
    const k = p.keys.find((x) => x.id === kid);
    return k ? json(200, k) : json(404, envelope(`No such API key: ${kid}`));
  };
}

/** The real API with one route's answer replaced. */
function tampered(
  world: World,
  override: (url: URL) => Response | null,
  adminKey = ADMIN_KEY,
): (req: Request) => Response {
  const real = realApi(world, adminKey);
  return (req) => override(new URL(req.url)) ?? real(req);
}

async function check(
  handler: (req: Request) => Response | Promise<Response>,
  o: { ids?: string[]; manifest?: string; args?: string[]; apiUrl?: string; adminKey?: string } =
    {},
): Promise<MemResult & { report: Json }> {
  const r = await runCli(
    [
      "check",
      "-m",
      "keydrift.yaml",
      "--api-url",
      o.apiUrl ?? "http://127.0.0.1/v1",
      "--format",
      "text",
      "--format",
      "json=r.json",
      ...(o.args ?? []),
    ],
    {
      files: { "keydrift.yaml": o.manifest ?? MANIFEST(o.ids ?? ["proj_a"]) },
      env: { OPENAI_ADMIN_KEY: o.adminKey ?? ADMIN_KEY },
      fetch: async (input, init) => await handler(new Request(input, init)),
    },
  );
  return { ...r, report: JSON.parse(r.files.get("r.json") ?? "null") };
}

function assertUnknown(r: MemResult & { report: Json }, why: RegExp) {
  assertEquals(r.code, 1, r.stdout + r.stderr);
  assertEquals(r.report.status, "error");
  assertEquals(r.report.drift, []);
  ok(!/No drift|in sync;/.test(r.stdout + r.stderr), r.stdout);
  ok(why.test(r.stdout + r.stderr), `${why} not in:\n${r.stdout}${r.stderr}`);
}

Deno.test("the stand-in for the real API gives the fault-free answer: in sync, exit 0", async () => {
  const r = await check(realApi(WORLD), { ids: ["proj_a", "proj_b"] });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const missing = await check(realApi(WORLD), {
    manifest: "version: 1\nprojects:\n  - { id: proj_gone, keys: [] }\n",
  });
  assertEquals(missing.code, 2, missing.stdout + missing.stderr);
  // The declared project is missing; the two live ones nobody declared are drift too (issue 21).
  assertEquals(
    (missing.report.drift as Json[]).map((d) => [d.project_id, d.kind]),
    [["proj_a", "project_unexpected"], ["proj_b", "project_unexpected"], [
      "proj_gone",
      "project_missing",
    ]],
  );
});

for (const ids of [["proj_a"], ["proj_a", "proj_b"]]) {
  Deno.test(`a base URL without /v1 (404 Invalid URL everywhere) is exit 1, not project_missing, with ${ids.length} declared`, async () => {
    for (const apiUrl of ["http://127.0.0.1", "http://127.0.0.1/v2", "http://127.0.0.1/v1/v1"]) {
      assertUnknown(await check(realApi(WORLD), { ids, apiUrl }), /--api-url/);
    }
  });
}

Deno.test("a proxy's JSON 404 without the full error envelope is exit 1, never absence", async () => {
  const proxy = () => json(404, { error: { message: "Not Found" } });
  assertUnknown(await check(proxy, { ids: ["proj_a"] }), /without the OpenAI error envelope/);
  assertUnknown(await check(proxy, { ids: ["proj_a", "proj_b"] }), /error envelope/);
});

Deno.test("a 404 with the envelope from a base URL that never proves itself is not absence", async () => {
  // Every project route answers a plausible 404; the listing that would prove the base fails.
  const api = tampered(WORLD, (u) => {
    if (u.pathname === "/v1/organization/projects") return json(503, envelope("down"));
    if (/^\/v1\/organization\/projects\/[^/]+$/.test(u.pathname)) {
      return json(404, envelope("No such project"));
    }
    return null;
  });
  assertUnknown(
    await check(api, { ids: ["proj_a"] }),
    /cannot take that as absence because the base URL did not prove itself/,
  );
});

const ODD_BODIES: [string, (u: URL) => Response | null, RegExp][] = [
  [
    "null for the project",
    (u) => (u.pathname === "/v1/organization/projects/proj_a" ? json(200, null) : null),
    /not a JSON object/,
  ],
  [
    "another object type for the project",
    (u) =>
      u.pathname === "/v1/organization/projects/proj_a"
        ? json(200, { object: "organization.user", id: "proj_a", name: "a", status: "active" })
        : null,
    /"object" is "organization.user"/,
  ],
  [
    "another project than the one asked for",
    (u) =>
      u.pathname === "/v1/organization/projects/proj_a"
        ? json(200, {
          object: "organization.project",
          id: "proj_b",
          name: "b",
          created_at: 1,
          status: "active",
        })
        : null,
    /it is project "proj_b", not the one asked for/,
  ],
];

for (const [name, override, why] of ODD_BODIES) {
  Deno.test(`a 200 whose body is ${name} fails the read (exit 1)`, async () => {
    assertUnknown(await check(tampered(WORLD, override), { ids: ["proj_a"] }), why);
  });
}

Deno.test("a pinned key retrieved as another key fails the read, not sync or a duplicate", async () => {
  const world: World = structuredClone(WORLD);
  const api = tampered(
    world,
    (u) =>
      u.pathname.endsWith("/api_keys/key_pinned") ? json(200, world.projects.proj_a.keys[0]) : null,
  );
  const manifest = MANIFEST(["proj_a"]) +
    "      - name: pinned\n        id: key_pinned\n        owner: { type: user, name: Ana }\n";
  assertUnknown(
    await check(api, { manifest }),
    /it is key "key_a1", not the one asked for/,
  );
});

const MALFORMED_KEYS: [string, Json, RegExp][] = [
  [
    "a user owner without email",
    { type: "user", user: { id: "user-ana", name: "Ana", role: "owner", created_at: 1 } },
    /"email" is missing/,
  ],
  [
    "a user owner without role",
    { type: "user", user: { id: "user-ana", name: "Ana", email: "ana@example.test" } },
    /"role" is missing/,
  ],
  [
    "a service account owner with a numeric name",
    { type: "service_account", service_account: { id: "svc", name: 7, role: "member" } },
    /"name" is a number, not a string/,
  ],
];

for (const [name, owner, why] of MALFORMED_KEYS) {
  Deno.test(`a key with ${name} is a malformed item (exit 1), never a change`, async () => {
    const world: World = structuredClone(WORLD);
    world.projects.proj_a.keys[0] = key("key_a1", "laptop", owner);
    const manifest =
      "version: 1\nunmanaged_projects: ignore\nprojects:\n  - id: proj_a\n    keys:\n" +
      "      - name: laptop\n        owner: { type: user, name: Ana, email: ana@example.test, role: owner }\n" +
      "      - name: worker\n        owner: { type: service_account, name: bot }\n";
    assertUnknown(await check(realApi(world), { manifest }), why);
  });
}

Deno.test("an out-of-range timestamp is a malformed item with a clear message, not a crash", async () => {
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys[0] = key("key_a1", "laptop", ANA, { expires_at: -1e14 });
  assertUnknown(
    await check(realApi(world), { ids: ["proj_a"] }),
    /"expires_at" is -100000000000000, not a Unix time/,
  );
});

Deno.test("a last_id that is not the page's last item fails the listing", async () => {
  const api = tampered(
    WORLD,
    (u) =>
      u.pathname.endsWith("/proj_a/api_keys")
        ? json(200, { ...page(WORLD.projects.proj_a.keys, 100, null), last_id: "key_zzz" })
        : null,
  );
  assertUnknown(await check(api, { ids: ["proj_a"] }), /"last_id" is "key_zzz"/);
});

Deno.test("a page longer than the limit asked for fails the listing", async () => {
  const many = Array.from({ length: 101 }, (_, i) => key(`key_${i}`, `k${i}`, BOT));
  const api = tampered(
    WORLD,
    (u) =>
      u.pathname.endsWith("/proj_a/api_keys")
        ? json(200, { object: "list", data: many, last_id: "key_100", has_more: false })
        : null,
  );
  assertUnknown(await check(api, { ids: ["proj_a"] }), /101 items, more than the limit of 100/);
});

Deno.test("a server that serves one new key per page forever is stopped by the page cap", async () => {
  let served = 0;
  const api = tampered(WORLD, (u) => {
    if (!u.pathname.endsWith("/proj_a/api_keys")) return null;
    const n = ++served;
    return json(200, {
      object: "list",
      data: [key(`key_${n}`, `k${n}`, BOT)],
      last_id: `key_${n}`,
      has_more: true,
    });
  });
  assertUnknown(await check(api, { ids: ["proj_a"] }), /goes on past 5000 pages/);
  assertEquals(served, 5001);
});

Deno.test("an answer reached through a redirect is not trusted (exit 1)", async () => {
  const api = tampered(WORLD, (u) =>
    u.pathname.endsWith("/proj_a/api_keys")
      ? new Response(null, {
        status: 307,
        headers: { location: "https://evil.example/v1/organization/projects/proj_a/api_keys" },
      })
      : null);
  assertUnknown(await check(api, { ids: ["proj_a"] }), /redirect to "https:\/\/evil\.example/);
});

Deno.test("an answer over 16 MiB fails the read instead of growing memory", async () => {
  const chunk = new TextEncoder().encode(" ".repeat(1 << 20));
  const api = tampered(WORLD, (u) => {
    if (!u.pathname.endsWith("/proj_a/api_keys")) return null;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === 0) c.enqueue(new TextEncoder().encode('{"object":"list","data":['));
        else c.enqueue(chunk);
      },
    });
    return new Response(body, { status: 200 });
  });
  assertUnknown(await check(api, { ids: ["proj_a"] }), /larger than 16 MiB/);
});

Deno.test("--timeout covers the whole body: a body that stalls after its first bytes times out", async () => {
  const api = tampered(WORLD, (u) => {
    if (!u.pathname.endsWith("/proj_a/api_keys")) return null;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"object":"list","da'));
      },
    });
    return new Response(body, { status: 200 });
  });
  assertUnknown(
    await check(api, { ids: ["proj_a"], args: ["--timeout", "2"] }),
    /no complete answer within 2 s \(--timeout\)/,
  );
});

Deno.test("strings from the server reach no output as control: text and -v stderr carry no raw control character, every format parses", async () => {
  const evil = "Eve\r::error title=FORGED::x\x1b]8;;https://evil.example\x07link\x1b[2J\u202e";
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys.push(
    key("key_evil", evil, {
      type: "user",
      user: { id: "user-eve", name: evil, email: "eve@example.test", role: evil, created_at: 1 },
    }, { redacted_value: `sk-proj-${evil}` }),
  );
  let failedOnce = false;
  const api = tampered(world, (u) => {
    if (u.pathname.endsWith("/proj_b/api_keys") && !failedOnce) {
      failedOnce = true;
      return json(503, envelope(`overloaded ${evil}`));
    }
    return null;
  });
  const r = await runCli(
    [
      "check",
      "-m",
      "keydrift.yaml",
      "--api-url",
      "http://127.0.0.1/v1",
      "-v",
      "--format",
      "text",
      ...["json", "sarif", "junit", "markdown", "github", "codeclimate"].flatMap((f) => [
        "--format",
        `${f}=r.${f}`,
      ]),
    ],
    {
      files: { "keydrift.yaml": MANIFEST(["proj_a", "proj_b"]) },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: async (input, init) => await api(new Request(input, init)),
    },
  );
  assertEquals(r.code, 2, r.stdout + r.stderr);
  // deno-lint-ignore no-control-regex
  const raw = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
  ok(r.stdout.includes("Eve\\r::error"), r.stdout);
  ok(!raw.test(r.stdout), JSON.stringify(r.stdout));
  ok(!raw.test(r.stderr), JSON.stringify(r.stderr));
  ok(r.stderr.includes("retrying"), r.stderr);
  for (const f of ["json", "sarif", "codeclimate"]) JSON.parse(r.files.get(`r.${f}`)!);
  const report = JSON.parse(r.files.get("r.json")!);
  ok(JSON.stringify(report).includes(JSON.stringify(evil).slice(1, -1)), "the name is data, kept");
  for (const line of r.files.get("r.github")!.trimEnd().split("\n")) {
    ok(line.startsWith("::"), line);
  }
});

Deno.test("a 2xx other than 200 (201, 204, 206) is not a complete answer: exit 1", async () => {
  for (const status of [201, 206, 299]) {
    const api = tampered(
      WORLD,
      (u) =>
        u.pathname.endsWith("/proj_a/api_keys")
          ? json(status, page(WORLD.projects.proj_a.keys, 100, null))
          : null,
    );
    assertUnknown(await check(api, { ids: ["proj_a"] }), new RegExp(`answered ${status}`));
  }
});

Deno.test("an owner that carries both a user and a service account object is malformed", async () => {
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys[1] = key("key_a2", "worker", {
    ...BOT,
    user: { id: "user-evil", name: "Evil", email: "e@x.test", role: "owner", created_at: 1 },
  });
  assertUnknown(
    await check(realApi(world), { ids: ["proj_a"] }),
    /the owner says "service_account" but also carries a "user" object/,
  );
});

Deno.test("a project the API calls absent while listing its keys is a contradiction (exit 1), not project_missing", async () => {
  // The proving listing shows no project, so only the key listing contradicts the 404.
  const api = tampered(WORLD, (u) => {
    if (u.pathname === "/v1/organization/projects/proj_a") {
      return json(404, envelope("No such project: proj_a"));
    }
    if (u.pathname === "/v1/organization/projects") {
      return json(200, { object: "list", data: [], last_id: null, has_more: false });
    }
    return null;
  });
  assertUnknown(
    await check(api, { ids: ["proj_a"] }),
    /says it does not exist but listed its keys/,
  );
});

Deno.test("a project the API calls absent while its own listing holds it is a contradiction (exit 1)", async () => {
  const api = tampered(WORLD, (u) => {
    if (u.pathname === "/v1/organization/projects/proj_a") {
      return json(404, envelope("No such project: proj_a"));
    }
    if (u.pathname === "/v1/organization/projects/proj_a/api_keys") {
      return json(404, envelope("No such project: proj_a"));
    }
    return null;
  });
  assertUnknown(
    await check(api, { ids: ["proj_a"] }),
    /its own project listing holds "proj_a"/,
  );
});

Deno.test("a project whose status is null fails the read: keydrift cannot tell whether it is archived", async () => {
  const api = tampered(
    WORLD,
    (u) =>
      u.pathname === "/v1/organization/projects/proj_a"
        ? json(200, { object: "organization.project", id: "proj_a", name: "a", status: null })
        : null,
  );
  assertUnknown(await check(api, { ids: ["proj_a"] }), /"status" is null/);
});

Deno.test("with projects read by listing (3+ declared), a project the listing lacks is not missing while its key read fails", async () => {
  const manifest = MANIFEST(["proj_a", "proj_b"]) + "  - id: proj_gone\n    keys: []\n";
  for (
    const broken of [
      () => json(500, envelope("overloaded")),
      () => json(404, { error: { message: "Not Found" } }),
      () => new Response("<html>502</html>", { status: 502 }),
    ]
  ) {
    const api = tampered(WORLD, (u) => (u.pathname.includes("/proj_gone/") ? broken() : null));
    assertUnknown(await check(api, { manifest }), /proj_gone/);
  }
  // With the API's own 404 for its keys too, it is missing (exit 2).
  const gone = await check(realApi(WORLD), { manifest });
  assertEquals(gone.code, 2, gone.stdout + gone.stderr);
  assertEquals((gone.report.drift as Json[]).map((d) => [d.kind, d.project_id]), [
    ["project_missing", "proj_gone"],
  ]);
});

/** Every output of a run: stdout, stderr, and each report, also as its JSON reader decodes it. */
function everyOutput(r: MemResult): string[] {
  const strings: string[] = [r.stdout, r.stderr];
  const walk = (v: unknown): void => {
    if (typeof v === "string") strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const [path, text] of r.files) {
    if (path === "keydrift.yaml") continue; // the input
    strings.push(text);
    try {
      walk(JSON.parse(text));
    } catch {
      // not JSON
    }
  }
  return strings;
}

/** Fails when any output holds `needle`. */
function assertNowhere(r: MemResult, needle: string, what: string) {
  for (const out of everyOutput(r)) {
    ok(!out.includes(needle), `${what} ${JSON.stringify(needle)} in:\n${out}`);
  }
}

const ODD_KEY = "sk-admin-Ab3!Xy7#Qw9$Er5%Ty1^Ui8&Op2*As4(Df6)Gh0";

Deno.test("an admin key with characters outside the token set, echoed in a checked field and in key names, leaves no 12-character window of it and not its bare form in any output", async () => {
  const bare = ODD_KEY.slice("sk-admin-".length);
  const echo = tampered(WORLD, (u) => {
    if (u.pathname.endsWith("/projects/proj_a")) {
      return json(200, { object: ODD_KEY, id: "proj_a", name: "a", status: "active" });
    }
    return null;
  }, ODD_KEY);
  const r1 = await check(echo, { adminKey: ODD_KEY, args: ["--format", "sarif=r.sarif", "-v"] });
  assertEquals(r1.code, 1, r1.stdout + r1.stderr);
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys.push(
    key("key_x1", bare, BOT),
    key("key_x2", `piece ${ODD_KEY.slice(12, 24)} and ${ODD_KEY.slice(30, 42)}`, BOT),
  );
  const r2 = await check(realApi(world, ODD_KEY), {
    adminKey: ODD_KEY,
    args: ["--format", "markdown=r.md", "--format", "junit=r.xml", "--format", "github=r.gh"],
  });
  // Names are compared: echoing the key into them fails the read (SPEC 11.1).
  assertUnknown(r2, /the server echoed the admin key into data \("name"\)/);
  for (const r of [r1, r2]) {
    assertNowhere(r, bare, "the bare key");
    for (let i = 0; i + 12 <= ODD_KEY.length; i++) {
      assertNowhere(r, ODD_KEY.slice(i, i + 12), "a window");
    }
  }
});

Deno.test("a short admin key's remainder (under 12 characters) is no piece of it: values holding it are read and shown as they are; the key itself echoed into a name fails the read", async () => {
  const short = "sk-admin-abcdef";
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys.push(
    key("key_s1", "abcdef.", BOT),
    key("key_s2", "owner-abcdef", BOT),
    key("key_s3", "<abcdef", BOT),
  );
  const args = ["--format", "markdown=r.md", "--format", "junit=r.xml"];
  const r = await check(realApi(world, short), { adminKey: short, args });
  assertEquals(r.code, 2, r.stdout + r.stderr);
  const names = (r.report.drift as Json[]).map((d) => d.key_name).sort();
  assertEquals(names, ["<abcdef", "abcdef.", "owner-abcdef"]);
  assertNowhere(r, short, "the short key");
  world.projects.proj_a.keys.push(key("key_s4", `echo ${short}`, BOT));
  const echoed = await check(realApi(world, short), { adminKey: short, args });
  assertUnknown(echoed, /the server echoed the admin key into data \("name"\)/);
  assertNowhere(echoed, short, "the short key");
});

Deno.test("a key name drawn to look like the admin key (zero-width characters between its characters, fullwidth forms) fails the read, and no piece of the key reaches any output", async () => {
  const world: World = structuredClone(WORLD);
  const fullwidth = [...ADMIN_KEY].map((c) =>
    /[!-~]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c
  ).join("");
  world.projects.proj_a.keys.push(
    key("key_z1", [...ADMIN_KEY].join("\u200b"), BOT),
    key("key_z2", fullwidth, BOT),
    key("key_z3", [...ADMIN_KEY.slice(9)].join("\u2060"), BOT),
  );
  const r = await check(realApi(world), { args: ["--format", "markdown=r.md"] });
  assertUnknown(r, /the server echoed the admin key into data \("name"\)/);
  for (const out of everyOutput(r)) {
    const skeleton = out.normalize("NFKC").replace(/\p{Default_Ignorable_Code_Point}/gu, "")
      .replace(/\\u(?:200b|2060)/g, "");
    for (let i = 0; i + 12 <= ADMIN_KEY.length; i++) {
      ok(!skeleton.includes(ADMIN_KEY.slice(i, i + 12)), `a window in:\n${out}`);
    }
  }
});

Deno.test("the probe that proves the base URL, answering with the admin key in fullwidth letters in a checked field, puts no piece of it in any output", async () => {
  const fullwidth = [...ADMIN_KEY].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(
    "",
  );
  const api = tampered(WORLD, (u) => {
    if (u.pathname.endsWith("/projects/proj_a")) return json(404, envelope("No such project"));
    if (u.pathname.endsWith("/organization/projects") && u.searchParams.get("limit") === "1") {
      return json(200, { object: fullwidth, data: [], has_more: false });
    }
    return null;
  });
  const r = await check(api, { args: ["--format", "sarif=r.sarif", "-v"] });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  for (const out of everyOutput(r)) {
    const seen = out.normalize("NFKC");
    for (let i = 0; i + 12 <= ADMIN_KEY.length; i++) {
      ok(!seen.includes(ADMIN_KEY.slice(i, i + 12)), `a window in:\n${out}`);
    }
  }
});

Deno.test("import writes a server's redacted_value as one comment line: a newline in it cannot add entries to the manifest", async () => {
  const world: World = structuredClone(WORLD);
  world.projects.proj_a.keys[0] = key("key_a1", "laptop", ANA, {
    redacted_value:
      "sk-proj-****abcd\n      - name: planted-backdoor\n        id: key_planted\nwaivers: []",
  });
  const r = await runCli(
    [
      "import",
      "--api-url",
      "http://127.0.0.1/v1",
      "-o",
      "new.yaml",
      "--no-admin-keys",
      "--project",
      "proj_a",
    ],
    {
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: async (input, init) => await realApi(world)(new Request(input, init)),
    },
  );
  assertEquals(r.code, 0, r.stderr);
  const written = r.files.get("new.yaml")!;
  ok(!/^\s*- name: planted-backdoor/m.test(written), written);
  assertEquals(written.match(/^\s*- name: /gm)?.length, 2, written);
  ok(written.includes("# pinned: sk-proj-****abcd\\n      - name: planted-backdoor"), written);
});
