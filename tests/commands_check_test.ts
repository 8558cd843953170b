/**
 * How `keydrift check` ends: every exit-1 path writes the reports asked for, every run ends with
 * one status line on stderr (unless -q) that says why the exit code is what it is, warnings are
 * only given where they are known to be true, and connection flags refuse what cannot work.
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

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const FORMATS = [
  "--format",
  "json=r.json",
  "--format",
  "sarif=r.sarif",
  "--format",
  "junit=r.xml",
  "--format",
  "markdown=r.md",
];

function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1) ?? "";
}

Deno.test("an invalid --fake state file writes every requested report with status error, exit 1", async () => {
  const r = await runCli([...CHECK_FAKE, ...FORMATS], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": "projects: [ {id: 7} ]\n" },
  });
  assertEquals(r.code, 1, r.stderr);
  const json = JSON.parse(r.files.get("r.json")!);
  assertEquals(json.status, "error");
  // One located error per problem of the state file.
  assertEquals(json.errors[0].location.file, "state.yaml");
  ok(/"id" in project must be a string/.test(json.errors[0].message), json.errors[0].message);
  assertEquals(
    JSON.parse(r.files.get("r.sarif")!).runs[0].invocations[0].executionSuccessful,
    false,
  );
  ok(r.files.get("r.xml")!.includes("<error"), r.files.get("r.xml"));
  ok(r.files.get("r.md")!.includes("Check incomplete"), r.files.get("r.md"));
});

Deno.test("a --project that is not declared writes the requested reports with status error", async () => {
  const r = await runCli([...CHECK_FAKE, "--project", "proj_nope", ...FORMATS], {
    files: DEMO_FILES,
  });
  assertEquals(r.code, 1);
  assertEquals(JSON.parse(r.files.get("r.json")!).status, "error");
});

Deno.test("a run whose every format goes to a file still ends with a status line naming the outcome", async () => {
  const drift = await runCli([...CHECK_FAKE, "--format", "json=r.json"], {
    files: DEMO_FILES,
  });
  assertEquals(drift.code, 2);
  assertEquals(drift.stdout, "");
  ok(
    /^keydrift: checked 4 projects \(\d+ live keys\) against the fake API \(state\.yaml\): drift; exit 2: .+ at or above --fail-on error$/
      .test(lastLine(drift.stderr)),
    drift.stderr,
  );
  const state = stateFrom(STATE);
  state.faults = [{ on: "any", kind: "status", status: 500 }];
  const { fetch } = fakeFetch(state);
  const failed = await runCli([...CHECK_API, "--format", "json=r.json"], {
    files: { "keydrift.yaml": MANIFEST },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch,
  });
  assertEquals(failed.code, 1);
  assertEquals(failed.stdout, "");
  ok(
    /: incomplete; exit 1: .*nothing is claimed about drift\. First error: Cannot .*answered 500/
      .test(lastLine(failed.stderr)),
    failed.stderr,
  );
});

Deno.test("-q leaves out the status line; the exit code is unchanged", async () => {
  const r = await runCli([...CHECK_FAKE, "-q", "--format", "json=r.json"], {
    files: DEMO_FILES,
  });
  assertEquals([r.code, r.stderr], [2, ""]);
});

Deno.test("findings alone at or above --fail-on: the status line says the exit 2 is for policy errors", async () => {
  const manifest = `version: 1
projects:
  - id: p
    keys:
      - { name: ci, owner: { type: service_account, name: bot } }
`;
  const state = `projects:
  - id: p
    service_accounts: [{ id: sa, name: bot }]
    keys: [{ id: key_1, name: ci, owner: sa, created_at: -400d, last_used_at: -1d, expires_at: -1d }]
`;
  const r = await runCli([...CHECK_FAKE], {
    files: { "keydrift.yaml": manifest, "state.yaml": state },
  });
  assertEquals(r.code, 2, r.stdout + r.stderr);
  ok(
    /drift; exit 2: 1 policy error at or above --fail-on error$/.test(lastLine(r.stderr)),
    r.stderr,
  );
});

Deno.test("an unmatched waiver is reported only for projects read completely in this run", async () => {
  const manifest = `version: 1
projects:
  - { id: p, keys: [] }
  - { id: q, keys: [] }
waivers:
  - { policy: key-unused, project: p, key: x, reason: r, expires: 2099-01-01 }
  - { policy: key-unused, project: q, key: x, reason: r, expires: 2099-01-01 }
`;
  const state = "projects:\n  - { id: p }\n  - { id: q }\n";
  const all = await runCli([...CHECK_FAKE, "--format", "json=r.json"], {
    files: { "keydrift.yaml": manifest, "state.yaml": state },
  });
  assertEquals(JSON.parse(all.files.get("r.json")!).warnings.length, 2);
  // Scoped to p: nothing is known about q's findings, so its waiver is not called unused.
  const scoped = await runCli([...CHECK_FAKE, "--project", "p", "--format", "json=r.json"], {
    files: { "keydrift.yaml": manifest, "state.yaml": state },
  });
  const warnings = JSON.parse(scoped.files.get("r.json")!).warnings;
  assertEquals(warnings.length, 1);
  ok(warnings[0].message.includes(" on p/x "), warnings[0].message);
  // A failed read of q: its waiver is not called unused either.
  const s = stateFrom(state);
  s.faults = [{ on: "list", kind: "status", status: 500, project: "q" }];
  const { fetch } = fakeFetch(s);
  const failed = await runCli([...CHECK_API, "--format", "json=r.json"], {
    files: { "keydrift.yaml": manifest },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch,
  });
  assertEquals(failed.code, 1);
  const w = JSON.parse(failed.files.get("r.json")!).warnings;
  assertEquals(w.map((x: { message: string }) => x.message.includes(" on q/")), [false]);
});

Deno.test("--timeout and --deadline above the timer range are usage errors", async () => {
  for (const flag of ["--timeout", "--deadline"]) {
    const r = await runCli([...CHECK_FAKE, flag, "2147484"], {
      files: DEMO_FILES,
    });
    assertEquals(r.code, 1);
    ok(r.stderr.includes(`${flag} must be at most 2,147,483 seconds`), r.stderr);
  }
});

Deno.test("--admin-key-file that is not a small regular file is refused without reading it", async () => {
  const cases: [Record<string, string>, string[], RegExp][] = [
    [{}, ["fifo"], /is not a regular file/],
    [
      { big: "sk-admin-" + "x".repeat(5000) },
      [],
      /is 5,009 bytes; an admin key file is at most 4,096 bytes/,
    ],
    [{ two: "sk-admin-a\nsk-admin-b\n" }, [], /more than one line or word/],
    [{ empty: "\n" }, [], /is empty/],
  ];
  for (const [files, special, re] of cases) {
    const path = Object.keys(files)[0] ?? special[0];
    const r = await runCli([...CHECK_API, "--admin-key-file", path], {
      files: { "keydrift.yaml": MANIFEST, ...files },
      special,
      fetch: () => Promise.reject(new Error("no request may be sent")),
    });
    assertEquals(r.code, 1, path);
    ok(re.test(r.stderr), `${path}: ${r.stderr}`);
  }
});

Deno.test("a bad flag value (--usage 91, --fail-on nope, --timeout 0, --color purple) still writes the requested reports with status error", async () => {
  for (
    const bad of [["--usage", "91"], ["--fail-on", "nope"], ["--timeout", "0"], [
      "--color",
      "purple",
    ]]
  ) {
    const r = await runCli([...CHECK_FAKE, ...bad, ...FORMATS], {
      files: DEMO_FILES,
    });
    assertEquals(r.code, 1, bad.join(" "));
    const json = JSON.parse(r.files.get("r.json")!);
    assertEquals(json.status, "error", bad.join(" "));
    ok(json.errors[0].message.includes(bad[0]), json.errors[0].message);
    ok(r.files.has("r.sarif") && r.files.has("r.xml") && r.files.has("r.md"), bad.join(" "));
  }
});
