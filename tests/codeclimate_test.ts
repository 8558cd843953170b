/**
 * GitLab Code Quality: the field rules of GitLab's documentation, as a JSON schema written from
 * https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format ("Implement a custom
 * tool"): an array of objects with `description`, `check_name`, `fingerprint`, `severity` (one of
 * info, minor, major, critical, blocker), `location.path` (relative) and `location.lines.begin` (or
 * `location.positions.begin.line`); no byte order mark. Multiple issues with one fingerprint
 * collapse into one in the merge request widget, so fingerprints must be unique.
 */
import { worded } from "../lib/render/words.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import AjvModule from "ajv";
import { run } from "../lib/commands/cli.ts";
import type { Report } from "../lib/report/report.ts";
import type { Drift } from "../lib/core/types.ts";
import { renderCodeclimate } from "../lib/render/codeclimate.ts";
import { POLICIES } from "../policies/mod.ts";
import { CHECK_FAKE, DEMO_FILES, memDeps, runCli } from "./_helpers.ts";
import { DRIFT, driftedOrg, FINDINGS } from "./_drifted_org.ts";

const Ajv = AjvModule as unknown as new (o: object) => {
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

const GITLAB_CODE_QUALITY = {
  type: "array",
  items: {
    type: "object",
    required: ["description", "check_name", "fingerprint", "severity", "location"],
    properties: {
      description: { type: "string", minLength: 1 },
      check_name: { type: "string", minLength: 1 },
      fingerprint: { type: "string", minLength: 1 },
      severity: { enum: ["info", "minor", "major", "critical", "blocker"] },
      location: {
        type: "object",
        required: ["path"],
        properties: {
          // Relative: no leading slash, no scheme.
          path: { type: "string", minLength: 1, not: { pattern: "^(/|[A-Za-z][A-Za-z0-9+.-]*:)" } },
          lines: {
            type: "object",
            required: ["begin"],
            properties: { begin: { type: "integer", minimum: 1 } },
          },
          positions: {
            type: "object",
            required: ["begin"],
            properties: {
              begin: {
                type: "object",
                required: ["line"],
                properties: { line: { type: "integer", minimum: 1 } },
              },
            },
          },
        },
        anyOf: [{ required: ["lines"] }, { required: ["positions"] }],
      },
    },
  },
};
const validate = new Ajv({ strict: false, allErrors: true }).compile(GITLAB_CODE_QUALITY);

const files = DEMO_FILES;
const errorFiles = {
  ...files,
  "state.yaml": files["state.yaml"] +
    "faults:\n  - { on: list, kind: status, status: 500, project: proj_search }\n",
};

async function codeclimate(f: Record<string, string>, code: number) {
  const r = await runCli([...CHECK_FAKE, "--format", "codeclimate=cq.json"], { files: f });
  assertEquals(r.code, code, r.stderr);
  return r.files.get("cq.json")!;
}

interface Issue {
  check_name: string;
  fingerprint: string;
  severity: string;
  description: string;
  location: { path: string; lines: { begin: number } };
}

function parsed(text: string): Issue[] {
  ok(!text.startsWith("\uFEFF"), "no byte order mark");
  const issues = JSON.parse(text);
  ok(validate(issues), JSON.stringify(validate.errors?.slice(0, 3)));
  const fps = issues.map((i: Issue) => i.fingerprint);
  assertEquals(new Set(fps).size, fps.length, "fingerprints are unique");
  return issues;
}

const big = driftedOrg(["codeclimate"]);

Deno.test("codeclimate of the demo, an error run and 30,000 keys has GitLab's required fields and severities, with unique fingerprints", async () => {
  const demo = parsed(await codeclimate(files, 2));
  const json = JSON.parse(
    (await runCli([...CHECK_FAKE, "--format", "json=r.json"], { files })).files.get("r.json")!,
  );
  const open = json.findings.filter((f: { waived: boolean }) => !f.waived).length;
  assertEquals(demo.length, json.drift.length + open);
  const error = parsed(await codeclimate(errorFiles, 1));
  const blockers = error.filter((i) => i.severity === "blocker");
  assertEquals(blockers.map((i) => [i.check_name, i.location]), [[
    "keydrift/read-error",
    { path: "keydrift.yaml", lines: { begin: 1 } },
  ]]);
  const all = parsed((await big()).get("r.codeclimate")!);
  assertEquals(all.length, DRIFT + FINDINGS);
  assertEquals(new Set(all.map((i) => i.severity)), new Set(["critical", "minor"]));
});

Deno.test("codeclimate: severities map error to critical and warning to minor; waived findings are left out", async () => {
  const issues = parsed(await codeclimate(files, 2));
  const of = (check: string) => issues.filter((i) => i.check_name === check).map((i) => i.severity);
  assertEquals(of("keydrift/drift/missing"), ["critical"]);
  assertEquals(of("keydrift/policy/key-expiring-soon"), ["minor"]);
  // ana-laptop's key-unused finding is waived in the demo manifest.
  assertEquals(of("keydrift/policy/key-unused"), []);
  ok(issues.every((i) => i.location.path === "keydrift.yaml" && i.location.lines.begin > 1));
});

Deno.test("codeclimate fingerprints are stable across runs and independent of line numbers", async () => {
  const first = parsed(await codeclimate(files, 2));
  assertEquals(parsed(await codeclimate(files, 2)), first);
  // Two blank lines at the top move every location; no fingerprint changes.
  const moved = parsed(
    await codeclimate({ ...files, "keydrift.yaml": "\n\n" + files["keydrift.yaml"] }, 2),
  );
  assertEquals(
    moved.map((i) => i.location.lines.begin),
    first.map((i) => i.location.lines.begin + 2),
  );
  assertEquals(moved.map((i) => i.fingerprint), first.map((i) => i.fingerprint));
});

Deno.test("codeclimate: two items with one identity still get distinct fingerprints", () => {
  const twin: Drift = {
    kind: "missing",
    severity: "error",
    projectId: "p",
    keyId: null,
    keyName: "dup",
    changes: [],
    location: { file: "keydrift.yaml", line: 3, column: 1 },
  };
  const report = {
    tool: { name: "keydrift", version: "0.0.0" },
    status: "drift",
    exitCode: 2,
    failOn: "error",
    manifestFiles: ["keydrift.yaml"],
    summary: {},
    drift: [twin, { ...twin, location: { ...twin.location, line: 9 } }],
    findings: [],
    errors: [],
    notes: [],
    rules: [],
  } as unknown as Report;
  const issues = parsed(renderCodeclimate(worded(report)));
  assertEquals(issues.length, 2);
});

Deno.test("codeclimate paths are relative to the repository root, also for an absolute -m", async () => {
  const { deps, out } = memDeps({
    files: { "/repo/ops/keydrift.yaml": files["keydrift.yaml"], "state.yaml": files["state.yaml"] },
  });
  const code = await run(
    ["check", "-m", "/repo/ops/keydrift.yaml", "--fake", "state.yaml", "--format", "codeclimate"],
    { ...deps, cwd: () => "/repo" },
    POLICIES,
  );
  assertEquals(code, 2);
  const issues = parsed(out.stdout);
  assertEquals(new Set(issues.map((i) => i.location.path)), new Set(["ops/keydrift.yaml"]));
});
