import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  ADMIN_KEY,
  CHECK_API,
  CHECK_FAKE,
  fakeFetch,
  fixture,
  memDeps,
  readExample,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { run } from "../lib/commands/cli.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import { POLICIES } from "../policies/mod.ts";

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const IN_SYNC = fixture("in_sync/state.yaml");
const files = { "keydrift.yaml": MANIFEST, "state.yaml": STATE, "in_sync.yaml": IN_SYNC };

Deno.test("validate: the example manifest is valid (exit 0), and its expired waiver is a warning", async () => {
  const r = await runCli(["validate", "-m", "keydrift.yaml"], { files });
  assertEquals([r.code, r.stdout, r.stderr], [
    0,
    "keydrift.yaml: valid (4 projects, 8 keys, 2 waivers)\n",
    'keydrift: warning: keydrift.yaml:97:5: waiver for key-expired on "proj_payments" key "refunds" expired on 2026-10-01 and no longer applies: renew its date or remove it\n',
  ]);
});

Deno.test("validate: every problem, located, exit 1, no stack trace", async () => {
  const bad =
    "version: 1\nprojects:\n  - id: p\n    keys:\n      - name: k\n        owner_typ: user\n  - id: p\n    keys: []\n";
  const r = await runCli(["validate", "-m", "bad.yaml"], { files: { "bad.yaml": bad } });
  assertEquals(r.code, 1);
  // The whole of stderr: the three problems in order, a count, and nothing else (no stack trace).
  assertEquals(r.stderr.split("\n"), [
    'bad.yaml:5:9: missing required field "owner" in key entry',
    'bad.yaml:6:9: unknown field "owner_typ" in key entry (did you mean "owner"?)',
    'bad.yaml:7:5: project "p" is declared twice: here and at bad.yaml:3:5',
    "keydrift: 3 problems found; the manifest is invalid",
    "",
  ]);
});

Deno.test("validate: a directory of manifests, stdin, and a clear message when keydrift.yaml is absent", async () => {
  const dir = await runCli(["validate", "-m", "conf"], {
    files: {
      "conf/a.yaml": "version: 1\nprojects:\n  - id: a\n    keys: []\n",
      "conf/b.yaml": "version: 1\nprojects:\n  - id: b\n    keys: []\n",
      "conf/notes.txt": "x",
    },
  });
  assertEquals([dir.code, dir.stdout], [
    0,
    "conf/a.yaml, conf/b.yaml: valid (2 projects, 0 keys, 0 waivers)\n",
  ]);
  const stdin = await runCli(["validate", "-m", "-"], { stdin: "version: 1\nprojects: []\n" });
  assertEquals(stdin.code, 0);
  const missing = await runCli(["validate"]);
  assertEquals([missing.code, missing.stderr.split("\n")[0]], [
    1,
    'keydrift: cannot read manifest "keydrift.yaml": no such file; pass -m PATH or create one with keydrift import',
  ]);
});

Deno.test("usage errors: unknown command, unknown flag, missing value, bad enum (exit 1, one line, usage hint)", async () => {
  const cases: [string[], string][] = [
    [["chek"], 'keydrift: unknown command "chek" (did you mean "check"?)'],
    [
      ["check", "--formt", "json"],
      'keydrift: unknown flag "--formt" for check (did you mean "--format"?)',
    ],
    [["check", "-m"], "keydrift: --manifest needs a value"],
    [
      ["check", "--fail-on", "warn"],
      'keydrift: --fail-on must be one of error, warning, not "warn" (did you mean "warning"?)',
    ],
    [
      ["check", "--format", "yaml"],
      'keydrift: unknown format "yaml"; choose from text, json, markdown, markdown-comment, github, sarif, junit, codeclimate, script',
    ],
    [
      ["check", "--concurrency", "0"],
      'keydrift: --concurrency must be a whole number of at least 1, not "0"',
    ],
  ];
  for (const [argv, line] of cases) {
    const r = await runCli(argv, { files });
    assertEquals([r.code, r.stderr.split("\n")[0]], [1, line], argv.join(" "));
    ok(/^Run 'keydrift( \w+)? --help' for usage\.$/m.test(r.stderr), r.stderr);
  }
});

