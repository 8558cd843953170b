/**
 * Reads that are what they claim (issue 19): keydrift against a stand-in for the real Admin API
 * (`_real_api.ts`) whose answers are tampered with byte by byte. Text that is not UTF-8, a base URL
 * "proven" by a list of something else, the admin key echoed into a compared value and a base URL
 * that swallows the path must each end in exit 1 saying what is unknown, never in a drift claim
 * (exit 2) or "in sync".
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, runCli } from "./_helpers.ts";
import {
  ANA,
  assertUnknown,
  BOT,
  check,
  envelope,
  type Json,
  json,
  key,
  KEYS,
  list,
  MANIFEST,
  project,
  realApi,
} from "./_real_api.ts";

// --- Text that is not UTF-8 -------------------------------------------------------------------

/** The honest key listing as bytes, with `bytes` put inside the name "laptop". */
function listingWith(bytes: number[], chunked: boolean): Response {
  const text = JSON.stringify(list(KEYS()));
  const at = new TextEncoder().encode(text.slice(0, text.indexOf("laptop") + 3));
  const rest = new TextEncoder().encode(text.slice(text.indexOf("laptop") + 3));
  const body = new Uint8Array([...at, ...bytes, ...rest]);
  const headers = { "content-type": "application/json", "x-request-id": "req_1" };
  if (!chunked) return new Response(body, { status: 200, headers });
  // Each byte its own chunk: a character split across reads must still decode.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const b of body) c.enqueue(new Uint8Array([b]));
      c.close();
    },
  });
  return new Response(stream, { status: 200, headers });
}

for (const chunked of [false, true]) {
  const how = chunked ? "read in parts" : "framed by its length";
  Deno.test(`a key name with bytes that are not UTF-8 (${how}) fails the read naming the request, never a changed key`, async () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const api = realApi({
        tamper: (u) => (u.pathname.endsWith("/api_keys") ? listingWith(bad, chunked) : null),
      });
      assertUnknown(
        await check(api),
        /Cannot list keys of project "proj_alpha" \(page 1\): the API answered 200 \(request id req_1\) with a body that is not valid UTF-8/,
      );
    }
  });

  Deno.test(`a key name in valid UTF-8 (${how}, split anywhere) reads as sent`, async () => {
    // "lap" + "é" + "top" against a manifest that says exactly that: in sync.
    const api = realApi({
      keys: [key("key_a1", "lapétop"), key("key_a2", "worker", BOT)],
      tamper: (u) => (u.pathname.endsWith("/api_keys") ? listingWith([0xc3, 0xa9], chunked) : null),
    });
    const r = await check(api, { manifest: MANIFEST.replace("name: laptop", "name: lapétop") });
    assertEquals(r.code, 0, r.stdout + r.stderr);
  });
}

Deno.test("a 404 whose envelope is not UTF-8 is not the API saying the project is absent (exit 1)", async () => {
  const api = realApi({
    tamper: (u) => {
      if (!u.pathname.endsWith("/projects/proj_alpha")) return null;
      const text = JSON.stringify(envelope("No such project \u0000"));
      const bytes = new TextEncoder().encode(text).map((b) => (b === 0x5c ? 0xff : b));
      return new Response(bytes, { status: 404, headers: { "content-type": "application/json" } });
    },
  });
  assertUnknown(await check(api), /answered 404 without the OpenAI error envelope/);
});

// --- The proof of a base URL ------------------------------------------------------------------

Deno.test("a base URL whose proving listing holds something other than projects has not proven itself: its 404 is exit 1, not project_missing", async () => {
  const user = { object: "organization.user", id: "user-1", name: "U", email: "u@x.test" };
  for (
    const [items, why] of [
      [[user], /"object" is "organization\.user", not "organization\.project"/],
      [[{ id: "proj_other" }], /"object" is missing/],
      [[{ ...project("proj_other"), status: 5 }], /"status" is a number, not a string/],
    ] as const
  ) {
    const api = realApi({
      tamper: (u) => {
        if (u.pathname === "/v1/organization/projects/proj_alpha") {
          return json(404, envelope("No such project: proj_alpha"));
        }
        if (u.pathname === "/v1/organization/projects") {
          return json(200, list(items as unknown as Json[]));
        }
        return null;
      },
    });
    const r = await check(api);
    assertUnknown(r, /the base URL did not prove itself/);
    ok(why.test(r.stdout + r.stderr), `${why} not in ${r.stdout}`);
  }
  // The same 404s (project and its keys) after a proving listing of real projects: absence.
  const honest = realApi({
    tamper: (u) =>
      u.pathname.startsWith("/v1/organization/projects/proj_alpha")
        ? json(404, envelope("No such project: proj_alpha"))
        : u.pathname === "/v1/organization/projects"
        ? json(200, list([project("proj_other")]))
        : null,
  });
  const gone = await check(honest);
  assertEquals(gone.code, 2, gone.stdout + gone.stderr);
  assertEquals((gone.report.drift as Json[])[0].kind, "project_missing");
});

// --- The admin key echoed into compared values ------------------------------------------------

const SHORT = "sk-admin-test";
/** Keys owned by the bot: no owner value here holds "test" (the short key without its prefix). */
const BOT_KEYS = (name: string) => [key("key_a1", name, BOT), key("key_a2", "worker", BOT)];
const BOT_MANIFEST = (name: string) =>
  MANIFEST.replace(
    "name: laptop\n        owner: { type: user, name: Ana }",
    `name: ${name}\n        owner: { type: service_account, name: bot }`,
  );

