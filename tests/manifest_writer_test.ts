/**
 * `import` writes only manifests keydrift's own `validate` accepts: for arbitrary server strings
 * (names, ids, owners, emails, project names, redacted values, with controls, DEL, NEL, bidi
 * overrides, line separators, the BOM, noncharacters, lone surrogates and invisible characters),
 * the written manifest validates and reads back every value exactly, or import refuses with a
 * message naming the key.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { ImportRefused, manifestFor, yamlString } from "../lib/manifest/writer.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import type { LiveAdminKey, LiveKey } from "../lib/core/types.ts";
import { idProblem } from "../lib/core/ids.ts";
import { runCli } from "./_helpers.ts";

const RUNS = Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 300);

/** One UTF-16 unit or code point, weighted towards what manifests and YAML readers trip on. */
const unit = fc.oneof(
  fc.constantFrom(
    "\x00",
    "\x07",
    "\t",
    "\n",
    "\r",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u00a0",
    "\u00ad",
    "\u061c",
    "\u200b",
    "\u200e",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\ud800",
    "\udc00",
    "\u{e0041}",
    "\\",
    '"',
    "'",
    "#",
    ":",
    "-",
    " ",
    "*",
    "&",
    "!",
    "%",
    "@",
    "`",
    "{",
    "[",
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const text = fc.array(unit, { maxLength: 12 }).map((a) => a.join(""));

function liveKey(id: string, name: string, ownerName: string, email: string, value: string) {
  const key: LiveKey = {
    id,
    name,
    redactedValue: value,
    createdAt: 0,
    lastUsedAt: null,
    expiresAt: null,
    ownerProjectAccess: "active",
    owner: { type: "user", id: "user-1", name: ownerName, email, role: "owner" },
  };
  return key;
}

function adminKey(id: string, name: string | null, ownerName: string): LiveAdminKey {
  return {
    id,
    name,
    redactedValue: "sk-admin-****abcd",
    createdAt: 0,
    lastUsedAt: null,
    expiresAt: null,
    owner: { type: "user", id: "user-1", name: ownerName, role: "owner" },
  };
}

Deno.test("import of arbitrary server strings writes a manifest validate accepts and reads back exactly, or refuses naming the key (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        project: text,
        projectName: text,
        id: text,
        name: text,
        owner: text,
        email: text,
        value: text,
        adminName: fc.option(text),
      }),
      async (v) => {
        const projectId = `proj_${v.project}`;
        let manifest: string;
        try {
          manifest = manifestFor(
            [{
              project: { id: projectId, name: v.projectName, status: "active" },
              keys: [liveKey(`key_${v.id}`, v.name, v.owner, v.email, v.value)],
            }],
            "2026-11-20",
            [adminKey(`admin_${v.id}`, v.adminName, v.owner)],
          );
        } catch (e) {
          ok(e instanceof ImportRefused, String(e));
          ok(
            v.name === "" || v.owner === "" || v.adminName === "" ||
              idProblem(projectId) !== null || idProblem(`key_${v.id}`) !== null,
            e.message,
          );
          ok(/^cannot import (admin key|key|project) "/.test(e.message), e.message);
          return;
        }
        ok(v.name !== "" && v.owner !== "" && v.adminName !== "", "an empty name was written");
        ok(
          idProblem(projectId) === null && idProblem(`key_${v.id}`) === null,
          "a bad id was written",
        );
        // keydrift's own validate, as users run it.
        const r = await runCli(["validate", "-q", "-m", "m.yaml"], {
          files: { "m.yaml": manifest },
        });
        assertEquals([r.code, r.stderr], [0, ""], manifest);
        // Every value reads back as it was sent.
        const { manifest: m } = loadManifests(
          [{ path: "m.yaml", text: manifest }],
          POLICIES,
          readFull,
        );
        const p = m!.projects[0];
        assertEquals([p.id, p.name], [projectId, v.projectName]);
        const k = p.keys[0];
        // An empty email is left out (the owner then has none to compare).
        assertEquals(
          [k.name, k.id, k.owner.name, k.owner.email ?? ""],
          [v.name, `key_${v.id}`, v.owner, v.email],
        );
        const a = m!.adminKeys!.keys[0];
        assertEquals([a.name, a.id, a.owner.name], [
          v.adminName ?? `admin_${v.id}`,
          `admin_${v.id}`,
          v.owner,
        ]);
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("import writes bidi, DEL, NEL, line separators and invisible characters as YAML escapes, and validate accepts the file", async () => {
  const name = "a\u202eb\x7fc\x85d\u2028e\u200bf\ud800g";
  assertEquals(yamlString(name), '"a\\u202Eb\\x7Fc\\x85d\\u2028e\\u200Bf\\uD800g"');
  const manifest = manifestFor([{
    project: { id: "proj_a", name: "a", status: "active" },
    keys: [liveKey("key_1", name, "Ana", "ana@example.test", "sk-proj-****\u202e\uffff")],
  }], "2026-11-20");
  const r = await runCli(["validate", "-m", "m.yaml"], { files: { "m.yaml": manifest } });
  assertEquals(r.code, 0, r.stderr + manifest);
});

Deno.test("import refuses a key with an empty name, naming the key and what to do", () => {
  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      ok(e instanceof ImportRefused);
      return e.message;
    }
    throw new Error("not refused");
  };
  assertEquals(
    refused(() =>
      manifestFor([{
        project: { id: "proj_a", name: "a", status: "active" },
        keys: [liveKey("key_1", "", "Ana", "a@x", "sk-proj-****abcd")],
      }], "2026-11-20")
    ),
    'cannot import key "key_1" of project "proj_a": its name is empty, and a manifest entry needs one; name it in the dashboard, or leave the project out with --project',
  );
  assertEquals(
    refused(() => manifestFor([], "2026-11-20", [adminKey("key_2", "", "Ana")])),
    'cannot import admin key "key_2": its name is empty, and a manifest entry needs one; name it in the dashboard, or leave admin keys out with --no-admin-keys',
  );
});