Deno.test("--help and --version for every command the top-level help lists", async () => {
  const top = await runCli(["--help"]);
  const listed = top.stdout.slice(top.stdout.indexOf("Commands:\n") + 10).split("\n\n")[0]
    .split("\n").map((l) => l.trim().split(/\s/)[0]);
  assertEquals(listed.length, 9, top.stdout);
  for (const cmd of listed) {
    const h = await runCli([cmd, "--help"]);
    ok(h.code === 0 && h.stdout.startsWith(`Usage: keydrift ${cmd}`), cmd);
    const v = await runCli([cmd, "--version"]);
    ok(v.code === 0 && /^keydrift \d+\.\d+\.\d+\n$/.test(v.stdout), cmd);
  }
});

Deno.test("check --fake: the demo shows every kind of drift and exits 2", async (t) => {
  const r = await runCli([...CHECK_FAKE], { files });
  assertEquals(r.code, 2);
  for (
    const mark of [
      "  - project proj_analytics",
      "  ~ project proj_legacy",
      '  ? key "deploy"',
      '  + key "old-ci"',
      '  - key "reporting"',
      '  ~ key "indexer"',
      "  ! error owner-lost-access",
    ]
  ) {
    ok(r.stdout.includes(mark), mark);
  }
  await t.assertSnapshot(r.stdout);
});

Deno.test("check --fake --format json: the report object", async (t) => {
  const r = await runCli([
    ...CHECK_FAKE,
    "--format",
    "json",
  ], { files });
  assertEquals(r.code, 2);
  const report = JSON.parse(r.stdout);
  assertEquals([report.format_version, report.status, report.exit_code], ["1.14", "drift", 2]);
  await t.assertSnapshot(report);
});

Deno.test("check --format NAME=- writes that report to stdout, creates no file named -, and counts as the one stdout format", async () => {
  const r = await runCli([
    ...CHECK_FAKE.slice(0, 3),
    "--fake",
    "in_sync.yaml",
    "--format",
    "json=-",
  ], {
    files,
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout).status, "in_sync");
  assertEquals(r.files.has("-"), false);
  const two = await runCli([...CHECK_FAKE, "--format", "text", "--format", "json=-"], { files });
  assertEquals(two.code, 1);
  ok(two.stderr.includes("only one --format may write to stdout"), two.stderr);
});

Deno.test("check against a matching state exits 0 with 'No drift'", async () => {
  const r = await runCli(["check", "-m", "keydrift.yaml", "--fake", "in_sync.yaml"], { files });
  assertEquals(r.code, 0, r.stdout);
  ok(r.stdout.includes("No drift: live keys match the manifest."));
});

Deno.test("--fail-on warning turns warnings into exit 2; --project narrows the check", async () => {
  const m =
    "version: 1\nunmanaged_projects: ignore\nprojects:\n  - id: proj_search\n    unmanaged: ignore\n    keys:\n      - { name: indexer, owner: { type: service_account, name: indexer-v2 } }\n      - { name: dee-notebook, owner: { type: user, name: Dee Park } }\n";
  const f = { "m.yaml": m, "state.yaml": STATE };
  assertEquals(
    (await runCli(["check", "-m", "m.yaml", "--fake", "state.yaml"], { files: f })).code,
    0,
  );
  assertEquals(
    (await runCli(["check", "-m", "m.yaml", "--fake", "state.yaml", "--fail-on", "warning"], {
      files: f,
    })).code,
    2,
  );
  const scoped = await runCli([
    ...CHECK_FAKE,
    "--project",
    "proj_legacy",
    "--format",
    "json",
  ], { files });
  assertEquals(JSON.parse(scoped.stdout).summary.projects, 1);
});

