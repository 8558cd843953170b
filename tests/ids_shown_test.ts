/**
 * What keydrift acts on must show as it is (issue 19 follow-up, SPEC 11.1): an id or a compared
 * value that any output's scrubbing would rewrite (text shaped like a credential) is not one,
 * because every report would show it redacted and a fix built from the shown text would name
 * another object; ids have a length limit; a fix's path and ids are never cut by the display cap.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { idProblem, MAX_ID_LENGTH } from "../lib/core/ids.ts";
import { shapedLikeCredential } from "../lib/secrets/redact.ts";
import { capFields, FIELD_MAX } from "../lib/render/inert.ts";
import { ImportRefused, manifestFor } from "../lib/manifest/writer.ts";
import type { LiveKey } from "../lib/core/types.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";
import { ANA, assertUnknown, BOT, check, key, KEYS, realApi } from "./_real_api.ts";

const A40 = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
/** Values every output's scrubbing rewrites, whatever the admin key. */
const SHAPED = [
  "sk-proj-" + A40,
  "sk-svcacct-" + A40,
  "Bearer " + A40,
  "Basic dXNlcjpwYXNzd29yZA==",
  "https://user:pw@example.com",
  "x?api_key=" + A40,
  "a&token=" + A40,
];

Deno.test("shapedLikeCredential() is true exactly where the scrubbing of every output would rewrite a value, alone or between path separators", () => {
  for (const s of SHAPED) ok(shapedLikeCredential(s), s);
  // A trailing `?token=` or `Bearer ` takes in what follows it in a path.
  for (const s of ["x?token=", "Bearer ", "s\\u006b-proj-" + A40]) ok(shapedLikeCredential(s), s);
  for (const s of ["key_a1", "sk-[REDACTED]", "sk-test", "deploy-bot", "ana@example.test"]) {
    ok(!shapedLikeCredential(s), s);
  }
});

Deno.test(`idProblem() refuses an id over ${MAX_ID_LENGTH} characters and keeps one of ${MAX_ID_LENGTH}`, () => {
  assertEquals(idProblem("k".repeat(MAX_ID_LENGTH)), null);
  assertEquals(
    idProblem("k".repeat(5000)),
    `it is 5000 characters long, and an id is at most ${MAX_ID_LENGTH}`,
  );
});

