/**
 * tests/_tools.ts: a test whose external tool is missing is skipped outside CI and fails under
 * CI=true, so CI can never skip a validator silently.
 * (The generated file runs with --no-check: deno check covers tests/_tools.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs a one-test file that needs a tool no machine has, with the given CI value. */
async function runMissingToolTest(ci: string | null) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/missing_test.ts`,
      `import { testWithTools } from "${new URL("_tools.ts", import.meta.url)}";
testWithTools("needs a missing tool", ["keydrift-no-such-tool"], async () => {});
`,
    );
    const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
    delete env.CI;
    if (ci !== null) env.CI = ci;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-check", "--allow-read", "--allow-env", `${dir}/missing_test.ts`],
      cwd: ROOT,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const d = new TextDecoder();
    return { code: out.code, text: d.decode(out.stdout) + d.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a test whose tool is missing is ignored when CI is unset", async () => {
  const r = await runMissingToolTest(null);
  assertEquals(r.code, 0, r.text);
  ok(/needs a missing tool \.\.\. ignored/.test(r.text), r.text);
});

Deno.test("a test whose tool is missing fails under CI=true and names the tool", async () => {
  const r = await runMissingToolTest("true");
  assertEquals(r.code, 1, r.text);
  ok(r.text.includes("missing keydrift-no-such-tool under CI; .ci/run installs it"), r.text);
});