Deno.test("errors exit 1, say what is unknown, and still write a json report", async () => {
  const state = stateFrom(STATE);
  state.faults = [{ on: "list", kind: "status", status: 500, project: "proj_search" }];
  const { fetch } = fakeFetch(state);
  const r = await runCli([
    ...CHECK_API,
    "--format",
    "text",
    "--format",
    "json=out.json",
  ], { files, fetch, env: { OPENAI_ADMIN_KEY: ADMIN_KEY } });
  assertEquals(r.code, 1);
  const report = JSON.parse(r.files.get("out.json")!);
  assertEquals([
    report.status,
    report.exit_code,
    report.errors.map((e: { project_id: string }) => e.project_id),
  ], ["error", 1, ["proj_search"]]);
  ok(r.stdout.includes("nothing is claimed about drift"));
  const nokey = await runCli(["check", "-m", "keydrift.yaml", "--format", "json=e.json"], {
    files,
  });
  assertEquals(nokey.code, 1);
  ok(nokey.stderr.startsWith("keydrift: no admin key: set OPENAI_ADMIN_KEY"));
  assertEquals(JSON.parse(nokey.files.get("e.json")!).status, "error");
});

Deno.test("the admin key never appears in any output, report or error, even with --verbose", async () => {
  const outputs: string[] = [];
  const faults = [[], [{ on: "list", kind: "status", status: 401 }], [{
    on: "any",
    kind: "malformed",
  }], [{ on: "list", kind: "status", status: 500 }]] as const;
  for (const f of faults) {
    const state = stateFrom(STATE);
    state.faults = [...f];
    const echo: typeof fetch = async (input, init) => {
      const res = await fakeFetch(state).fetch(input, init);
      // A hostile server echoing the bearer token back must not leak it either.
      const auth = new Request(input, init).headers.get("authorization") ?? "";
      return res.status >= 400
        ? new Response(
          JSON.stringify({
            error: { message: `bad token ${auth}`, type: "x", param: null, code: null },
          }),
          res,
        )
        : res;
    };
    // Every format (text to stdout, the others to files) and the step summary.
    const formats = Object.keys(RENDERERS).flatMap((f) =>
      f === "text" ? ["--format", "text"] : ["--format", `${f}=r.${f}`]
    );
    const r = await runCli([
      ...CHECK_API,
      "--verbose",
      "--summary",
      ...formats,
    ], {
      files,
      fetch: echo,
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY, GITHUB_STEP_SUMMARY: "summary.md" },
    });
    const written = [...r.files.keys()].filter((k) => !Object.hasOwn(files, k)).sort();
    assertEquals(
      written,
      [...Object.keys(RENDERERS).filter((f) => f !== "text").map((f) => `r.${f}`), "summary.md"]
        .sort(),
    );
    outputs.push(r.stdout, r.stderr, ...r.files.values());
  }
  const keyFile = await runCli([
    "check",
    "-m",
    "keydrift.yaml",
    "--admin-key-file",
    "k",
    "--api-url",
    "http://127.0.0.1/v1",
    "-v",
  ], { files: { ...files, k: ADMIN_KEY + "\n" } });
  outputs.push(keyFile.stdout, keyFile.stderr);
  for (const o of outputs) ok(!o.includes(ADMIN_KEY) && !o.includes("TESTSECRET"), o);
});

Deno.test("writing a report where writes are not allowed is refused with exit 1", async () => {
  const r = await runCli([
    ...CHECK_FAKE,
    "--format",
    "json=/etc/report.json",
  ], { files, deniedWrites: ["/etc/"] });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr.split("\n")[0],
    'keydrift: cannot write "/etc/report.json": permission denied (keydrift writes a file through a temporary file in its directory, then renames it: allow it with --allow-read=/etc --allow-write=/etc)',
  );
});

