/**
 * Issue 23, what an adopter meets first: located annotations for manifest problems, one message
 * per error, hints only where they help, and errors named for what they are.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  CHECK_API,
  DEMO_FILES,
  fakeFetch,
  memDeps,
  type MemOptions,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { run } from "../lib/commands/cli.ts";
import { POLICIES } from "../policies/mod.ts";

/** A manifest with three located problems, under a name that is not keydrift.yaml. */
const BAD = "version: 1\nprojects:\n  - id: proj_x\n    keys:\n      - name: a\n" +
  "        owner: { type: user, id: user_1, name: A }\n        bogus: 1\n      - nme: b\n";

Deno.test("github: one annotation per manifest problem at its own file, line and column (-m other.yaml)", async () => {
  const r = await runCli([
    "check",
    "-m",
    "other.yaml",
    "--fake",
    "state.yaml",
    "--format",
    "github",
  ], {
    files: { "other.yaml": BAD, "state.yaml": DEMO_FILES["state.yaml"] },
  });
  assertEquals(r.code, 1);
  const lines = r.stdout.trimEnd().split("\n");
  assertEquals(lines.slice(0, -1), [
    '::error file=other.yaml,line=7,col=9,title=keydrift%3A manifest problem::unknown field "bogus" in key entry',
    '::error file=other.yaml,line=8,col=9,title=keydrift%3A manifest problem::unknown field "nme" in key entry (did you mean "name"?)',
    '::error file=other.yaml,line=8,col=9,title=keydrift%3A manifest problem::missing required field "name" in key entry',
    '::error file=other.yaml,line=8,col=9,title=keydrift%3A manifest problem::missing required field "owner" in key entry',
  ]);
  ok(lines.at(-1)!.startsWith("::notice title=keydrift summary::keydrift: error (exit 1)"));
  ok(!r.stdout.includes("keydrift.yaml"), "nothing is pinned to a file the run did not read");
});

