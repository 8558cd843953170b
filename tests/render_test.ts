import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { worded } from "../lib/render/words.ts";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { escapeData, escapeProperty } from "../lib/render/github.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import {
  ADMIN_KEY,
  CHECK_API,
  CHECK_FAKE,
  DEMO_FILES,
  fakeFetch,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { sarifValidator } from "./_openapi.ts";
import { renderText, summaryLine, wrap } from "../lib/render/text.ts";
import type { Report } from "../lib/report/report.ts";
import { owner, reportWith } from "./_reports.ts";
import { POLICIES } from "../policies/mod.ts";

const files = DEMO_FILES;

async function demo(format: string) {
  const r = await runCli([
    ...CHECK_FAKE,
    "--format",
    `${format}=out`,
  ], { files });
  assertEquals(r.code, 2);
  return r.files.get("out")!;
}

Deno.test("one check run writes every format (text, json, markdown, markdown-comment, github, sarif, junit, codeclimate, script) from one read", async () => {
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
    "r.markdown-comment",
    "r.sarif",
    "r.script",
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

/** A report whose only failing items are policy findings (no drift at all). */
function findingsOnly(): Report {
  const r = reportWith("x");
  const error = { ...r.findings[0], waived: false };
  return {
    ...r,
    drift: [],
    findings: [error, { ...error, keyName: "y" }, { ...r.findings[1] }],
    summary: {
      ...r.summary,
      missing: 0,
      unexpected: 0,
      changed: 0,
      ambiguous: 0,
      project_drift: 0,
      policy_errors: 2,
    },
  };
}

Deno.test("text starts with a legend of the symbols it uses, once", () => {
  const text = renderText(worded(reportWith("x")), { color: false });
  const first = text.split("\n")[0];
  assertEquals(
    first,
    'Symbols: - declared but gone from the live project, + live but not declared, ~ changed: "declared" -> "live", ? ambiguous: several live keys fit one entry, ! policy finding',
  );
  assertEquals(text.split("Symbols:").length, 2);
  // Only the symbols used: findings alone explain "!" and nothing else.
  ok(
    renderText(worded(findingsOnly()), { color: false }).startsWith("Symbols: ! policy finding\n"),
  );
  const inSync = { ...reportWith("x", "in_sync"), drift: [], findings: [] };
  ok(!renderText(worded(inSync), { color: false }).includes("Symbols:"));
});

Deno.test("text wraps at the given width with indented continuation lines, and not without one", () => {
  const r = findingsOnly();
  const plain = renderText(worded(r), { color: false });
  ok(plain.split("\n").some((l) => l.length > 100), "long lines without a width");
  for (const color of [false, true]) {
    const wrapped = renderText(worded(r), { color, width: 60 });
    // deno-lint-ignore no-control-regex
    const lines = wrapped.replace(/\x1b\[\d+m/g, "").split("\n");
    ok(lines.every((l) => l.length <= 60), lines.find((l) => l.length > 60));
    const i = lines.findIndex((l) => l.startsWith("  ! error owner-lost-access:"));
    ok(lines[i + 1].startsWith("      ") && lines[i + 1].trim() !== "", "continuation indented");
    // Nothing lost: the words are the same as unwrapped.
    assertEquals(lines.join(" ").split(/\s+/).filter(Boolean), plain.split(/\s+/).filter(Boolean));
  }
  assertEquals(wrap("aaaa bbbb cccc", 9, 2), [[0, 9], [10, 14]]);
  assertEquals(wrap("aaaa bbbb cccc", 8, 2), [[0, 4], [5, 9], [10, 14]]);
  assertEquals(wrap("a-very-long-word x", 5, 2), [[0, 16], [17, 18]]);
});

Deno.test("text shows redacted values short: sk-proj-...qe6x", () => {
  const r = reportWith("x");
  r.drift[5] = {
    ...r.drift[5],
    live: {
      owner: owner("user", "Carl"),
      redactedValue: "sk-proj-************************************qe6x",
    },
  };
  const text = renderText(worded(r), { color: false });
  ok(text.includes('# not in the manifest: user "Carl", sk-proj-...qe6x'), text);
  ok(!text.includes("****"));
});

Deno.test("text says why it exits 2 when only findings fail, never just 'No drift'", () => {
  const text = renderText(worded(findingsOnly()), { color: false });
  ok(!text.includes("No drift: live keys match the manifest."));
  ok(text.includes("No key drift, but 2 policy errors at or above --fail-on error.\n"), text);
  const warn = { ...findingsOnly(), failOn: "warning" as const };
  warn.findings = warn.findings.map((f) => ({ ...f, severity: "warning" as const, waived: false }));
  ok(
    renderText(worded(warn), { color: false }).includes(
      "No key drift, but 3 policy warnings at or above --fail-on warning.",
    ),
  );
});

Deno.test("text with drift below --fail-on says nothing fails and why it exits 0", () => {
  const r = reportWith("x", "in_sync");
  const below = {
    ...r,
    drift: [{ ...r.drift[5], severity: "warning" as const }],
    findings: [],
  };
  const text = renderText(worded(below), { color: false });
  ok(text.includes("(warning)"));
  ok(text.trimEnd().endsWith("Nothing at or above --fail-on error: exit 0."), text);
});

Deno.test("text summary names projects and keys apart: 'keys 1 missing ...; projects 1 missing, 1 changed, 1 unexpected'", () => {
  const line = summaryLine(worded(reportWith("x")));
  ok(
    line.startsWith(
      "Drift: keys 1 missing, 1 unexpected, 1 changed, 1 ambiguous; projects 1 missing, 1 changed, 1 unexpected · ",
    ),
    line,
  );
  const inSync = { ...reportWith("x", "in_sync"), drift: [], findings: [], families: [] };
  inSync.summary = { ...inSync.summary, in_sync_keys: 1, projects: 1, family_keys: 0 };
  ok(renderText(worded(inSync), { color: false }).includes("1 key in sync across 1 project · "));
});

Deno.test("text for an invalid manifest says the check did not complete, not 'Incomplete: 1 error'", async () => {
  const r = await runCli(["check", "-m", "bad.yaml", "--fake", "state.yaml"], {
    files: { "bad.yaml": "version: 1\nprojects: 3\n", "state.yaml": files["state.yaml"] },
  });
  assertEquals(r.code, 1);
  ok(!r.stdout.includes("Incomplete"), r.stdout);
  ok(r.stderr.includes("bad.yaml:2:11: "), r.stderr);
  ok(
    r.stdout.includes(
      "The check did not complete (the error is on stderr); nothing is claimed about drift.",
    ),
    r.stdout,
  );
});

Deno.test("text for unreadable projects names them: 'Incomplete: 1 project could not be read (proj_x)'", () => {
  const text = renderText(worded(reportWith("x", "error")), { color: false });
  ok(
    text.includes(
      "Incomplete: 1 project could not be read (proj_x); nothing is claimed about drift.",
    ),
    text,
  );
});

Deno.test("text says why it exits 2 when the drift is below --fail-on but findings are not", () => {
  const r = reportWith("x");
  const mixed = { ...r, drift: [{ ...r.drift[5], severity: "warning" as const }] };
  const text = renderText(worded(mixed), { color: false });
  ok(
    text.trimEnd().endsWith(
      "The drift is below --fail-on error, but 1 policy error at or above --fail-on error.",
    ),
    text,
  );
});
