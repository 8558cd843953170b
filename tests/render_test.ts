import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import AjvDraft04Module from "ajv-draft-04";
// The package is CommonJS: its default import is the class itself at run time.
const AjvDraft04 = AjvDraft04Module as unknown as new (o: object) => {
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { escapeData, escapeProperty } from "../lib/render/github.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import { CHECK_FAKE, runCli } from "./_helpers.ts";
import { readExample } from "./_helpers.ts";
import { POLICIES } from "../policies/mod.ts";

const files = {
  "keydrift.yaml": readExample("keydrift.yaml"),
  "state.yaml": readExample("state.yaml"),
};

async function demo(format: string) {
  const r = await runCli([
    ...CHECK_FAKE,
    "--format",
    `${format}=out`,
  ], { files });
  assertEquals(r.code, 2);
  return r.files.get("out")!;
}

Deno.test("one check run writes every format (text, json, markdown, markdown-comment, sarif, junit, github) from one read", async () => {
  const argv = [...CHECK_FAKE];
  for (const f of Object.keys(RENDERERS).filter((n) => n !== "text")) {
    argv.push("--format", `${f}=r.${f}`);
  }
  const r = await runCli([...argv, "--format", "text"], { files });
  assertEquals(r.code, 2);
  assertEquals([...r.files.keys()].filter((k) => k.startsWith("r.")).sort(), [
    "r.github",
    "r.json",
    "r.junit",
    "r.markdown",
    "r.markdown-comment",
    "r.sarif",
  ]);
  ok(r.stdout.includes("Drift: "));
});

Deno.test("sarif validates against the official SARIF 2.1.0 schema, with stable fingerprints", async (t) => {
  const schema = JSON.parse(
    await Deno.readTextFile(
      new URL("../../shared/reference/sarif-schema-2.1.0.json", import.meta.url),
    ),
  );
  const ajv = new AjvDraft04({ strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  const text = await demo("sarif");
  const doc = JSON.parse(text);
  ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
  const rules = doc.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
  for (const p of POLICIES) ok(rules.includes(`policy/${p.id}`));
  ok(rules.includes("drift/missing"));
  const again = JSON.parse(await demo("sarif"));
  assertEquals(
    again.runs[0].results.map((r: { partialFingerprints: unknown }) => r.partialFingerprints),
    doc.runs[0].results.map((r: { partialFingerprints: unknown }) => r.partialFingerprints),
  );
  await t.assertSnapshot(
    doc.runs[0].results.map((
      r: { ruleId: string; locations: { physicalLocation: { region: unknown } }[] },
    ) => [r.ruleId, r.locations[0].physicalLocation.region]),
  );
});

Deno.test("junit is well-formed XML with one testcase per declared and unexpected key", async () => {
  const text = await demo("junit");
  assertEquals(XMLValidator.validate(text), true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(text);
  const cases = doc.testsuites.testsuite.testcase as {
    "@_classname": string;
    "@_name": string;
    failure?: unknown;
  }[];
  const names = cases.map((c) => `${c["@_classname"]}/${c["@_name"]}`);
  for (
    const n of [
      "proj_payments/ana-laptop",
      "proj_payments/old-ci [key_old_ci_carl]",
      "proj_search/indexer",
      "proj_analytics/(project)",
    ]
  ) ok(names.includes(n), n);
  ok(cases.find((c) => c["@_name"] === "indexer")!.failure);
});

Deno.test("github annotations point at manifest lines and are escaped", async (t) => {
  const text = await demo("github");
  ok(text.includes("::error file=keydrift.yaml,line=36,col=9,title=keydrift%3A Key missing::"));
  ok(text.trimEnd().split("\n").at(-1)!.startsWith("::notice title=keydrift summary::"));
  assertEquals(escapeData("50% a\r\nb"), "50%25 a%0D%0Ab");
  assertEquals(escapeProperty("a:b,c"), "a%3Ab%2Cc");
  await t.assertSnapshot(text);
});

Deno.test("github annotations cap at 10 per level with a closing summary", async () => {
  const keys = Array.from(
    { length: 15 },
    (_, i) => `      - { id: k${i}, name: n${i}, owner: sa }\n`,
  ).join("");
  const state =
    `projects:\n  - id: p\n    service_accounts: [{ id: sa, name: bot }]\n    keys:\n${keys}`;
  const r = await runCli(["check", "-m", "m.yaml", "--fake", "s.yaml", "--format", "github"], {
    files: { "m.yaml": "version: 1\nprojects:\n  - id: p\n    keys: []\n", "s.yaml": state },
  });
  const lines = r.stdout.trim().split("\n");
  assertEquals(lines.filter((l) => l.startsWith("::error")).length, 10);
  ok(lines.at(-1)!.includes("more not annotated"));
});

Deno.test("markdown shows the status, the summary table and details", async (t) => {
  const text = await demo("markdown");
  ok(text.startsWith("### ❌ keydrift: Drift found"));
  await t.assertSnapshot(text);
});

Deno.test("text uses colour only when asked", async () => {
  const plain = await runCli([...CHECK_FAKE], { files });
  ok(!plain.stdout.includes("\x1b["));
  const color = await runCli([
    ...CHECK_FAKE,
    "--color",
    "always",
  ], { files });
  ok(color.stdout.includes("\x1b[33m"));
  const json = await runCli([
    ...CHECK_FAKE,
    "--color",
    "always",
    "--format",
    "json",
  ], { files });
  ok(!json.stdout.includes("\x1b["));
});
