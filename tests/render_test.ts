import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { escapeData, escapeProperty } from "../lib/render/github.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import {
  ADMIN_KEY,
  CHECK_API,
  CHECK_FAKE,
  fakeFetch,
  readExample,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { sarifValidator } from "./_openapi.ts";
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

Deno.test("one check run writes text, json, markdown, sarif, junit, github and codeclimate from one read", async () => {
  // Against the fake over an injected fetch, so the requests can be counted.
  const check = async (formats: string[]) => {
    const { api, fetch } = fakeFetch(stateFrom(files["state.yaml"]));
    const r = await runCli([...CHECK_API, ...formats.flatMap((f) => ["--format", f])], {
      files,
      fetch,
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    });
    return { r, requests: api.requests.map((q) => `${q.method} ${q.path}${q.query}`) };
  };
  const names = Object.keys(RENDERERS).filter((n) => n !== "text");
  const all = await check([...names.map((f) => `${f}=r.${f}`), "text"]);
  assertEquals(all.r.code, 2);
  assertEquals([...all.r.files.keys()].filter((k) => k.startsWith("r.")).sort(), [
    "r.codeclimate",
    "r.github",
    "r.json",
    "r.junit",
    "r.markdown",
    "r.sarif",
  ]);
  ok(all.r.stdout.includes("Drift: "));
  // Every format at once costs exactly the requests of one: the same reads, once each.
  const one = await check(["text"]);
  assertEquals(all.requests.sort(), one.requests.sort());
  assertEquals(new Set(all.requests).size, all.requests.length, "a request was repeated");
});

Deno.test("sarif validates against the official SARIF 2.1.0 schema, with stable fingerprints", async (t) => {
  const validate = sarifValidator();
  const text = await demo("sarif");
  const doc = JSON.parse(text);
  assertEquals(validate(doc).slice(0, 3), []);
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

Deno.test("junit is well-formed XML with one testsuite per project and one testcase per declared and unexpected key", async () => {
  const text = await demo("junit");
  assertEquals(XMLValidator.validate(text), true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === "testcase" }).parse(
    text,
  );
  const cases = (doc.testsuites.testsuite as { testcase: Record<string, unknown>[] }[]).flatMap((
    s,
  ) => s.testcase) as {
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
  assertEquals(new Set(names).size, names.length);
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

Deno.test("an incomplete run (keys of one project unreadable) is an error in github, junit, markdown and sarif", async () => {
  const state = stateFrom(files["state.yaml"]);
  state.faults = [{ on: "list", kind: "status", status: 500, project: "proj_search" }];
  const formats = ["github", "junit", "markdown", "sarif"];
  const r = await runCli(
    [...CHECK_API, ...formats.flatMap((f) => ["--format", `${f}=r.${f}`])],
    { files, fetch: fakeFetch(state).fetch, env: { OPENAI_ADMIN_KEY: ADMIN_KEY } },
  );
  assertEquals(r.code, 1, r.stderr);
  const out = (f: string) => r.files.get(`r.${f}`)!;

  const errors = out("github").split("\n").filter((l) => l.startsWith("::error "));
  ok(errors.some((l) => l.includes("proj_search") && l.includes("500")), out("github"));

  assertEquals(XMLValidator.validate(out("junit")), true);
  const junit = new XMLParser({ ignoreAttributes: false }).parse(out("junit")).testsuites;
  ok(Number(junit["@_errors"]) >= 1, out("junit"));
  const suite = junit.testsuite;
  const cases = (Array.isArray(suite) ? suite : [suite]).flatMap((s: { testcase: unknown }) =>
    Array.isArray(s.testcase) ? s.testcase : [s.testcase]
  ) as { error?: { "@_message": string } }[];
  ok(cases.some((c) => c.error?.["@_message"].includes("proj_search")), out("junit"));

  const md = out("markdown");
  ok(md.startsWith("### ⚠️"), md.slice(0, 200));
  ok(!md.includes("### ✅") && !md.includes("### ❌"), md.slice(0, 200));
  // Markdown escapes "_": the error names the project and the status on one line.
  ok(/proj\\?_search[^\n]*500/.test(md), md);

  const sarif = JSON.parse(out("sarif"));
  assertEquals(sarifValidator()(sarif).slice(0, 3), []);
  assertEquals(sarif.runs[0].invocations?.[0]?.executionSuccessful, false);
});