Deno.test("a key name holding a short admin key verbatim fails the read as the key echoed into data, never a changed or unexpected key", async () => {
  for (const name of ["laptop sk-admin-test", SHORT]) {
    const api = realApi({ adminKey: SHORT, keys: BOT_KEYS(name) });
    const r = await check(api, {
      adminKey: SHORT,
      manifest: BOT_MANIFEST("laptop"),
      args: ["--format", "sarif=r.sarif"],
    });
    assertUnknown(
      r,
      /Cannot read key "key_a1" \(a key in an item of list keys of project "proj_alpha" \(page 1\)\): the server echoed the admin key into data \("name"\)/,
    );
    for (const out of [r.stdout, r.stderr, ...r.files.values()]) ok(!out.includes(SHORT), out);
  }
});

Deno.test("an owner's email or a project name echoing the admin key fails the read (every compared value, not only names)", async () => {
  const eve = { ...ANA, user: { ...ANA.user, email: `${ADMIN_KEY}@example.test` } };
  const owner = await check(realApi({ keys: [key("key_a1", "laptop", eve), KEYS()[1]] }));
  assertUnknown(owner, /the user owning key "key_a1" .*echoed the admin key into data \("email"\)/);
  const named = await check(realApi({
    tamper: (u) =>
      u.pathname === "/v1/organization/projects/proj_alpha"
        ? json(200, { ...project("proj_alpha"), name: `a ${ADMIN_KEY}` })
        : null,
  }));
  assertUnknown(named, /project "proj_alpha" .*echoed the admin key into data \("name"\)/);
});

Deno.test('with the admin key "sk-admin-test", a key named "test-runner" reads as sent (in sync, exit 0); a name holding the whole key fails the read, never a false change', async () => {
  const api = realApi({ adminKey: SHORT, keys: BOT_KEYS("test-runner") });
  const r = await check(api, { adminKey: SHORT, manifest: BOT_MANIFEST("test-runner") });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.report.status, "in_sync");
  const echoed = `${SHORT}-runner`;
  const e = await check(realApi({ adminKey: SHORT, keys: BOT_KEYS(echoed) }), {
    adminKey: SHORT,
    manifest: BOT_MANIFEST("test-runner"),
  });
  assertEquals(e.code, 1, e.stdout + e.stderr);
  ok(/echoed the admin key into data \("name"\)/.test(e.stdout), e.stdout);
});

// --- Base URLs that would swallow the path ----------------------------------------------------

const SWALLOWING: [string, RegExp][] = [
  ["http://127.0.0.1/v1?", /carries a query/],
  ["http://127.0.0.1/v1#", /carries a fragment/],
  ["http://127.0.0.1/v1/?#", /carries a query and a fragment/],
  ["http://127.0.0.1/v1?x=1", /carries a query/],
  ["http://127.0.0.1/v1#top", /carries a fragment/],
  ["http://@127.0.0.1/v1", /carries credentials/],
  ["http://user:pass@127.0.0.1/v1", /carries credentials/],
];

for (const [source, flag] of [["--api-url", true], ["OPENAI_BASE_URL", false]] as const) {
  Deno.test(`${source} with a query, a fragment (even an empty one) or credentials is a usage error (exit 1) before any request`, async () => {
    for (const [url, why] of SWALLOWING) {
      const seen: URL[] = [];
      const r = await runCli(
        ["check", "-m", "keydrift.yaml", ...(flag ? ["--api-url", url] : [])],
        {
          files: { "keydrift.yaml": MANIFEST },
          env: { OPENAI_ADMIN_KEY: ADMIN_KEY, ...(flag ? {} : { OPENAI_BASE_URL: url }) },
          fetch: async (input, init) => await realApi({ seen })(new Request(input, init)),
        },
      );
      assertEquals(r.code, 1, `${url}: ${r.stdout}${r.stderr}`);
      assertEquals(seen.map((u) => u.href), [], url);
      ok(new RegExp(`${source} must be a plain base URL`).test(r.stderr), r.stderr);
      ok(why.test(r.stderr), `${url}: ${r.stderr}`);
      ok(!r.stderr.includes("pass@"), r.stderr);
    }
  });
}

Deno.test("--api-url given wins over OPENAI_BASE_URL, which is then not judged", async () => {
  const flag = await runCli(
    ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"],
    {
      files: { "keydrift.yaml": MANIFEST },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: "http://127.0.0.1/v1?" },
      fetch: async (input, init) => await realApi()(new Request(input, init)),
    },
  );
  assertEquals(flag.code, 0, flag.stdout + flag.stderr);
});

Deno.test("an empty or blank OPENAI_BASE_URL counts as unset, as the official SDK reads it: the public API", async () => {
  for (const blank of ["", "  "]) {
    const seen: URL[] = [];
    const r = await runCli(["check", "-m", "keydrift.yaml"], {
      files: { "keydrift.yaml": MANIFEST },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: blank },
      fetch: async (input, init) => await realApi({ seen })(new Request(input, init)),
    });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    ok(seen.length > 0 && seen.every((u) => u.origin === "https://api.openai.com"));
  }
});
