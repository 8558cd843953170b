/** Progress on stderr: shown only to a terminal, erased before the status line, never in CI logs. */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, DEMO_FILES, runCli } from "./_helpers.ts";

const files = DEMO_FILES;

Deno.test("progress: a terminal sees 'read N/4 projects', erased before the status line", async () => {
  const r = await runCli([...CHECK_FAKE, "--format", "json=r.json"], {
    files,
    stderrTerminal: true,
  });
  assertEquals(r.code, 2);
  ok(r.stderr.startsWith("\r\x1b[2Kkeydrift: read 1/4 projects"), JSON.stringify(r.stderr));
  const erase = r.stderr.lastIndexOf("\r\x1b[2K");
  ok(r.stderr.slice(erase + 5).startsWith("keydrift: checked 4 projects"), r.stderr);
});

Deno.test("progress: silent when stderr is not a terminal, and with -q", async () => {
  const piped = await runCli([...CHECK_FAKE, "--format", "json=r.json"], { files });
  ok(!piped.stderr.includes("\x1b") && !piped.stderr.includes("\r"), piped.stderr);
  const quiet = await runCli([...CHECK_FAKE, "-q", "--format", "json=r.json"], {
    files,
    stderrTerminal: true,
  });
  assertEquals(quiet.stderr, "");
});
