/**
 * Look-alike forms of the admin key under one layer of encoding (issue 19 follow-up, H3): the
 * fullwidth key percent-encoded as UTF-8, JSON-escaped or written as HTML references, and the key
 * interleaved with zero-width characters then percent-encoded. The scrubber folds look-alikes
 * (NFKC, invisible characters dropped) after each layer of decoding, as it does on the text as
 * written; and it stays linear.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { REDACTED, scrubber } from "../lib/secrets/redact.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";
import { check, key, KEYS, realApi } from "./_real_api.ts";

const LONG = "sk-admin-" + "Zq7Rt2Lm9Xv4Bn8Kp3Wd6Hs1Jf5Gc0".repeat(2);
const SHORT = "sk-admin-test";

const fullwidth = (k: string) =>
  [...k].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("");
const FORMS: [string, (k: string) => string][] = [
  ["the fullwidth key percent-encoded", (k) => encodeURIComponent(fullwidth(k))],
  [
    "the key between zero-width spaces, percent-encoded",
    (k) => encodeURIComponent([...k].join("\u200b")),
  ],
  [
    "the fullwidth key JSON-escaped",
    (k) => [...fullwidth(k)].map((c) => "\\u" + c.charCodeAt(0).toString(16)).join(""),
  ],
  [
    "the fullwidth key as HTML references",
    (k) => [...fullwidth(k)].map((c) => `&#${c.charCodeAt(0)};`).join(""),
  ],
  [
    "the fullwidth key as hex HTML references",
    (k) => [...fullwidth(k)].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(""),
  ],
];

for (const [what, form] of FORMS) {
  Deno.test(`value() cuts ${what}, long key and short key, and keeps the words around it`, () => {
    for (const k of [LONG, SHORT]) {
      const v = form(k);
      for (const s of [v, `bad ${v} x`]) {
        const out = scrubber([k]).value(s);
        ok(!out.includes(v), `${what} kept in ${out}`);
        ok(out.includes(REDACTED), out);
      }
      assertEquals(scrubber([k]).value(`bad ${v} x`), `bad ${REDACTED} x`);
      // As a compared value (secrets()), so the read fails as the key echoed into data.
      ok(scrubber([k]).secrets(v) !== v, `${what}: secrets() let it pass`);
    }
  });
}

Deno.test("value() leaves percent-encoded, escaped and referenced text that is not the key as it is", () => {
  const s = scrubber([LONG]);
  for (
    const v of [
      encodeURIComponent(fullwidth("hello-world-and-more")),
      "caf%C3%A9 %E2%80%8B %F0%9F%98%80 %C0%80 %ED%A0%80 %E2%80",
      "\\uff48\\uff45\\uff4c\\uff4c\\uff4f",
      "&#65352;&#65349;",
    ]
  ) assertEquals(s.value(v), v);
});

Deno.test("a key name holding the fullwidth admin key percent-encoded fails the read as the key echoed into data (exit 1), never shown", async () => {
  const v = encodeURIComponent(fullwidth(ADMIN_KEY));
  const r = await check(realApi({ keys: [key("key_u1", v), ...KEYS()] }));
  assertEquals(r.code, 1, r.stdout + r.stderr);
  ok(r.stderr.includes('the server echoed the admin key into data ("name")'), r.stderr);
  ok(!(r.stdout + r.stderr + r.files.get("r.json")).includes(v));
});

Deno.test("a 400 whose message and x-request-id hold the admin key's look-alike forms, encoded: none of them in any output", async () => {
  for (const [, form] of FORMS) {
    const v = form(ADMIN_KEY);
    const r = await runCli([
      "check",
      "-m",
      "keydrift.yaml",
      "--api-url",
      "http://127.0.0.1/v1",
      "--format",
      "json=r.json",
    ], {
      files: { "keydrift.yaml": "version: 1\nprojects: [{ id: proj_a, keys: [] }]\n" },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: () =>
        Promise.resolve(
          new Response(
            JSON.stringify({
              error: {
                message: `bad ${v} x`,
                type: "invalid_request_error",
                param: null,
                code: null,
              },
            }),
            {
              status: 400,
              headers: {
                "content-type": "application/json",
                "x-request-id": v.includes("%") ? v : encodeURIComponent(v),
              },
            },
          ),
        ),
    });
    assertEquals(r.code, 1, r.stderr);
    const all = r.stdout + r.stderr + r.files.get("r.json");
    ok(!all.includes(v) && !all.includes(encodeURIComponent(v)), all.slice(0, 2000));
  }
});
