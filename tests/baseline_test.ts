/**
 * Baselines (issue 14): `keydrift baseline` records current drift and findings, and
 * `check --baseline` fails only on new ones, lists resolved entries, and never hides an error run.
 * End to end against the in-process fake seeded from the example organisation.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  ADMIN_KEY,
  CHECK_API,
  CHECK_FAKE,
  DEMO_FILES,
  fakeFetch,
  readExample,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { parseBaseline, serializeBaseline } from "../lib/enrich/baseline.ts";
import { ManifestError } from "../lib/core/errors.ts";

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const BASELINE = ["baseline", "-m", "keydrift.yaml", "--fake", "state.yaml", "-o", "b.json"];

/** The example state with one more key in proj_payments that no entry declares. */
const WITH_NEW_KEY = STATE.replace(
  "      - id: key_refunds_01\n",
  `      - id: key_surprise_01
        name: surprise
        owner: user-ben
        created_at: -2d
        last_used_at: -1d
      - id: key_refunds_01
`,
);

/** The example state without key_old_ci_carl (recorded as unexpected and owner-lost-access). */
function withoutOldCi(state: string): string {
  const start = state.indexOf("      - id: key_old_ci_carl");
  const end = state.indexOf("  - id: proj_search");
  ok(start > 0 && end > start);
  return state.slice(0, start) + state.slice(end);
}

async function recorded(): Promise<string> {
  const r = await runCli(BASELINE, { files: DEMO_FILES });
  assertEquals(r.code, 0, r.stderr);
  return r.files.get("b.json")!;
}

async function checkWith(state: string, baseline: string, extra: string[] = []) {
  const r = await runCli(
    [...CHECK_FAKE, "--baseline", "b.json", "--format", "json=r.json", ...extra],
    { files: { "keydrift.yaml": MANIFEST, "state.yaml": state, "b.json": baseline } },
  );
  return { ...r, json: r.files.has("r.json") ? JSON.parse(r.files.get("r.json")!) : null };
}

Deno.test("baseline then check --baseline on the example organisation exits 0 with every item but the waived finding baselined", async () => {
  const file = await recorded();
  const plain = await runCli([...CHECK_FAKE, "--format", "json=r.json"], {
    files: DEMO_FILES,
  });
  assertEquals(plain.code, 2, "the example organisation drifts without a baseline");
  const r = await checkWith(STATE, file);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json.status, "in_sync");
  // The waived finding is the waiver's to govern: not recorded, so not baselined (issue 19).
  const all = [...r.json.drift, ...r.json.findings].filter((x: { waived?: boolean }) => !x.waived);
  ok(all.length > 5);
  ok(all.every((x: { baselined: boolean }) => x.baselined === true));
  assertEquals(
    r.json.findings.filter((f: { waived: boolean; baselined: boolean }) => f.waived)
      .map((f: { baselined: boolean }) => f.baselined),
    [false],
  );
  assertEquals(r.json.summary.baselined, all.length);
  assertEquals(r.json.summary.unexpected, 0);
  assertEquals(r.json.baseline_resolved, []);
  assertEquals(r.json.baseline_file, "b.json");
});

Deno.test("check --baseline exits 2 with exactly the one key added after the baseline as new drift", async () => {
  const r = await checkWith(WITH_NEW_KEY, await recorded());
  assertEquals(r.code, 2, r.stderr);
  const fresh = [...r.json.drift, ...r.json.findings].filter((
    x: { baselined: boolean; waived?: boolean },
  ) => !x.baselined && !x.waived);
  assertEquals(fresh.map((d: { kind: string; key_id: string }) => [d.kind, d.key_id]), [
    ["unexpected", "key_surprise_01"],
  ]);
  assertEquals(r.json.summary.unexpected, 1);
  ok(/exit 2: 1 unexpected at or above/.test(r.stderr), r.stderr);
});

