import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { buildSchema } from "../lib/manifest/schema.ts";
import type { JsonSchema } from "../lib/yaml/json_schema.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import { readExample, runCli } from "./_helpers.ts";

function validator() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  return ajv.compile(buildSchema(POLICIES));
}

function everyProperty(s: JsonSchema, path: string, out: string[]) {
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    if (!sub.description) out.push(`${path}.${name}`);
    everyProperty(sub, `${path}.${name}`, out);
  }
  if (s.items) everyProperty(s.items, `${path}[]`, out);
}

Deno.test("buildSchema() is valid draft-07 under Ajv strict mode, with a description on every property", () => {
  validator();
  const missing: string[] = [];
  everyProperty(buildSchema(POLICIES), "$", missing);
  assertEquals(missing, []);
});

Deno.test("the example manifest validates against the printed schema and loads without problems", async () => {
  const printed = await runCli(["schema"]);
  assertEquals(printed.code, 0);
  const ajv = new Ajv({ strict: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(printed.stdout));
  const text = readExample("keydrift.yaml");
  ok(validate(parse(text)), JSON.stringify(validate.errors));
  assertEquals(loadManifests([{ path: "m.yaml", text }], POLICIES, readFull).problems, []);
});

const INVALID = [
  "version: 1\nprojects: []\nextra: 1\n",
  "version: 2\nprojects: []\n",
  "projects: []\n",
  "version: 1\nprojects:\n  - id: p\n",
  "version: 1\nprojects:\n  - id: p\n    keys:\n      - name: k\n        owner: { type: bot, name: x }\n",
  "version: 1\nprojects:\n  - id: p\n    keys:\n      - name: 12\n        owner: { type: user, name: x }\n",
  "version: 1\npolicies:\n  key-unused: { severity: loud }\nprojects: []\n",
  "version: 1\npolicies:\n  key-unused: { max_idle_days: 0 }\nprojects: []\n",
  "version: 1\npolicies:\n  no-such-policy: {}\nprojects: []\n",
  "version: 1\nprojects: []\nwaivers:\n  - { policy: key-unused, project: p, key: k, reason: r, expires: soon }\n",
  "version: 1\nprojects: []\nwaivers:\n  - { policy: key-unused, project: p, key: k, expires: 2027-01-01 }\n",
  "version: 1\nprojects:\n  - id: p\n    unmanaged: sometimes\n    keys: []\n",
];

for (const [i, text] of INVALID.entries()) {
  Deno.test(`invalid fixture ${i + 1} fails both the printed schema and validate`, () => {
    const validate = validator();
    ok(!validate(parse(text)), `Ajv accepted: ${text}`);
    ok(
      loadManifests([{ path: "m.yaml", text }], POLICIES, readFull).problems.length > 0,
      `validate accepted: ${text}`,
    );
  });
}