Deno.test("schema prints a draft-07 JSON Schema; policies lists them, describes one, suggests a fix for a typo", async () => {
  const s = await runCli(["schema"]);
  assertEquals(JSON.parse(s.stdout).$schema, "http://json-schema.org/draft-07/schema#");
  const p = await runCli(["policies"]);
  for (const id of ["key-unused", "owner-lost-access", "key-name-pattern"]) {
    ok(p.stdout.includes(id));
  }
  const one = await runCli(["policies", "key-unused"]);
  ok(one.stdout.includes("option max_idle_days (integer, default 90)"));
  const bad = await runCli(["policies", "key-unusd"]);
  assertEquals(
    bad.stderr.split("\n")[0],
    'keydrift: unknown policy "key-unusd" (did you mean "key-unused"?)',
  );
});

Deno.test("import writes a valid manifest that round-trips with no drift, and overwrites only with --force", async (t) => {
  const r = await runCli(["import", "--fake", "state.yaml", "-o", "new.yaml"], { files });
  assertEquals([r.code, r.stderr], [
    0,
    "keydrift: wrote new.yaml (4 projects, 133 keys, 2 admin keys, 2 key families proposed)\n",
  ]);
  const written = r.files.get("new.yaml")!;
  await t.assertSnapshot(written.split("\n").slice(0, 30).join("\n"));
  const valid = await runCli(["validate", "-m", "new.yaml"], { files: { "new.yaml": written } });
  assertEquals(valid.code, 0, valid.stderr);
  const again = await runCli([
    "check",
    "-m",
    "new.yaml",
    "--fake",
    "state.yaml",
    "--format",
    "json",
  ], { files: { "new.yaml": written, "state.yaml": STATE } });
  const report = JSON.parse(again.stdout);
  assertEquals([
    report.summary.missing,
    report.summary.unexpected,
    report.summary.changed,
    report.summary.ambiguous,
  ], [0, 0, 0, 0]);
  assertEquals(report.drift, []);
  const clash = await runCli(["import", "--fake", "state.yaml", "-o", "keydrift.yaml"], { files });
  assertEquals([clash.code, clash.stderr.split("\n")[0]], [
    1,
    'keydrift: "keydrift.yaml" already exists; pass --force to overwrite it or -o to write elsewhere',
  ]);
  assertEquals(
    (await runCli(["import", "--fake", "state.yaml", "-o", "keydrift.yaml", "--force"], { files }))
      .code,
    0,
  );
});

Deno.test("import round-trips to exit 0 on a state with no policy findings", async () => {
  const r = await runCli(["import", "--fake", "in_sync.yaml", "-o", "-"], { files });
  const check = await runCli(["check", "-m", "-", "--fake", "in_sync.yaml"], {
    files,
    stdin: r.stdout,
  });
  assertEquals(check.code, 0, check.stdout);
});

Deno.test("check: -m - and --fake - cannot both read stdin", async () => {
  const r = await runCli(["check", "-m", "-", "--fake", "-"], {
    stdin: "version: 1\nprojects: []\n",
  });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    "keydrift: -m - and --fake - cannot both read stdin; pass one of them as a file\nRun 'keydrift check --help' for usage.\n",
  );
});

Deno.test("fake-api starts listening for SIGTERM before it prints its URL, and stops the server on it", async () => {
  const events: string[] = [];
  let signal = () => {};
  const { deps } = memDeps({ files: { "s.yaml": "projects: []\n" } });
  deps.serve = () => {
    events.push("serve");
    return Promise.resolve({
      url: "http://127.0.0.1:1/v1",
      close: () => (events.push("close"), Promise.resolve()),
    });
  };
  deps.waitForShutdown = () => {
    events.push("listen");
    return new Promise<void>((resolve) => (signal = resolve));
  };
  deps.stdout = (t) => (events.push(`stdout ${t.trim()}`), Promise.resolve());
  deps.stderr = () => Promise.resolve();
  const code = run(["fake-api", "--state", "s.yaml"], deps, POLICIES);
  while (!events.some((e) => e.startsWith("stdout"))) await new Promise((r) => setTimeout(r, 0));
  // The URL is out: the signal arrives now, as a script that read the URL would send it.
  signal();
  assertEquals(await code, 0);
  assertEquals(events, ["serve", "listen", "stdout http://127.0.0.1:1/v1", "close"]);
});