Deno.test("check --baseline lists the entries of a key that is gone as resolved, in json and text", async () => {
  const r = await checkWith(withoutOldCi(STATE), await recorded(), ["--format", "text"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(
    r.json.baseline_resolved.map((e: { rule: string; key_id: string }) => [e.rule, e.key_id])
      .sort(),
    [["drift/unexpected", "key_old_ci_carl"], ["policy/owner-lost-access", "key_old_ci_carl"]],
  );
  ok(/Resolved: 2 baseline entries no longer occur/.test(r.stdout), r.stdout);
  ok(/2 baseline entries resolved/.test(r.stderr), r.stderr);
});

Deno.test("baseline --prune keeps only the entries that still occur, dates unchanged", async () => {
  const file = await recorded();
  const r = await runCli([...BASELINE, "--prune"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": withoutOldCi(STATE), "b.json": file },
  });
  assertEquals(r.code, 0, r.stderr);
  const before = parseBaseline("b.json", file).entries;
  const after = parseBaseline("b.json", r.files.get("b.json")!).entries;
  assertEquals(after.length, before.length - 2);
  assertEquals(after, before.filter((e) => e.key_id !== "key_old_ci_carl"));
});

Deno.test("baseline refuses to overwrite an existing file without --force", async () => {
  const r = await runCli(BASELINE, {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": STATE, "b.json": "keep me" },
  });
  assertEquals(r.code, 1);
  ok(/already exists; pass --force/.test(r.stderr), r.stderr);
  assertEquals(r.files.get("b.json"), "keep me");
  const forced = await runCli([...BASELINE, "--force"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": STATE, "b.json": "keep me" },
  });
  assertEquals(forced.code, 0, forced.stderr);
  ok(forced.files.get("b.json")!.startsWith("{\n"));
});

Deno.test("baseline -o - writes the baseline to stdout and creates no file named -", async () => {
  const files = { "keydrift.yaml": MANIFEST, "state.yaml": STATE };
  const r = await runCli([...BASELINE.slice(0, -2), "-o", "-"], { files });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.files.has("-"), false);
  const toFile = await runCli(BASELINE, { files });
  assertEquals(
    parseBaseline("-", r.stdout).entries,
    parseBaseline("b.json", toFile.files.get("b.json")!).entries,
  );
  const prune = await runCli([...BASELINE.slice(0, -2), "-o", "-", "--prune"], { files });
  assertEquals(prune.code, 1);
  ok(prune.stderr.includes("--prune rewrites a baseline file in place; name it with -o FILE"));
});

Deno.test("the baseline file is sorted by fingerprint, one entry per line, with date, version and summary", async () => {
  const text = await recorded();
  const lines = text.split("\n").filter((l) => l.startsWith("    {"));
  const entries = lines.map((l) => JSON.parse(l.replace(/,$/, "")));
  ok(entries.length > 5);
  const fps = entries.map((e) => e.fingerprint);
  assertEquals(fps, [...fps].sort());
  for (const e of entries) {
    ok(/^[0-9a-f]{64}$/.test(e.fingerprint));
    assertEquals(e.recorded, "2026-11-20");
    assertEquals(typeof e.tool_version, "string");
    ok(e.summary.length > 10, e.summary);
    ok(!("line" in e) && !JSON.stringify(e).includes("keydrift.yaml:"), "no line numbers");
  }
  assertEquals(
    serializeBaseline(parseBaseline("b.json", text).entries, {
      version: entries[0].tool_version,
      created: "2026-11-20",
    }),
    text,
  );
});

Deno.test("check --no-baseline ignores the baseline (audit mode) and exits 2", async () => {
  const r = await checkWith(STATE, await recorded(), ["--no-baseline"]);
  assertEquals(r.code, 2);
  assertEquals(r.json.summary.baselined, 0);
  assertEquals(r.json.baseline_file, null);
});

Deno.test("a baseline never hides an error run: a project whose keys cannot be read still exits 1", async () => {
  const file = await recorded();
  const { fetch } = fakeFetch(stateFrom(STATE));
  const failing: typeof globalThis.fetch = (input, init) => {
    const url = new Request(input, init).url;
    return url.includes("/projects/proj_search/api_keys")
      ? Promise.resolve(
        Response.json({ error: { message: "forbidden", type: "invalid_request_error" } }, {
          status: 403,
        }),
      )
      : fetch(input, init);
  };
  const r = await runCli(
    [...CHECK_API, "--baseline", "b.json", "--format", "json=r.json"],
    {
      files: { "keydrift.yaml": MANIFEST, "b.json": file },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: failing,
    },
  );
  assertEquals(r.code, 1, r.stderr);
  const json = JSON.parse(r.files.get("r.json")!);
  assertEquals(json.status, "error");
  assertEquals(json.baseline_resolved, [], "an error run claims nothing resolved");
});

Deno.test("a malformed baseline file is a located error, exit 1, with the requested reports written", async () => {
  const file = await recorded();
  const broken = file.replace(/"fingerprint":"[0-9a-f]{64}"/, '"fingerprint":"nope"');
  const r = await checkWith(STATE, broken, ["--format", "sarif=r.sarif"]);
  assertEquals(r.code, 1);
  ok(
    /b\.json:6:5: baseline entry 1: "fingerprint" must be 64 lowercase hex digits/.test(r.stderr),
    r.stderr,
  );
  assertEquals(r.json.status, "error");
  ok(r.files.has("r.sarif"));
  const syntax = await checkWith(STATE, '{\n  "keydrift_baseline": 2,\n  ]\n');
  assertEquals(syntax.code, 1);
  ok(/b\.json:3:3: not valid JSON/.test(syntax.stderr), syntax.stderr);
});

Deno.test("parseBaseline() collects every problem with its place", () => {
  try {
    parseBaseline("b.json", '{"keydrift_baseline": 4, "entries": [1, {"fingerprint": "x"}]}');
    ok(false, "must throw");
  } catch (e) {
    ok(e instanceof ManifestError);
    const messages = e.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    ok(
      messages.some((m) => m.startsWith('1:2: "keydrift_baseline" must be 3')),
      messages.join("\n"),
    );
    ok(messages.some((m) => m.includes("baseline entry 1: must be an object")));
    ok(messages.some((m) => m.startsWith("1:41: baseline entry 2:")), messages.join("\n"));
  }
});

Deno.test("baselined items are suppressed in SARIF (external), left out of codeclimate, not JUnit failures", async () => {
  const file = await recorded();
  const r = await runCli([
    ...CHECK_FAKE,
    "--baseline",
    "b.json",
    "--format",
    "sarif=r.sarif",
    "--format",
    "codeclimate=r.cc",
    "--format",
    "junit=r.xml",
    "--format",
    "markdown=r.md",
  ], { files: { "keydrift.yaml": MANIFEST, "state.yaml": WITH_NEW_KEY, "b.json": file } });
  assertEquals(r.code, 2);
  const results = JSON.parse(r.files.get("r.sarif")!).runs[0].results;
  const open = results.filter((x: { suppressions?: unknown[] }) => !x.suppressions);
  assertEquals(open.length, 1);
  ok(open[0].message.text.includes("key_surprise_01"));
  ok(
    results.some((x: { suppressions?: { kind: string; status: string }[] }) =>
      x.suppressions?.some((s) => s.kind === "external" && s.status === "accepted")
    ),
  );
  const cc = JSON.parse(r.files.get("r.cc")!);
  assertEquals(cc.length, 1);
  ok(cc[0].description.includes("key_surprise_01"));
  const failures = r.files.get("r.xml")!.match(/<failure /g) ?? [];
  assertEquals(failures.length, 1);
  ok(/known items? \(not failing/.test(r.files.get("r.md")!), r.files.get("r.md"));
  ok(r.files.get("r.md")!.includes("*(baselined)*"));
});

Deno.test("a baselined admin key that is gone is listed as resolved with project_id null", async () => {
  const file = await recorded();
  const entry = parseBaseline("b.json", file).entries.find((e) => e.key_id === "key_admin_legacy");
  assertEquals([entry?.rule, entry?.project_id], ["drift/unexpected", null]);
  const start = STATE.indexOf("  - id: key_admin_legacy");
  const end = STATE.indexOf("\n\n", start);
  const r = await checkWith(STATE.slice(0, start) + STATE.slice(end + 1), file);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(
    r.json.baseline_resolved.map((
      e: { key_id: string; project_id: null },
    ) => [e.key_id, e.project_id]),
    [["key_admin_legacy", null]],
  );
});