Deno.test("a key id over the limit from the server fails the read (exit 1), never a fix cut short", async () => {
  for (const id of ["k".repeat(5000), "key_" + "\u00e9".repeat(700)]) {
    const r = await check(realApi({ keys: [key(id, "stray", BOT), ...KEYS()] }), {
      args: ["--explain"],
    });
    assertUnknown(
      r,
      /"id" ".*…" cannot be an id: it is \d+ characters long, and an id is at most 256/,
    );
    ok(!/curl|# edit/.test(r.stdout), r.stdout);
  }
});

Deno.test("a key id of 256 characters gets its whole fix: the JSON path and ids uncut, a curl DELETE in --explain and the script", async () => {
  const id = "\u9375".repeat(MAX_ID_LENGTH); // 鍵: three bytes, nine characters percent-encoded
  // A user's key: its fix is the key delete (a service account's goes with its account).
  const r = await check(realApi({ keys: [key(id, "stray", ANA), ...KEYS()] }), {
    args: ["--explain", "--format", "script=fix.sh"],
  });
  assertEquals(r.code, 2, r.stdout + r.stderr);
  const [item] = r.report.drift as { key_id: string; remediation: { path: string } }[];
  const path = `/organization/projects/proj_alpha/api_keys/${"%E9%8D%B5".repeat(MAX_ID_LENGTH)}`;
  assertEquals(item.key_id, id);
  assertEquals(item.remediation.path, path);
  ok(
    r.stdout.includes(
      `curl -sS --fail-with-body -X DELETE "\${OPENAI_BASE_URL:-https://api.openai.com/v1}${path}"`,
    ),
  );
  ok(
    r.files.get("fix.sh")!.includes(
      `-X DELETE "\${OPENAI_BASE_URL:-https://api.openai.com/v1}${path}"`,
    ),
  );
});

Deno.test("capFields() never cuts ids, a fix's ids or its path, however long; other strings are cut", () => {
  const long = "%E9%8D%B5".repeat(600);
  const item = {
    keyId: "k".repeat(5000),
    keyName: "n".repeat(5000),
    remediation: { path: `/organization/projects/${long}`, ids: { key_id: long }, summary: long },
    candidates: [{ id: long, name: long }],
  };
  const capped = capFields(item);
  assertEquals(capped.keyId, item.keyId);
  assertEquals(capped.remediation.path, item.remediation.path);
  assertEquals(capped.remediation.ids, item.remediation.ids);
  assertEquals(capped.candidates[0].id, long);
  ok(capped.keyName.length < 5000 && capped.keyName.includes("more characters"));
  ok(capped.remediation.summary.length <= FIELD_MAX + 40);
  ok(capped.candidates[0].name.length <= FIELD_MAX + 40);
});

Deno.test("two keys sk-proj-… and sk-[REDACTED] never give a fix that names one for the other: the credential-shaped id fails the read", async () => {
  const x = "sk-proj-" + A40;
  const r = await check(
    realApi({
      keys: [key(x, "target-x", BOT), key("sk-[REDACTED]", "innocent-y", BOT), ...KEYS()],
    }),
    { args: ["--explain", "--format", "script=fix.sh"] },
  );
  assertUnknown(r, /"id" .* cannot be an id: it is shaped like a credential/);
  ok(!/curl/.test(r.stdout + r.files.get("fix.sh")!), r.stdout);
});

// URL credentials hold "/", which no id may: refused for that already.
for (const id of SHAPED.filter((v) => !v.includes("/"))) {
  Deno.test(`an id shaped like a credential (${id.slice(0, 12)}…) fails the read: a key's, its owner's`, async () => {
    const owner = { ...BOT, service_account: { ...BOT.service_account, id } };
    for (const k of [key(id, "stray", BOT), key("key_x", "stray", owner)]) {
      const r = await check(realApi({ keys: [k, ...KEYS()] }));
      assertUnknown(r, /"id" .* cannot be an id: it is shaped like a credential/);
    }
  });
}

for (const value of SHAPED) {
  Deno.test(`a compared value shaped like a credential (${value.slice(0, 12)}…) fails the read naming the key by id, never shown redacted: key name, owner name, e-mail`, async () => {
    const user = (f: string) => ({ ...ANA, user: { ...ANA.user, [f]: value } });
    for (
      const [field, k] of [
        ["name", key("key_x", value, BOT)],
        ["name", key("key_x", "stray", user("name"))],
        ["email", key("key_x", "stray", user("email"))],
      ] as const
    ) {
      const r = await check(realApi({ keys: [k, ...KEYS()] }));
      assertUnknown(
        r,
        new RegExp(
          `Cannot read (key|the user owning key) "key_x".*"${field}" is shaped like a credential`,
        ),
      );
    }
  });
}

Deno.test("validate locates an id, a name or an e-mail shaped like a credential in the manifest", async () => {
  const manifest = `version: 1
projects:
  - id: proj_a
    name: "Bearer ${A40}"
    keys:
      - name: "sk-proj-${A40}"
        id: "x?token=${A40}"
        owner: { type: user, name: "https://u:p@x.example", email: "a&token=${A40}" }
`;
  const r = await runCli(["validate", "-m", "keydrift.yaml"], {
    files: { "keydrift.yaml": manifest },
  });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  for (
    const where of [
      '4:5: "name" cannot be used',
      '6:9: "name" cannot be used',
      "7:9: key id",
      '8:30: "name" cannot be used',
      '8:61: "email" cannot be used',
    ]
  ) ok(r.stderr.includes(`keydrift.yaml:${where}`), `${where} in:\n${r.stderr}`);
  ok(r.stderr.includes("shaped like a credential, so every report would show it redacted"));
});

Deno.test("validate locates a key family's name, manager or glob shaped like a credential", async () => {
  const manifest = `version: 1
projects:
  - id: proj_a
    keys: []
    families:
      - name: "Bearer ${A40}"
        owner: { type: service_account, name_pattern: "sk-proj-${A40}*" }
        key_name_pattern: "x?token=${A40}"
        managed_by: "https://u:p@x.example"
`;
  const r = await runCli(["validate", "-m", "keydrift.yaml"], {
    files: { "keydrift.yaml": manifest },
  });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  for (
    const where of [
      '6:9: "name" cannot be used',
      '7:41: "name_pattern" cannot be used',
      '8:9: "key_name_pattern" cannot be used',
      '9:9: "managed_by" cannot be used',
    ]
  ) ok(r.stderr.includes(`keydrift.yaml:${where}`), `${where} in:\n${r.stderr}`);
});

Deno.test("import refuses a name or an e-mail shaped like a credential, naming the key by id (the reader fails first; the writer on its own too)", async () => {
  const r = await runCli(["import", "--api-url", "http://127.0.0.1/v1", "-o", "-"], {
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch: async (input, init) =>
      await realApi({ keys: [key("key_x", SHAPED[0], BOT)] })(new Request(input, init)),
  });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  ok(/Cannot read key "key_x" .*"name" is shaped like a credential/.test(r.stderr), r.stderr);
  // The message's own words are not taken for a credential by the output's scrubbing.
  ok(!r.stderr.includes("[REDACTED]"), r.stderr);
  assertEquals(r.stdout, "");
  const live = (name: string, email: string): LiveKey => ({
    id: "key_x",
    name,
    redactedValue: "sk-proj-****abcd",
    createdAt: 1,
    lastUsedAt: null,
    expiresAt: null,
    ownerProjectAccess: "active",
    owner: { type: "user", id: "user-1", name: "Ana", email, role: "owner" },
  });
  const project = { id: "proj_a", name: "a", status: "active" };
  for (
    const [k, field] of [[live(SHAPED[2], "a@x"), "name"], [
      live("n", SHAPED[6]),
      "owner's email",
    ]] as const
  ) {
    throws(
      () => manifestFor([{ project, keys: [k] }], "2026-11-20"),
      (e: unknown) =>
        e instanceof ImportRefused &&
        e.message.startsWith(
          `cannot import key "key_x" of project "proj_a": its ${field} is shaped like a credential`,
        ),
    );
  }
});
