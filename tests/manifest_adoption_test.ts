/**
 * Issue 23, manifests as adopters write them: `validate` in one pass (schema and references), its
 * warnings on waivers that do nothing, problems capped per file, and waivers-only files.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DEMO_FILES, runCli } from "./_helpers.ts";
import { PROBLEMS_PER_FILE } from "../lib/manifest/problems.ts";

const OWNER = "owner: { type: user, id: user_1, name: U }";

Deno.test("validate reports reference problems of entries the schema refused in the same pass", async () => {
  const text = [
    "version: 1",
    "projects:",
    "  - id: p",
    "    keys:",
    "      - name: a",
    `        ${OWNER}`,
    "        id: key_1",
    "      - name: b", // no owner: a schema problem, and its pin is still a duplicate
    "        id: key_1",
    "waivers:",
    "  - policy: key-unused", // no reason or expires, and an undeclared project
    "    project: nope",
    "    key: a",
    "",
  ].join("\n");
  const r = await runCli(["validate", "-m", "m.yaml"], { files: { "m.yaml": text } });
  assertEquals(r.code, 1);
  assertEquals(r.stderr.split("\n"), [
    'm.yaml:8:9: missing required field "owner" in key entry',
    'm.yaml:8:9: key id "key_1" is pinned by two entries: here and at m.yaml:5:9',
    'm.yaml:11:5: missing required field "reason" in waiver',
    'm.yaml:11:5: missing required field "expires" in waiver',
    'm.yaml:11:5: waiver names project "nope", which no manifest declares',
    "keydrift: 5 problems found; the manifest is invalid",
    "",
  ]);
});

Deno.test("a waiver naming a project of a file that is not valid YAML is not called undeclared", async () => {
  const r = await runCli(["validate", "-m", "conf"], {
    files: {
      "conf/a.yaml": "version: 1\nprojects:\n  - id: p\n    keys: [\n",
      "conf/w.yaml":
        "version: 1\nwaivers:\n  - { policy: key-unused, project: p, key: a, reason: r, expires: 2099-01-01 }\n",
    },
  });
  assertEquals(r.code, 1);
  ok(!r.stderr.includes("which no manifest declares"), r.stderr);
  ok(r.stderr.includes("conf/a.yaml:"), r.stderr);
});

Deno.test("validate warns on an expired waiver and on a waiver of a policy that is off, and stays valid", async () => {
  const text = [
    "version: 1",
    "policies:",
    "  key-unused: { severity: off }",
    "projects:",
    "  - id: p",
    "    keys:",
    "      - name: a",
    `        ${OWNER}`,
    "waivers:",
    "  - { policy: key-unused, project: p, key: a, reason: on leave, expires: 2099-01-01 }",
    "  - { policy: key-expired, project: p, key: a, reason: rolling out, expires: 2026-11-19 }",
    "  - { policy: key-expired, project: p, key: '*', reason: today is the last day, expires: 2026-11-20 }",
    "",
  ].join("\n");
  const r = await runCli(["validate", "-m", "m.yaml"], { files: { "m.yaml": text } });
  assertEquals([r.code, r.stdout], [0, "m.yaml: valid (1 project, 1 key, 3 waivers)\n"]);
  assertEquals(r.stderr.split("\n"), [
    'keydrift: warning: m.yaml:10:5: waiver for key-unused on "p" key "a" waives a policy that is off (severity: off), so it has no effect: remove it, or turn the policy on',
    'keydrift: warning: m.yaml:11:5: waiver for key-expired on "p" key "a" expired on 2026-11-19 and no longer applies: renew its date or remove it',
    "",
  ]);
  const quiet = await runCli(["validate", "-q", "-m", "m.yaml"], { files: { "m.yaml": text } });
  assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
});

Deno.test("one stray line does not bury the first problem: at most 50 per file, the rest counted", async () => {
  const text = `--- text\n${DEMO_FILES["keydrift.yaml"]}`.repeat(3);
  const r = await runCli(["validate", "-m", "stray.yaml"], { files: { "stray.yaml": text } });
  assertEquals(r.code, 1);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, PROBLEMS_PER_FILE + 2, r.stderr.slice(0, 500));
  const total = Number(
    /^keydrift: ([\d,]+) problems found/.exec(lines.at(-1)!)![1].replace(/,/g, ""),
  );
  ok(total > 200, lines.at(-1));
  const rest = total - PROBLEMS_PER_FILE;
  ok(
    new RegExp(
      `^stray\\.yaml:\\d+:\\d+: ${
        rest.toLocaleString("en-US")
      } more problems in this file, not listed`,
    )
      .test(lines.at(-2)!),
    lines.at(-2),
  );
  // check: the same cap, one annotation line per listed problem (GitHub shows 10 and says so).
  const check = await runCli(["check", "-m", "stray.yaml", "--fake", "s.yaml"], {
    files: { "stray.yaml": text, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  assertEquals(check.stderr.trimEnd().split("\n").length, PROBLEMS_PER_FILE + 2);
});

Deno.test("a file of only waivers in a directory of manifests needs no projects: []", async () => {
  const r = await runCli(["validate", "-m", "conf"], {
    files: {
      "conf/projects.yaml":
        `version: 1\nprojects:\n  - id: p\n    keys:\n      - name: a\n        ${OWNER}\n`,
      "conf/waivers.yaml":
        "version: 1\nwaivers:\n  - { policy: key-unused, project: p, key: a, reason: r, expires: 2099-01-01 }\n",
    },
  });
  assertEquals([r.code, r.stdout, r.stderr], [
    0,
    "conf/projects.yaml, conf/waivers.yaml: valid (1 project, 1 key, 1 waiver)\n",
    "",
  ]);
});

Deno.test("a manifest none of whose files declares projects or admin_keys is still refused, located", async () => {
  const r = await runCli(["validate", "-m", "w.yaml"], {
    files: { "w.yaml": "version: 1\nwaivers: []\n" },
  });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr.split("\n")[0],
    'w.yaml:1:1: no manifest file declares "projects" (or "admin_keys" or "orgs"); add projects: to one (projects: [] checks none)',
  );
});
