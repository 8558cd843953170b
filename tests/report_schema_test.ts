/** The JSON report's schema (`keydrift schema --report`): valid, complete, and able to refuse. */
import { worded } from "../lib/render/words.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { Ajv } from "ajv";
import { DRIFT_KINDS, REPORT_SCHEMA_ID } from "../lib/report/schema.ts";
import { FORMAT_VERSION, renderJson, toJson } from "../lib/render/json.ts";
import {
  assertValidReport,
  CHECK_FAKE,
  DEMO_FILES,
  reportSchemaValidator,
  runCli,
} from "./_helpers.ts";
import { reportWith } from "./_reports.ts";

interface Node {
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  description?: string;
  additionalProperties?: boolean;
  type?: string;
}

async function printed(): Promise<Node & Record<string, unknown>> {
  const r = await runCli(["schema", "--report"]);
  assertEquals([r.code, r.stderr], [0, ""]);
  return JSON.parse(r.stdout);
}

/** Every object in the schema (through properties, items and anyOf) with its path. */
function objects(s: Node, path: string, out: [string, Node][] = []): [string, Node][] {
  if (s.type === "object") out.push([path, s]);
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    objects(sub, `${path}.${name}`, out);
  }
  if (s.items) objects(s.items, `${path}[]`, out);
  for (const sub of s.anyOf ?? []) objects(sub, path, out);
  return out;
}

const demoFiles = () => ({ ...DEMO_FILES });

async function validate(value: unknown): Promise<boolean> {
  return (await reportSchemaValidator())(value);
}

Deno.test("schema --report prints a draft-07 schema with $id and title that Ajv strict mode compiles", async () => {
  const schema = await printed();
  assertEquals(schema.$schema, "http://json-schema.org/draft-07/schema#");
  assertEquals(schema.$id, REPORT_SCHEMA_ID);
  assertEquals(schema.title, "keydrift JSON report");
  const ajv = new Ajv({ strict: true, allErrors: true });
  ok(ajv.validateSchema(schema), JSON.stringify(ajv.errors));
  ajv.compile(schema);
});

Deno.test("schema --report: every property has a description and every object is closed", async () => {
  const missing: string[] = [];
  const open: string[] = [];
  for (const [path, o] of objects(await printed(), "$")) {
    if (o.additionalProperties !== false) open.push(path);
    for (const [name, sub] of Object.entries(o.properties ?? {})) {
      if (!sub.description) missing.push(`${path}.${name}`);
    }
  }
  assertEquals({ missing, open }, { missing: [], open: [] });
});

Deno.test("schema without --report still prints the manifest schema", async () => {
  const r = await runCli(["schema"]);
  assertEquals(JSON.parse(r.stdout).title, "manifest");
});

Deno.test("the demo's JSON report validates against the printed schema", async () => {
  const r = await runCli([...CHECK_FAKE, "--format", "json"], { files: demoFiles() });
  assertEquals(r.code, 2);
  const report = JSON.parse(r.stdout);
  assertEquals(report.format_version, FORMAT_VERSION);
  ok(await validate(report), JSON.stringify((await reportSchemaValidator()).errors));
});

Deno.test("an error run's JSON report (nothing readable) validates against the printed schema", async () => {
  const r = await runCli(
    ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1", "--format", "json"],
    { files: demoFiles(), env: { OPENAI_ADMIN_KEY: "sk-admin-x" } },
  );
  assertEquals(r.code, 1);
  const report = JSON.parse(r.stdout);
  assertEquals(report.status, "error");
  ok(report.errors.length > 0);
  ok(await validate(report), JSON.stringify((await reportSchemaValidator()).errors));
});

Deno.test("a report with every drift kind, waivers, warnings and errors validates", async () => {
  for (const status of ["drift", "error"] as const) {
    const report = toJson(worded(reportWith("x", status)));
    assertEquals(new Set(report.drift.map((d) => d.kind)), new Set(DRIFT_KINDS));
    ok(report.findings.some((f) => f.waiver !== null));
    ok(report.warnings.length > 0);
    ok(await validate(JSON.parse(renderJson(worded(reportWith("x", status))))), status);
  }
});

/** The demo report with one change made by `edit`. */
function broken(edit: (r: ReturnType<typeof toJson>) => void): unknown {
  const report = toJson(worded(reportWith("x")));
  edit(report);
  return JSON.parse(JSON.stringify(report));
}

const INVALID: [string, unknown][] = [
  ["an unknown top-level field", broken((r) => Object.assign(r, { extra: 1 }))],
  ["an unknown drift field", broken((r) => Object.assign(r.drift[0], { extra: 1 }))],
  ["an unknown summary field", broken((r) => Object.assign(r.summary, { forgotten: 0 }))],
  [
    "an unknown waiver field",
    broken((r) => Object.assign(r.findings.find((f) => f.waiver)!.waiver!, { by: "x" })),
  ],
  ["an unknown drift kind", broken((r) => Object.assign(r.drift[0], { kind: "vanished" }))],
  ["a wrong severity", broken((r) => Object.assign(r.findings[0], { severity: "info" }))],
  [
    "a wrong owner type",
    broken((r) => Object.assign(r.drift.find((d) => d.owner)!.owner!, { type: "bot" })),
  ],
  ["another format version", broken((r) => Object.assign(r, { format_version: "2.0" }))],
  ["a missing summary field", broken((r) => delete (r.summary as { waived?: number }).waived)],
  ["a negative count", broken((r) => Object.assign(r.summary, { missing: -1 }))],
  ["unexpected drift without its owner", broken((r) => delete r.drift.find((d) => d.owner)!.owner)],
  [
    "ambiguous drift without candidates",
    broken((r) => delete r.drift.find((d) => d.candidates)!.candidates),
  ],
  [
    "missing drift with a redacted value",
    broken((r) =>
      Object.assign(r.drift.find((d) => d.kind === "missing")!, { redacted_value: "sk-...x" })
    ),
  ],
  [
    "changed drift with candidates",
    broken((r) => Object.assign(r.drift.find((d) => d.kind === "changed")!, { candidates: [] })),
  ],
];

for (const [what, value] of INVALID) {
  Deno.test(`a report with ${what} does not validate, and the suite's hook fails on it`, async () => {
    ok(!(await validate(value)), "Ajv accepted it");
    await rejects(assertValidReport("r.json", JSON.stringify(value)), /does not match/);
  });
}

Deno.test("the suite's hook ignores output that is not a keydrift JSON report", async () => {
  for (const text of ["plain text", "[1]", '{"format_version":"1.1","tool":{"name":"other"}}']) {
    await assertValidReport("stdout", text);
  }
});

/**
 * Modules `check`'s module loads before any dynamic import (main.ts loads each command's module
 * when the command runs): code edges only, not types.
 */
async function staticCodeGraph(): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "lib/commands/check.ts"],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(out.success, new TextDecoder().decode(out.stderr));
  const info: {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  } = JSON.parse(new TextDecoder().decode(out.stdout));
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) walk(d.code.specifier);
    }
  };
  info.roots.forEach(walk);
  return seen;
}

Deno.test("check never loads the report schema or TypeBox: only schema --report imports them", async () => {
  const loaded = [...await staticCodeGraph()];
  ok(loaded.some((s) => s.endsWith("/lib/render/json.ts")), "the walk reaches the JSON renderer");
  assertEquals(loaded.filter((s) => /report\/schema\.ts$|typebox/.test(s)), []);
});
