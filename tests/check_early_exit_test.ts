/**
 * Every way `check` can stop early (a flag it cannot parse, a format it does not know, a file it
 * cannot read or may not write, a manifest, state or baseline that is invalid, no admin key)
 * exits 1 and still writes the reports that were asked for, with status "error" (SPEC 10.2).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, DEMO_FILES, runCli } from "./_helpers.ts";

const REPORTS = ["--format", "json=r.json", "--format", "junit=r.xml"];

/** [what, argv, extra files or options, a piece of the message] */
const EARLY: [string, string[], Record<string, string>, string][] = [
  ["an unknown flag", [...CHECK_FAKE, "--bogus", ...REPORTS], {}, 'unknown flag "--bogus"'],
  ["a flag without its value", [...CHECK_FAKE, ...REPORTS, "--project"], {}, "--project needs"],
  ["a value given to a switch", [...CHECK_FAKE, "--quiet=yes", ...REPORTS], {}, "takes no value"],
  ["a stray argument", [...CHECK_FAKE, "extra", ...REPORTS], {}, 'unexpected argument "extra"'],
  [
    "a negative --timeout",
    [...CHECK_FAKE, "--timeout", "-1", ...REPORTS],
    {},
    '--timeout must be a positive number of seconds, not "-1"',
  ],
  ["a negative --concurrency", [...CHECK_FAKE, "--concurrency=-3", ...REPORTS], {}, "must be"],
  ["an unknown format", [...CHECK_FAKE, "--format", "nope", ...REPORTS], {}, 'format "nope"'],
  ["an empty format path", [...CHECK_FAKE, "--format", "sarif=", ...REPORTS], {}, "needs a file"],
  [
    "two formats on stdout",
    [...CHECK_FAKE, "--format", "text", "--format", "markdown", ...REPORTS],
    {},
    "only one --format",
  ],
  ["stdin read twice", ["check", "-m", "-", "--fake", "-", ...REPORTS], {}, "cannot both read"],
  ["--fake with --api-url", [...CHECK_FAKE, "--api-url", "http://x/v1", ...REPORTS], {}, "--api"],
  [
    "a missing manifest",
    ["check", "-m", "nope.yaml", "--fake", "state.yaml", ...REPORTS],
    {},
    "nope",
  ],
  [
    "an invalid manifest",
    [...CHECK_FAKE, ...REPORTS],
    { "keydrift.yaml": "version: 2\n" },
    "version",
  ],
  ["a missing baseline", [...CHECK_FAKE, "--baseline", "b.json", ...REPORTS], {}, "b.json"],
  ["a missing fake state", ["check", "--fake", "gone.yaml", ...REPORTS], {}, "gone.yaml"],
  [
    "a missing admin key file",
    ["check", "--admin-key-file", "k", "--api-url", "http://127.0.0.1/v1", ...REPORTS],
    {},
    '"k"',
  ],
  ["no admin key", ["check", "--api-url", "http://127.0.0.1/v1", ...REPORTS], {}, "no admin key"],
  [
    "a report over the manifest",
    [...CHECK_FAKE, "--format", "sarif=keydrift.yaml", ...REPORTS],
    {},
    "it is the manifest",
  ],
];

for (const [what, argv, files, message] of EARLY) {
  Deno.test(`check stopped early by ${what}: exit 1, and the requested reports say error`, async () => {
    const r = await runCli(argv, { files: { ...DEMO_FILES, ...files } });
    assertEquals(r.code, 1, r.stderr);
    ok(r.stderr.includes(message), r.stderr);
    const json = JSON.parse(r.files.get("r.json") ?? "null");
    assertEquals(json?.status, "error", `${what}: no json report`);
    ok(json.errors[0].message.length > 0);
    ok(r.files.get("r.xml")?.includes("<error"), `${what}: no junit report`);
    // The manifest is never replaced.
    assertEquals(
      r.files.get("keydrift.yaml"),
      files["keydrift.yaml"] ?? DEMO_FILES["keydrift.yaml"],
    );
  });
}

Deno.test("a report that cannot be written makes the run an error: the reports that were written, and the one step summary, say error", async () => {
  const r = await runCli(
    [...CHECK_FAKE, ...REPORTS, "--format", "sarif=/etc/r.sarif", "--summary"],
    { files: DEMO_FILES, deniedWrites: ["/etc/"], env: { GITHUB_STEP_SUMMARY: "summary.md" } },
  );
  assertEquals(r.code, 1, r.stderr);
  ok(r.stderr.includes('cannot write "/etc/r.sarif": permission denied'), r.stderr);
  assertEquals(JSON.parse(r.files.get("r.json")!).status, "error");
  const headings = r.files.get("summary.md")!.match(/^### .*$/gm);
  assertEquals(headings?.length, 1, String(headings));
  ok(headings[0].includes("Check incomplete"), headings[0]);
});