Deno.test("github: manifest problems past 10 are counted in the summary line, not annotated", async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `      - name: k${i}\n        bogus: 1\n`);
  const many = `version: 1\nprojects:\n  - id: p\n    keys:\n${keys.join("")}`;
  const r = await runCli(["check", "-m", "m.yaml", "--fake", "s.yaml", "--format", "github"], {
    files: { "m.yaml": many, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  const lines = r.stdout.trimEnd().split("\n");
  assertEquals(lines.filter((l) => l.startsWith("::error file=m.yaml,line=")).length, 10);
  ok(/; 14 more not annotated/.test(lines.at(-1)!), lines.at(-1));
});

Deno.test("github: a usage error is an annotation on the run, at no file", async () => {
  const r = await runCli(["check", "-m", "other.yaml", "--fail-on", "bogus", "--format", "github"]);
  assertEquals(r.code, 1);
  const first = r.stdout.split("\n")[0];
  assertEquals(
    first,
    '::error title=keydrift%3A check incomplete::--fail-on must be one of error, warning, not "bogus"',
  );
});

Deno.test("json: a manifest problem that stopped the run is an error with its location", async () => {
  const r = await runCli(["check", "-m", "other.yaml", "--fake", "s.yaml", "--format", "json"], {
    files: { "other.yaml": BAD, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  const errors = JSON.parse(r.stdout).errors;
  assertEquals(errors[0].location, { file: "other.yaml", line: 7, column: 9 });
  assertEquals(errors[0].kind, "run");
  assertEquals(errors.length, 4);
});

Deno.test("a bad flag value is said once: on stderr, not again in the text report on stdout", async () => {
  const r = await runCli(["check", "--usage", "abc"]);
  assertEquals(r.code, 1);
  const message = '--usage must be a whole number from 1 to 90, not "abc"';
  assertEquals(`${r.stdout}${r.stderr}`.split(message).length - 1, 1, r.stdout + r.stderr);
  ok(r.stderr.includes(message));
  assertEquals(
    r.stdout,
    "The check did not complete (the error is on stderr); nothing is claimed about drift.\n",
  );
});

Deno.test("manifest problems are said once: on stderr, not again in the text report on stdout", async () => {
  const r = await runCli(["check", "-m", "other.yaml", "--fake", "s.yaml"], {
    files: { "other.yaml": BAD, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  assertEquals(r.stderr.split('unknown field "bogus"').length - 1, 1);
  ok(!r.stdout.includes("bogus"), r.stdout);
});

Deno.test("a 401 that ends the run is one error line in the text report, not one per project", async () => {
  const { fetch } = fakeFetch(stateFrom(DEMO_FILES["state.yaml"]));
  const r = await runCli(CHECK_API, {
    files: { "keydrift.yaml": DEMO_FILES["keydrift.yaml"] },
    env: { OPENAI_ADMIN_KEY: "wrong-key-0123456789" },
    fetch,
  });
  assertEquals(r.code, 1);
  const errorLines = r.stdout.split("\n").filter((l) => l.startsWith("Error: "));
  assertEquals(errorLines.length, 1, r.stdout);
  ok(/answered 401/.test(errorLines[0]), errorLines[0]);
  ok(r.stdout.includes("Incomplete: 4 projects could not be read"), r.stdout);
});

Deno.test("errors that are not about usage end without 'Run keydrift --help'", async () => {
  const cases: [string[], MemOptions, string][] = [
    [
      ["check"],
      {},
      'keydrift: cannot read manifest "keydrift.yaml": no such file; pass -m PATH or create one with keydrift import\n',
    ],
    [
      ["check", "-m", "m.yaml", "--baseline", "b.json", "--fake", "s.yaml"],
      { files: { "m.yaml": DEMO_FILES["keydrift.yaml"], "s.yaml": DEMO_FILES["state.yaml"] } },
      'keydrift: cannot read baseline "b.json": no such file; create it with keydrift baseline -o b.json\n',
    ],
    [
      ["check", "-m", "m.yaml"],
      { files: { "m.yaml": DEMO_FILES["keydrift.yaml"] } },
      "keydrift: no admin key: set OPENAI_ADMIN_KEY (an sk-admin-… key with api.management.read) or pass --admin-key-file PATH; for a demo use --fake STATE\n",
    ],
    [
      ["validate", "-m", "conf"],
      { files: { "conf/notes.txt": "x" } },
      'keydrift: manifest directory "conf" holds no *.yaml files\n',
    ],
  ];
  for (const [argv, o, stderr] of cases) {
    const r = await runCli(argv, o);
    assertEquals([r.code, r.stderr], [1, stderr], argv.join(" "));
  }
});

Deno.test("a usage error found outside a command's own flags still points at that command's help", async () => {
  const r = await runCli(["check", "-m", "m.yaml", "--api-url", "ftp://example.test/v1"], {
    files: { "m.yaml": DEMO_FILES["keydrift.yaml"] },
    env: { OPENAI_ADMIN_KEY: "sk-admin-x" },
  });
  assertEquals(r.code, 1);
  ok(r.stderr.endsWith("\nRun 'keydrift check --help' for usage.\n"), r.stderr);
});

/** Deps whose every file read fails as Deno fails it for `name` (an OS error or the sandbox). */
function refusingReads(name: "PermissionDenied" | "NotCapable", files: Record<string, string>) {
  const { deps, out } = memDeps({ files });
  const refuse = (p: string) =>
    Promise.reject(Object.assign(new Error(`${name}: readfile '${p}'`), { name }));
  return { deps: { ...deps, readFile: refuse }, out };
}

Deno.test("a file the OS refuses (chmod 000: EACCES, Deno's PermissionDenied) is named as such, with no --allow-read advice", async () => {
  const { deps, out } = refusingReads("PermissionDenied", { "m.yaml": "version: 1\n" });
  assertEquals(await run(["validate", "-m", "m.yaml"], deps, POLICIES), 1);
  assertEquals(
    out.stderr,
    'keydrift: cannot read manifest "m.yaml": permission denied by the file system (its mode or owner does not let this user in; see ls -l)\n',
  );
});

Deno.test("a file Deno's sandbox refuses (NotCapable) names the --allow-read flag that grants it", async () => {
  const { deps, out } = refusingReads("NotCapable", { "m.yaml": "version: 1\n" });
  assertEquals(await run(["validate", "-m", "m.yaml"], deps, POLICIES), 1);
  ok(
    out.stderr.startsWith(
      'keydrift: cannot read manifest "m.yaml": permission denied (allow it with --allow-read=m.yaml)\n',
    ),
    out.stderr,
  );
  ok(out.stderr.includes("keydrift: not permitted: --allow-read=m.yaml"), out.stderr);
});

Deno.test("a report the OS refuses to write is named as the file system's refusal", async () => {
  const { deps, out } = memDeps({ files: DEMO_FILES });
  const refuse = () =>
    Promise.reject(Object.assign(new Error("Permission denied (os error 13)"), {
      name: "PermissionDenied",
    }));
  const code = await run(
    ["check", "-m", "keydrift.yaml", "--fake", "state.yaml", "--format", "json=out/r.json"],
    { ...deps, createFile: refuse },
    POLICIES,
  );
  assertEquals(code, 1);
  ok(
    out.stderr.includes(
      'keydrift: cannot write "out/r.json": permission denied by the file system (its directory\'s mode or owner',
    ),
    out.stderr,
  );
  ok(!out.stderr.includes("--allow-write"), out.stderr);
});

Deno.test("check against a host that does not resolve says DNS, not 'network error (fetch failed)'", async () => {
  const dns = () =>
    Promise.reject(
      new TypeError("fetch failed", {
        cause: new Error(
          "error sending request for url (https://api.openai.con/v1/organization/projects): client error (Connect): dns error: failed to lookup address information: Name or service not known",
        ),
      }),
    );
  const r = await runCli(CHECK_API, {
    files: { "keydrift.yaml": DEMO_FILES["keydrift.yaml"] },
    env: { OPENAI_ADMIN_KEY: "sk-admin-x" },
    fetch: dns,
  });
  assertEquals(r.code, 1);
  ok(r.stderr.includes("DNS lookup failed: the name api.openai.con does not resolve"), r.stderr);
  ok(!r.stdout.includes("(fetch failed)"), r.stdout);
});

Deno.test("a negative number after a numeric flag is its value, refused as a bad value (not 'needs a value')", async () => {
  const cases: [string[], string][] = [
    [["check", "--timeout", "-1"], '--timeout must be a positive number of seconds, not "-1"'],
    [["check", "--timeout=-1"], '--timeout must be a positive number of seconds, not "-1"'],
    [
      ["check", "--deadline", "-0.5"],
      '--deadline must be a positive number of seconds, not "-0.5"',
    ],
    [
      ["check", "--concurrency", "-3"],
      '--concurrency must be a whole number of at least 1, not "-3"',
    ],
    [["check", "--usage", "-7"], '--usage must be a whole number from 1 to 90, not "-7"'],
    [["check", "--usage", "91"], '--usage must be a whole number from 1 to 90, not "91"'],
    [
      ["fake-api", "--state", "s.yaml", "--port", "-1"],
      '--port must be a whole number from 0 to 65,535, not "-1"',
    ],
    [
      ["fake-api", "--state", "s.yaml", "--port", "70000"],
      '--port must be a whole number from 0 to 65,535, not "70000"',
    ],
    // Decimal digits as written: not what Number() would also read (hex, padding, exponents).
    [["check", "--usage=0x7"], '--usage must be a whole number from 1 to 90, not "0x7"'],
    [["check", "--usage= 7"], '--usage must be a whole number from 1 to 90, not " 7"'],
    [["check", "--usage=1e1"], '--usage must be a whole number from 1 to 90, not "1e1"'],
    [["check", "--max-rpm=0x10"], '--max-rpm must be a whole number of at least 1, not "0x10"'],
    [["check", "--timeout=1e1"], '--timeout must be a positive number of seconds, not "1e1"'],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assertEquals([r.code, r.stderr.split("\n")[0]], [1, `keydrift: ${message}`], argv.join(" "));
    ok(r.stderr.includes(`Run 'keydrift ${argv[0]} --help' for usage.`), r.stderr);
  }
  // A value that looks like a flag is still a forgotten value.
  const forgot = await runCli(["check", "--timeout", "--quiet"]);
  assertEquals(forgot.stderr.split("\n")[0], "keydrift: --timeout needs a value");
});

Deno.test("counts of one are singular: 1 project, 1 key, 1 policy error, 1 more error", async () => {
  const one =
    `version: 1\nprojects:\n  - id: proj_x\n    keys:\n      - name: a\n        ${"owner: { type: user, id: user_1, name: A }"}\n`;
  const v = await runCli(["validate", "-m", "one.yaml"], { files: { "one.yaml": one } });
  assertEquals(v.stdout, "one.yaml: valid (1 project, 1 key, 0 waivers)\n");
  const { renderGithub } = await import("../lib/render/github.ts");
  const { renderMarkdown } = await import("../lib/render/markdown.ts");
  const { worded } = await import("../lib/render/words.ts");
  const { reportWith } = await import("./_reports.ts");
  const r = reportWith("x", "drift");
  const oneEach = { ...r, summary: { ...r.summary, policy_errors: 1, policy_warnings: 1 } };
  const gh = renderGithub(worded(oneEach)).trimEnd().split("\n").at(-1)!;
  ok(gh.includes("; 1 policy error, 1 warning"), gh);
  const md = renderMarkdown(worded(oneEach), { color: false });
  ok(!/\b1 (projects|keys|errors|items|policy errors|policy warnings)\b/.test(md), md);
});

Deno.test("the summary says what the managed share counts, and why it is low (unmanaged: ignore)", async () => {
  const r = await runCli(["check", "-m", "keydrift.yaml", "--fake", "state.yaml"], {
    files: DEMO_FILES,
  });
  const last = r.stdout.trimEnd().split("\n").at(-1)!;
  ok(
    last.endsWith(" · Managed: 10 of 134 live keys (7%; 120 in projects with unmanaged: ignore)"),
    last,
  );
  ok(!r.stdout.includes("Coverage"), last);
  const json = await runCli([
    "check",
    "-m",
    "keydrift.yaml",
    "--fake",
    "state.yaml",
    "--format",
    "json",
  ], {
    files: DEMO_FILES,
  });
  const s = JSON.parse(json.stdout).summary;
  assertEquals([s.coverage, s.managed_keys, s.live_keys, s.ignored], [7, 10, 134, 120]);
});

Deno.test("markdown: a 401 that ends the run is one error item; a manifest problem names its place", async () => {
  const { fetch } = fakeFetch(stateFrom(DEMO_FILES["state.yaml"]));
  const r = await runCli([...CHECK_API, "--format", "markdown"], {
    files: { "keydrift.yaml": DEMO_FILES["keydrift.yaml"] },
    env: { OPENAI_ADMIN_KEY: "wrong-key-0123456789" },
    fetch,
  });
  const items = r.stdout.split("\n").filter((l) => /^- .*answered 401|is unknown/.test(l));
  assertEquals(items.length, 1, r.stdout);
  const bad = await runCli([
    "check",
    "-m",
    "other.yaml",
    "--fake",
    "s.yaml",
    "--format",
    "markdown",
  ], {
    files: { "other.yaml": BAD, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  ok(bad.stdout.includes('- `other.yaml:7:9`: unknown field \\"bogus\\" in key entry'), bad.stdout);
});

Deno.test("codeclimate: each manifest problem that stopped the run is an issue at its own file and line", async () => {
  const r = await runCli([
    "check",
    "-m",
    "other.yaml",
    "--fake",
    "s.yaml",
    "--format",
    "codeclimate",
  ], {
    files: { "other.yaml": BAD, "s.yaml": DEMO_FILES["state.yaml"] },
  });
  const issues = JSON.parse(r.stdout);
  assertEquals(
    issues.map((i: { location: { path: string; lines: { begin: number } } }) =>
      `${i.location.path}:${i.location.lines.begin}`
    ),
    ["other.yaml:7", "other.yaml:8", "other.yaml:8", "other.yaml:8"],
  );
});
